// Test helper: Simulate() on a machine of `procs` single-core nodes, the machine on which
// the graph scheduler must agree with the counting oracle (reference_schedule.h).
#pragma once

#include <utility>
#include <vector>

#include "common/check.h"
#include "sim/machine.h"
#include "sim/simulator.h"

namespace converge::sim::testing {

inline std::vector<JobOutcome> SimulateOnSingleCoreNodes(const Workload& workload, int64_t procs,
                                                         sched::QueuePolicy policy) {
  Result<resource::Graph> graph = BuildMachine(procs, 1);
  CHECK(graph.ok(), graph.status().ToString());
  SimOptions options;
  options.scheduler.queue_policy = policy;
  options.reservations = ReservationTracking::kNone;
  Result<SimResult> result = Simulate(*graph, workload, options);
  CHECK(result.ok(), result.status().ToString());
  return std::move(result->jobs);
}

}  // namespace converge::sim::testing
