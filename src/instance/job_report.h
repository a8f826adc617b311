// JobReport: the simulator's report over this instance's own jobs (GET /v1/report), so that a
// live queue and a simulated one read the same way (docs/dashboard.md).
//
// Figures follow sim/metrics.h over the jobs that have started (a running job counts as
// ending now), with times in whole seconds; the chart is sim::UtilizationSvg over every job
// (one that has not started yet is queued until now; one canceled before it started was
// queued until it ended). Not thread-safe; one per instance.
#pragma once

#include <cstdint>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "instance/job_manager.h"

namespace converge::instance {

class JobReport {
 public:
  // {"summary": {jobs, running, pending, cores, avg_wait_s, median_wait_s, p95_wait_s,
  // avg_bsld, max_bsld, utilization, makespan_s}, "svg": "<svg …"} at epoch time `now`.
  nlohmann::ordered_json Build(const JobManager& jobs, double now);

 private:
  int64_t CoresOf(const Job& job, const resource::Graph& graph);

  // An inactive job's allocation never changes: its core count is read from the record once.
  std::unordered_map<int64_t, int64_t> inactive_cores_;
};

}  // namespace converge::instance
