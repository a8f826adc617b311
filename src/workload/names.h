// Name rules shared by the workload kinds: object and replicatedJob names are DNS labels
// (they become parts of job names and host-like identifiers); topology names are
// identifiers. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace converge::workload {

// Longest metadata.name / replicatedJob name accepted.
inline constexpr size_t kMaxNameLength = 40;

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool IsDnsLabel(std::string_view text);

// [A-Za-z_][A-Za-z0-9_-]*
bool IsIdentifier(std::string_view text);

// OK when `name` is a DNS label of at most kMaxNameLength characters; otherwise a Status
// at `path`: "must not be empty", "must be at most 40 characters", or "must be a DNS label
// (lowercase letters, digits and '-', starting and ending with a letter or digit)".
Status CheckName(std::string_view name, const std::string& path);

}  // namespace converge::workload
