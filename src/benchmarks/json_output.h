// Finding and reading the JSON object a benchmark prints (fio's and iperf3's
// --output-format json / -J), without exceptions whatever the text. Pure.
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace converge::benchmarks {

// The JSON object in `output`: the first line starting with '{' through the last '}', so
// lines before it (fio's warnings) or after it are ignored. Errors: kInvalidArgument with
// where() `metric` when no such object parses.
Result<nlohmann::json> FindJsonObject(std::string_view output, std::string_view metric);

// The value at `path` (object keys, then array indexes given as "0", "1", ...), or nullptr
// when a step is missing or of another type.
const nlohmann::json* JsonAt(const nlohmann::json& root,
                             std::initializer_list<std::string_view> path);

// The finite number at `path`, or nullopt when missing or not a number.
std::optional<double> NumberAt(const nlohmann::json& root,
                               std::initializer_list<std::string_view> path);

}  // namespace converge::benchmarks
