// Writers: a Jobspec as canonical YAML or JSON.
//
// Output is deterministic: keys in the order version, resources, tasks, attributes (and a
// fixed order inside each vertex and task), free-form maps sorted by key, strings always
// double-quoted, counts as integers (fixed), objects (ranges) or idset strings (value sets).
// attributes.system.duration is always written. For any valid spec x,
// Parse(ToYaml(x)) == x and Parse(ToJson(x).dump()) == x. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "jobspec/jobspec.h"

namespace converge::jobspec {

std::string ToYaml(const Jobspec& spec);
nlohmann::json ToJson(const Jobspec& spec);

}  // namespace converge::jobspec
