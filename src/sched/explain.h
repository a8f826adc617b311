// Pending reasons: why a job is not running, in words a user can act on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sched/host_filter.h"
#include "sched/request.h"
#include "sched/resource_state.h"

namespace converge::sched {

// What the queue policy decided about a pending job at the last scheduling pass.
struct PendingFacts {
  int64_t now = 0;
  std::optional<int64_t> reserved_start;
  int64_t reserved_behind = -1;  // the job whose end makes room for the reservation
  bool behind_unlimited = false;  // reserved_behind has no time limit: its end is unknown
  int64_t queued_behind = -1;    // the job ahead that holds the policy's attention
  bool fcfs = false;
  int reservation_depth = 0;
};

// "4 nodes, 128 cores, 8 gpus" — what the request needs in total.
std::string DescribeDemand(const Request& request, const ResourceState& state);

// E.g. "waiting for 2 of 4 nodes with 32 free cores; reserved to start at t+1800 s behind
// job 17", or "...; reserved to start when job 17 ends (it has no time limit)" when the time
// would be a guess. Reads the state; changes nothing visible.
std::string ExplainPending(const Request& request, const HostFilter* filter,
                           ResourceState& state, const PendingFacts& facts);

}  // namespace converge::sched
