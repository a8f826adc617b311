// Request: a jobspec's resources compiled against one graph, ready for the matcher.
//
// Types are resolved to graph type ids, counts fixed (a range asks for its minimum),
// memory converted to MiB, and each node carries its demand: the pool units one instance
// of it needs in total, used to prune subtrees that cannot hold it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "jobspec/jobspec.h"
#include "resource/graph.h"

namespace converge::sched {

class ResourceState;

struct RequestNode {
  static constexpr int kSlot = -1;
  int type = kSlot;           // graph type id, or kSlot
  std::string type_name;      // as written ("slot", "core", ...)
  int pool = -1;              // pool index when the type is a leaf pool, else -1
  int64_t count = 1;          // instances wanted; for pools: units (MiB for memory)
  bool exclusive = false;     // containers: held whole by the job
  std::vector<RequestNode> with;
  std::vector<int64_t> demand;  // pool units needed by ONE instance, per pool
  bool pools_only = true;       // every descendant is a pool (a slot of cores/GPUs/memory)
};

struct Request {
  std::vector<RequestNode> roots;
  std::vector<int64_t> total_demand;  // pool units needed by the whole job, per pool
  int64_t slot_count = 0;             // total task slots
  bool exclusive_hosts = false;       // the job's hosts are held whole (-x, exclusive slot)
  std::optional<jobspec::Constraint> constraint;
  int64_t duration = 0;  // seconds; 0 = none given
};

// Compiles `spec` for the graph behind `state`. Errors: kUnsatisfiable when the spec asks
// for a type the graph does not have; kInvalidArgument for memory units it cannot read.
Result<Request> CompileRequest(const jobspec::Jobspec& spec, const ResourceState& state);

}  // namespace converge::sched
