#include "provenance/diff.h"

namespace converge::provenance {
namespace {

void FlattenInto(const nlohmann::json& json, const std::string& path,
                 std::map<std::string, std::string>* out) {
  if (json.is_object() && !json.empty()) {
    for (const auto& [key, value] : json.items()) {
      FlattenInto(value, path.empty() ? key : path + "." + key, out);
    }
  } else if (json.is_array() && !json.empty()) {
    for (size_t i = 0; i < json.size(); ++i) {
      FlattenInto(json[i], path + "[" + std::to_string(i) + "]", out);
    }
  } else {
    (*out)[path] = json.is_string() ? json.get<std::string>()
                                    : json.dump(-1, ' ', false,
                                                nlohmann::json::error_handler_t::replace);
  }
}

bool Ignored(const std::string& path, const std::vector<std::string>& ignored) {
  for (const std::string& prefix : ignored) {
    if (path.rfind(prefix, 0) == 0 &&
        (path.size() == prefix.size() || path[prefix.size()] == '.' ||
         path[prefix.size()] == '[')) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::map<std::string, std::string> Flatten(const nlohmann::json& json) {
  std::map<std::string, std::string> leaves;
  FlattenInto(json, "", &leaves);
  return leaves;
}

std::vector<Difference> Diff(const nlohmann::json& before, const nlohmann::json& after,
                             const std::vector<std::string>& ignored) {
  const std::map<std::string, std::string> a = Flatten(before);
  const std::map<std::string, std::string> b = Flatten(after);
  std::vector<Difference> differences;
  auto left = a.begin();
  auto right = b.begin();
  while (left != a.end() || right != b.end()) {
    Difference difference;
    if (right == b.end() || (left != a.end() && left->first < right->first)) {
      difference = {left->first, left->second, std::nullopt};
      ++left;
    } else if (left == a.end() || right->first < left->first) {
      difference = {right->first, std::nullopt, right->second};
      ++right;
    } else {
      const bool same = left->second == right->second;
      difference = {left->first, left->second, right->second};
      ++left;
      ++right;
      if (same) continue;
    }
    if (!Ignored(difference.path, ignored)) differences.push_back(std::move(difference));
  }
  return differences;
}

}  // namespace converge::provenance
