#include "jobspec/shell_options.h"

#include <algorithm>

namespace converge::jobspec {

namespace {

constexpr const char* kPmiPath = "shell.options.pmi";

// Adds `name` (one entry of the list) to `out`; "off" is recorded as itself for the caller.
Status AddPmiName(std::string name, std::vector<std::string>& out) {
  name.erase(0, name.find_first_not_of(' '));
  name.erase(name.find_last_not_of(' ') + 1);
  if (name != "simple" && name != "pmix" && name != "off") {
    return Status::Invalid(kPmiPath, "unknown PMI '" + name + "' (known: simple, pmix, off)");
  }
  if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> PmiChoice(const SystemAttributes& system) {
  const nlohmann::json& extra = system.extra;
  const std::vector<std::string> fallback = {"simple"};
  if (!extra.is_object() || !extra.contains("shell")) return fallback;
  const nlohmann::json& shell = extra["shell"];
  if (!shell.is_object()) return Status::Invalid("shell", "must be a mapping");
  if (!shell.contains("options")) return fallback;
  const nlohmann::json& options = shell["options"];
  if (!options.is_object()) return Status::Invalid("shell.options", "must be a mapping");
  if (!options.contains("pmi")) return fallback;
  const nlohmann::json& pmi = options["pmi"];
  std::vector<std::string> names;
  if (pmi.is_string()) {
    const std::string text = pmi.get<std::string>();
    for (size_t start = 0;;) {
      const size_t comma = text.find(',', start);
      CONVERGE_RETURN_IF_ERROR(AddPmiName(text.substr(start, comma - start), names));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else if (pmi.is_array() && !pmi.empty()) {
    for (const nlohmann::json& item : pmi) {
      if (!item.is_string()) return Status::Invalid(kPmiPath, "entries must be strings");
      CONVERGE_RETURN_IF_ERROR(AddPmiName(item.get<std::string>(), names));
    }
  } else {
    return Status::Invalid(kPmiPath, "must be a string (\"simple\", \"off\") or a list of them");
  }
  if (std::find(names.begin(), names.end(), "off") != names.end()) {
    if (names.size() > 1) return Status::Invalid(kPmiPath, "'off' cannot be combined with others");
    return std::vector<std::string>();
  }
  return names;
}

}  // namespace converge::jobspec
