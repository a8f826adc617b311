// Histogram: counts of observations in fixed buckets, with their sum, as a Prometheus
// histogram reports them (bucket upper bounds are inclusive: `le`).
// Plain value; thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

namespace converge::metrics {

class Histogram {
 public:
  // `upper_bounds` must be finite and strictly ascending; a last bucket (+Inf) is implied.
  explicit Histogram(std::vector<double> upper_bounds);

  // NaN is not counted.
  void Observe(double value);

  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  // Observations per bucket (not cumulative): one more entry than upper_bounds(), the last
  // for values above every bound.
  const std::vector<uint64_t>& bucket_counts() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> upper_bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

// `count` bounds start, start*factor, start*factor^2, ... (start > 0, factor > 1).
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// Seconds from 50 µs to about 50 s, doubling: latencies of requests, passes and commits.
std::vector<double> LatencyBuckets();
// Job waits and run times, in seconds: 0.01 s to a day.
std::vector<double> WaitBuckets();

}  // namespace converge::metrics
