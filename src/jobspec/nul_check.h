// NUL checks: strings from a request end up in C strings (argv, environment, paths) and in
// tables that print them, where an embedded NUL byte silently truncates them. These refuse any
// NUL with a field-path error ("tasks[0].command[1]: must not contain a NUL byte"). Pure.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace converge::jobspec {

// kInvalidArgument naming `path` when `text` holds a NUL byte.
Status RefuseNul(std::string_view text, const std::string& path);

// Walks `tree` (keys and string values, any depth) and refuses the first NUL byte found,
// naming its path below `path` ("attributes.user.note", "labels.a"). O(size of the tree).
Status RefuseNulInTree(const nlohmann::json& tree, const std::string& path);

}  // namespace converge::jobspec
