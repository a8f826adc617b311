#include "instance/pmi_choice.h"

#include <algorithm>

namespace converge::instance {

namespace {

constexpr const char* kField = "attributes.system.shell.options.pmi";

Status AddName(std::string name, PmiChoice& choice) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!name.empty() && blank(name.front())) name.erase(name.begin());
  while (!name.empty() && blank(name.back())) name.pop_back();
  if (name != "pmix" && name != "simple" && name != "off") {
    return Status::Invalid(kField, "'" + name + "' is not one of pmix, simple, off");
  }
  if (!choice.Has(name)) choice.names.push_back(std::move(name));
  return Status::Ok();
}

}  // namespace

bool PmiChoice::Has(const std::string& name) const {
  return std::find(names.begin(), names.end(), name) != names.end();
}

Result<PmiChoice> ReadPmiChoice(const nlohmann::json& system_extra) {
  PmiChoice choice;
  const nlohmann::json* node = &system_extra;
  for (const char* step : {"shell", "options", "pmi"}) {
    if (!node->is_object() || !node->contains(step)) return choice;
    node = &(*node)[step];
  }
  choice.given = true;
  if (node->is_string()) {
    const std::string text = node->get<std::string>();
    size_t start = 0;
    for (;;) {
      const size_t comma = text.find(',', start);
      CONVERGE_RETURN_IF_ERROR(AddName(text.substr(start, comma - start), choice));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else if (node->is_array()) {
    for (const nlohmann::json& item : *node) {
      if (!item.is_string())
        return Status::Invalid(kField, "must be a string or a list of strings");
      CONVERGE_RETURN_IF_ERROR(AddName(item.get<std::string>(), choice));
    }
  } else {
    return Status::Invalid(kField, "must be a string or a list of strings");
  }
  if (choice.Has("off") && choice.names.size() > 1) {
    return Status::Invalid(kField, "'off' excludes every other name");
  }
  return choice;
}

std::vector<std::string> PmiServers(const PmiChoice& choice, size_t task_count, bool pmix_default) {
  if (choice.given) {
    if (choice.Has("off")) return {};
    return choice.names;
  }
  if (pmix_default && task_count > 1) return {"pmix"};
  return {};
}

}  // namespace converge::instance
