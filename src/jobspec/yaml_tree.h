// YamlToJson: the only place that touches yaml-cpp. Turns YAML (or JSON) text into a
// nlohmann::json tree using YAML 1.2 core-schema typing: quoted scalars are strings; plain
// null/~/empty -> null; true/false -> bool; decimal integers -> int64 (integers that do not
// fit -> double, so callers can report "out of range"); decimal floats -> double; everything
// else (including .inf/.nan and hex) -> string. Mapping keys must be scalars and unique.
// Hostile input is rejected with a Status, never a crash: size cap, a depth pre-scan before
// yaml-cpp runs, a depth cap and a visited-node cap (aliases re-count each time).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status.h"
#include "jobspec/parse.h"

namespace converge::jobspec {

Result<nlohmann::json> YamlToJson(std::string_view text, const ParseOptions& options);

// A conservative (over-)estimate of the YAML nesting depth of `text`, cheap and
// non-recursive; used to keep yaml-cpp's recursive parser off deep inputs.
int EstimateYamlDepth(std::string_view text);

// The exact nesting depth of a parsed tree: 0 for a scalar, 1 + the deepest child for an
// object or array. Recursive: bound the input first (EstimateYamlDepth).
int TreeDepth(const nlohmann::json& value);

}  // namespace converge::jobspec
