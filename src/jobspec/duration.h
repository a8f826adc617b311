// Durations: Flux Standard Duration text <-> seconds.
//
// ParseDuration accepts plain seconds ("90", "1.5") or a number followed by one suffix:
// "ms", "s", "m", "h", "d" ("30s", "5m", "2h", "1d", "1.5h"). Whitespace, signs, inf/nan,
// exponents and empty input are rejected, and so is anything longer than kMaxDurationSeconds
// (jobspec/limits.h, 100 years). Result is finite, >= 0 and <= kMaxDurationSeconds. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace converge::jobspec {

// Errors: kInvalidArgument with an empty where() (callers name the flag or field).
Result<double> ParseDuration(std::string_view text);

// Shortest exact Flux Standard Duration for `seconds`: "0", "90s" -> "1.5m", "2h", "1d",
// "0.25s"; falls back to seconds with up to 17 significant digits. REQUIRES: finite, >= 0.
std::string FormatDuration(double seconds);

}  // namespace converge::jobspec
