// Reading a metric's options (text values from a user's MetricSet) into checked values. Every
// error is kInvalidArgument with where() "options.NAME". The checks are strict on purpose: a
// value that passes is safe to put in a script once quoted (benchmarks/shell_quote.h), and
// numbers, sizes and choices pass only in the plain forms below. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "benchmarks/metric.h"
#include "common/status.h"

namespace converge::benchmarks {

using OptionList = std::vector<std::pair<std::string, std::string>>;

// OK when every option's name is in `known` (a Metric::options() list); else names the first
// unknown one, with the names `metric` takes and a "did you mean" hint when one is close.
Status CheckOptionNames(std::string_view metric, const Options& options, const OptionList& known);

// A decimal integer in [min, max] ("8", not "+8", "0x8", "8.0" or " 8"); `fallback` when the
// option is absent.
Result<int64_t> ParseCount(const Options& options, const std::string& name, int64_t fallback,
                           int64_t min, int64_t max);

// A size as fio takes it: digits and an optional k/K/m/M/g/G suffix, not zero ("4k", "64m").
// Returned as written; `fallback` when absent.
Result<std::string> ParseSize(const Options& options, const std::string& name,
                              const std::string& fallback);

// One of `choices`, exactly; `fallback` when absent.
Result<std::string> ParseChoice(const Options& options, const std::string& name,
                                const std::string& fallback,
                                const std::vector<std::string>& choices);

// true/false (also yes/no, 1/0); `fallback` when absent.
Result<bool> ParseFlag(const Options& options, const std::string& name, bool fallback);

// An absolute path without NUL or line breaks, at most 4096 bytes; nullopt when absent.
Result<std::optional<std::string>> ParseAbsolutePath(const Options& options,
                                                     const std::string& name);

}  // namespace converge::benchmarks
