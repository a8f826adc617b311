#include "workload/redact.h"

#include <vector>

namespace converge::workload {
namespace {

// Iterative (documents are depth-bounded when parsed, but this must not rely on it).
void EraseEnv(nlohmann::json& root) {
  std::vector<nlohmann::json*> pending = {&root};
  while (!pending.empty()) {
    nlohmann::json* node = pending.back();
    pending.pop_back();
    if (node->is_object()) {
      node->erase("env");
      for (auto& [key, value] : node->items()) pending.push_back(&value);
    } else if (node->is_array()) {
      for (nlohmann::json& value : *node) pending.push_back(&value);
    }
  }
}

}  // namespace

nlohmann::json WithoutEnvironment(nlohmann::json document) {
  if (document.is_object()) {
    auto spec = document.find("spec");
    if (spec != document.end() && spec->is_object()) EraseEnv(*spec);
  }
  return document;
}

}  // namespace converge::workload
