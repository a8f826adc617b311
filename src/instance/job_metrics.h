// JobMetrics: what the JobManager counts and times as it works, for GET /metrics. Gauges
// (jobs by state, resources, reasons) are not kept here: JobManager::WriteMetrics reads them
// off its state at each scrape (job_metrics.cc), so that they can never drift.
// Durations are measured on the monotonic clock (MonotonicSeconds), not on the instance's
// Clock: they are what the machine spent, which a test's virtual time would hide.
// Plain values; the JobManager's loop thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "common/monotonic_seconds.h"
#include "instance/job.h"
#include "metrics/histogram.h"

namespace converge::instance {

struct JobMetrics {
  // Times each state was entered, indexed by JobState.
  std::array<uint64_t, static_cast<size_t>(JobState::kInactive) + 1> transitions{};
  std::map<std::string, uint64_t> submitted;                      // queue -> jobs
  std::map<std::pair<std::string, std::string>, uint64_t> ended;  // (queue, result) -> jobs
  std::map<std::string, metrics::Histogram> waits;  // queue -> seconds from submit to start
  metrics::Histogram run_seconds{metrics::WaitBuckets()};         // start to end
  metrics::Histogram submit_seconds{metrics::LatencyBuckets()};   // Submit() to durable
  metrics::Histogram pass_seconds{metrics::LatencyBuckets()};     // one Schedule() pass
  metrics::Histogram commit_seconds{metrics::LatencyBuckets()};   // a commit until durable
  metrics::Histogram commit_rows{metrics::ExponentialBuckets(1, 4, 10)};  // rows per commit

  void ObserveWait(const std::string& queue, double seconds) {
    waits.try_emplace(queue, metrics::WaitBuckets()).first->second.Observe(seconds);
  }
};

}  // namespace converge::instance
