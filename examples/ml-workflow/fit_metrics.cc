#include "examples/ml-workflow/fit_metrics.h"

#include <cmath>

namespace converge::ml {

std::optional<double> RSquared(std::span<const double> actual, std::span<const double> predicted) {
  if (actual.empty() || actual.size() != predicted.size()) return std::nullopt;
  double mean = 0.0;
  for (double value : actual) mean += value;
  mean /= static_cast<double>(actual.size());
  double total = 0.0;
  double residual = 0.0;
  for (size_t i = 0; i < actual.size(); ++i) {
    total += (actual[i] - mean) * (actual[i] - mean);
    residual += (actual[i] - predicted[i]) * (actual[i] - predicted[i]);
  }
  if (total == 0.0) return std::nullopt;
  return 1.0 - residual / total;
}

std::optional<double> MeanAbsoluteError(std::span<const double> actual,
                                        std::span<const double> predicted) {
  if (actual.empty() || actual.size() != predicted.size()) return std::nullopt;
  double sum = 0.0;
  for (size_t i = 0; i < actual.size(); ++i) sum += std::fabs(actual[i] - predicted[i]);
  return sum / static_cast<double>(actual.size());
}

}  // namespace converge::ml
