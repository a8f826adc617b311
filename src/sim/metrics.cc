#include "sim/metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace converge::sim {

double BoundedSlowdown(int64_t wait, int64_t run, double tau) {
  double denominator = std::max(static_cast<double>(run), tau);
  return std::max(1.0, static_cast<double>(wait + run) / denominator);
}

Metrics ComputeMetrics(std::span<const JobOutcome> jobs, int64_t machine_procs) {
  Metrics metrics;
  metrics.jobs = static_cast<int64_t>(jobs.size());
  metrics.procs = machine_procs;
  if (jobs.empty()) return metrics;
  std::vector<int64_t> waits;
  waits.reserve(jobs.size());
  double wait_sum = 0;
  double bsld_sum = 0;
  double area = 0;  // procs × seconds
  int64_t first_submit = jobs.front().submit_time;
  int64_t last_end = jobs.front().end_time;
  for (const JobOutcome& job : jobs) {
    int64_t wait = job.start_time - job.submit_time;
    waits.push_back(wait);
    wait_sum += static_cast<double>(wait);
    double bsld = BoundedSlowdown(wait, job.run_time);
    bsld_sum += bsld;
    metrics.max_bsld = std::max(metrics.max_bsld, bsld);
    area += static_cast<double>(job.procs) * static_cast<double>(job.run_time);
    first_submit = std::min(first_submit, job.submit_time);
    last_end = std::max(last_end, job.end_time);
  }
  const double n = static_cast<double>(jobs.size());
  metrics.avg_wait_s = wait_sum / n;
  metrics.avg_bsld = bsld_sum / n;
  std::sort(waits.begin(), waits.end());
  size_t mid = waits.size() / 2;
  metrics.median_wait_s = waits.size() % 2 == 1
                              ? static_cast<double>(waits[mid])
                              : (static_cast<double>(waits[mid - 1]) + waits[mid]) / 2.0;
  size_t rank = (95 * waits.size() + 99) / 100;  // ceil(0.95 n) without rounding error
  metrics.p95_wait_s = static_cast<double>(waits[std::max<size_t>(rank, 1) - 1]);
  metrics.makespan_s = last_end - first_submit;
  if (metrics.makespan_s > 0 && machine_procs > 0) {
    metrics.utilization =
        area / (static_cast<double>(machine_procs) * static_cast<double>(metrics.makespan_s));
  }
  return metrics;
}

}  // namespace converge::sim
