// `converge sim --sweep`: the same workload under several queue policies, match policies
// and machines, one simulation per combination, on worker threads.
#pragma once

#include <vector>

#include "resource/graph.h"
#include "sched/policy.h"
#include "sim/sweep_report.h"
#include "sim/workload.h"

namespace converge::cli {

struct SweepRun {
  sched::QueuePolicy policy = sched::QueuePolicy::kEasy;
  sched::MatchPolicy match = sched::MatchPolicy::kFirst;
  // The machine: `graph` when set (shared read-only by every run), else BuildMachine(nodes,
  // cores_per_node).
  const resource::Graph* graph = nullptr;
  int64_t nodes = 0;
  int64_t cores_per_node = 1;
  std::string machine;  // its label in the report
};

// Runs every simulation, `threads` at a time (>= 1), each timed on its own. The rows come
// back in the order of `runs`, whatever order they finished in; a failed run carries its
// error. The workload is shared read-only.
std::vector<sim::SweepRow> RunSweep(const sim::Workload& workload,
                                    const std::vector<SweepRun>& runs, int threads);

}  // namespace converge::cli
