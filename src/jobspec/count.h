// Count strings (RFC 14): the compact text forms of a resource count.
//
//   "4"            fixed count 4
//   "4+"           at least 4 (min 4, unbounded)
//   "2-32"         2..32 stepping +1
//   "2-32:2"       2..32 stepping +2
//   "2-32:2:*"     2..32 multiplying by 2 (operator '+', '*' or '^')
//   "4,9,16,25"    an RFC 22 idset: exactly these counts (items may be ranges "1-3,7";
//                  at most kMaxCountValues values after expansion)
// Pure functions; errors are kInvalidArgument with an empty where (callers prefix the path).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "jobspec/jobspec.h"

namespace converge::jobspec {

inline constexpr size_t kMaxCountValues = 10000;

Result<Count> ParseCountString(std::string_view text);

// The string form of an idset count (REQUIRES: !count.values.empty()), e.g. "4,9,16,25".
std::string FormatCountValues(const Count& count);

// Checks a count's own rules (>= 1 or >= `minimum`, max >= min, operator/operand rules).
// where() is relative to the count ("", "min", "max", "operand", "operator").
Status CheckCount(const Count& count, int64_t minimum);

}  // namespace converge::jobspec
