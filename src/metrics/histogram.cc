#include "metrics/histogram.h"

#include <algorithm>
#include <cmath>

#include "common/check.h"

namespace converge::metrics {

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    CHECK(std::isfinite(upper_bounds_[i]), "histogram bounds must be finite");
    CHECK(i == 0 || upper_bounds_[i - 1] < upper_bounds_[i], "histogram bounds must ascend");
  }
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // The first bound >= value: its bucket holds the value.
  const auto bound = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  ++counts_[static_cast<size_t>(bound - upper_bounds_.begin())];
  ++count_;
  sum_ += value;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  CHECK(start > 0 && factor > 1 && count > 0, "exponential buckets need start > 0, factor > 1");
  std::vector<double> bounds;
  bounds.reserve(static_cast<size_t>(count));
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
  return bounds;
}

std::vector<double> LatencyBuckets() { return ExponentialBuckets(50e-6, 2, 21); }

std::vector<double> WaitBuckets() {
  return {0.01, 0.1, 1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600};
}

}  // namespace converge::metrics
