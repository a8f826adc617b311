// Goodness-of-fit measures over paired actual/predicted values. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <span>

namespace converge::ml {

// 1 - SS_res / SS_tot. nullopt when the spans are empty, differ in length, or the actual
// values do not vary (SS_tot == 0). May be negative for a model worse than the mean.
std::optional<double> RSquared(std::span<const double> actual, std::span<const double> predicted);

// mean(|actual - predicted|). nullopt when the spans are empty or differ in length.
std::optional<double> MeanAbsoluteError(std::span<const double> actual,
                                        std::span<const double> predicted);

}  // namespace converge::ml
