// Comparing two provenance documents field by field (`converge provenance diff A B`). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace converge::provenance {

// Every leaf of `json` under its path ("nodes[0].kernel_release", "environment.variables.X"),
// with its value as text (strings as they are, other values as JSON). An empty object or
// array is a leaf of its own ("{}", "[]").
std::map<std::string, std::string> Flatten(const nlohmann::json& json);

struct Difference {
  std::string path;
  std::optional<std::string> before;  // absent: only `after` has the field
  std::optional<std::string> after;
  bool operator==(const Difference&) const = default;
};

// The leaves that differ between `before` and `after`, by path; paths starting with one of
// `ignored` (e.g. "job") are left out.
std::vector<Difference> Diff(const nlohmann::json& before, const nlohmann::json& after,
                             const std::vector<std::string>& ignored = {});

}  // namespace converge::provenance
