#include "jobspec/shell_options.h"

#include <algorithm>
#include <string_view>

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

// attributes.system.shell.options, or nullptr when absent. Errors: a shell or options that is
// not a mapping.
Result<const nlohmann::json*> ShellOptions(const SystemAttributes& system) {
  const nlohmann::json& extra = system.extra;
  if (!extra.is_object() || !extra.contains("shell")) return nullptr;
  const nlohmann::json& shell = extra["shell"];
  if (!shell.is_object()) return Status::Invalid("shell", "must be a mapping");
  if (!shell.contains("options")) return nullptr;
  const nlohmann::json& options = shell["options"];
  if (!options.is_object()) return Status::Invalid("shell.options", "must be a mapping");
  return &options;
}

constexpr const char* kPerResourcePath = "shell.options.per-resource";
constexpr int64_t kMostTasksPerNode = 1 << 20;

}  // namespace

Result<std::optional<int64_t>> TasksPerNode(const SystemAttributes& system) {
  Result<const nlohmann::json*> options = ShellOptions(system);
  if (!options.ok()) return options.status();
  if (*options == nullptr || !(*options)->contains("per-resource")) return std::optional<int64_t>();
  const nlohmann::json& per_resource = (**options)["per-resource"];
  if (!per_resource.is_object()) {
    return Status::Invalid(kPerResourcePath, "must be a mapping {type: node, count: N}");
  }
  for (const auto& [key, value] : per_resource.items()) {
    if (key != "type" && key != "count") {
      return Status::Invalid(std::string(kPerResourcePath) + "." + key,
                             "unknown key (known: type, count)");
    }
  }
  const nlohmann::json type = per_resource.value("type", nlohmann::json());
  if (!type.is_string() || type.get<std::string>() != "node") {
    return Status::Invalid(std::string(kPerResourcePath) + ".type",
                           "must be \"node\" (tasks per allocated node)");
  }
  if (!per_resource.contains("count")) return std::optional<int64_t>(1);
  const nlohmann::json& count = per_resource["count"];
  if (!count.is_number_integer() || count.get<int64_t>() < 1 ||
      count.get<int64_t>() > kMostTasksPerNode) {
    return Status::Invalid(std::string(kPerResourcePath) + ".count",
                           "must be an integer from 1 to " + std::to_string(kMostTasksPerNode));
  }
  return std::optional<int64_t>(count.get<int64_t>());
}

Result<std::optional<WarnSignal>> WarnSignalOption(const SystemAttributes& system) {
  constexpr const char* kPath = "shell.options.signal";
  Result<const nlohmann::json*> options = ShellOptions(system);
  if (!options.ok()) return options.status();
  if (*options == nullptr || !(*options)->contains("signal")) {
    return std::optional<WarnSignal>();
  }
  const nlohmann::json& signal = (**options)["signal"];
  if (!signal.is_object()) {
    return Status::Invalid(kPath, "must be a mapping {signum: N, timeleft: SECONDS}");
  }
  WarnSignal warn;
  for (const auto& [key, value] : signal.items()) {
    if (key == "signum") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 64) {
        return Status::Invalid(std::string(kPath) + ".signum", "must be an integer from 1 to 64");
      }
      warn.signum = value.get<int>();
    } else if (key == "timeleft") {
      if (!value.is_number() || !(value.get<double>() >= 0) || value.get<double>() > 1e9) {
        return Status::Invalid(std::string(kPath) + ".timeleft",
                               "must be seconds from 0 to 1e9");
      }
      warn.timeleft = value.get<double>();
    } else {
      return Status::Invalid(std::string(kPath) + "." + key,
                             "unknown key (known: signum, timeleft)");
    }
  }
  return std::optional<WarnSignal>(warn);
}

Result<LabelIo> LabelIoOption(const SystemAttributes& system) {
  Result<const nlohmann::json*> options = ShellOptions(system);
  if (!options.ok()) return options.status();
  LabelIo labels;
  if (*options == nullptr || !(*options)->contains("output")) return labels;
  const nlohmann::json& output = (**options)["output"];
  if (!output.is_object()) return labels;  // the output paths are read (and checked) elsewhere
  for (const char* stream : {"stdout", "stderr"}) {
    if (!output.contains(stream) || !output[stream].is_object() ||
        !output[stream].contains("label")) {
      continue;
    }
    const nlohmann::json& label = output[stream]["label"];
    if (!label.is_boolean()) {
      return Status::Invalid(std::string("shell.options.output.") + stream + ".label",
                             "must be true or false");
    }
    (std::string_view(stream) == "stdout" ? labels.stdout_lines : labels.stderr_lines) =
        label.get<bool>();
  }
  return labels;
}

void SetOneTaskPerNode(nlohmann::json& jobspec) {
  nlohmann::json& options = jobspec["attributes"]["system"]["shell"]["options"];
  options["per-resource"] = {{"type", "node"}, {"count", 1}};
  options["pmi"] = "simple";
  jobspec["tasks"][0]["count"] = {{"per_slot", 1}};
}

Result<std::vector<std::string>> PmiChoice(const SystemAttributes& system) {
  const std::vector<std::string> fallback = {"simple"};
  Result<const nlohmann::json*> options = ShellOptions(system);
  if (!options.ok()) return options.status();
  if (*options == nullptr || !(*options)->contains("pmi")) return fallback;
  const nlohmann::json& pmi = (**options)["pmi"];
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
