#include "workload/task_parse.h"

#include <utility>

#include "jobspec/duration.h"

namespace converge::workload {

namespace {

struct Resources {
  int64_t cores = 1;
  int64_t gpus = 0;
};

Result<Resources> ParseResources(const FieldReader& fields) {
  Result<FieldReader> resources = fields.Object("resources", {"cores", "gpus"});
  if (!resources.ok()) return resources.status();
  Result<int64_t> cores = resources->Int("cores", 1);
  if (!cores.ok()) return cores.status();
  if (*cores < 1) return Status::Invalid(resources->PathOf("cores"), "must be >= 1");
  Result<int64_t> gpus = resources->Int("gpus", 0);
  if (!gpus.ok()) return gpus.status();
  if (*gpus < 0) return Status::Invalid(resources->PathOf("gpus"), "must be >= 0");
  return Resources{*cores, *gpus};
}

// Environment names become `NAME=value` strings: no '=' and no NUL inside, not empty.
Result<std::map<std::string, std::string>> ParseEnv(const FieldReader& fields) {
  Result<std::map<std::string, std::string>> env = fields.StringMap("env");
  if (!env.ok()) return env.status();
  for (const auto& [name, value] : *env) {
    if (name.empty() || name.find_first_of(std::string("=\0", 2)) != std::string::npos) {
      return Status::Invalid(JoinPath(fields.PathOf("env"), name),
                             "must be an environment variable name (not empty, no '=')");
    }
  }
  return env;
}

Result<std::string> ParseDurationField(const FieldReader& fields) {
  if (!fields.Has("duration")) return std::string();
  const std::string path = fields.PathOf("duration");
  const std::string rule = "must be a duration such as 90, 30s, 10m, 2h or 1d";
  Result<std::string> text = ScalarText(fields.Raw("duration"), path, rule);
  if (!text.ok()) return text.status();
  if (!jobspec::ParseDuration(*text).ok()) return Status::Invalid(path, rule);
  return text;
}

}  // namespace

Result<std::vector<std::string>> ParseCommand(const FieldReader& fields, std::string_view key) {
  std::vector<std::string> argv;
  if (!fields.Has(key)) return argv;
  const nlohmann::json& value = fields.Raw(key);
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().empty()) {
      return Status::Invalid(fields.PathOf(key), "must not be empty");
    }
    return std::vector<std::string>{"sh", "-c", value.get<std::string>()};
  }
  if (value.is_array()) {
    Result<std::vector<std::string>> list = fields.StringList(key);
    if (list.ok() && list->empty()) return Status::Invalid(fields.PathOf(key), "must not be empty");
    if (list.ok()) return list;
  }
  return Status::Invalid(fields.PathOf(key), "must be a string or a list of strings");
}

Result<TaskTemplate> ParseTaskFields(const FieldReader& fields) {
  TaskTemplate task;
  CONVERGE_RETURN_IF_ERROR(fields.Require("command"));
  Result<std::vector<std::string>> command = ParseCommand(fields, "command");
  if (!command.ok()) return command.status();
  task.command = std::move(*command);
  Result<Resources> resources = ParseResources(fields);
  if (!resources.ok()) return resources.status();
  task.cores = resources->cores;
  task.gpus = resources->gpus;
  Result<std::map<std::string, std::string>> env = ParseEnv(fields);
  if (!env.ok()) return env.status();
  task.env = std::move(*env);
  Result<std::string> cwd = fields.String("workingDir");
  if (!cwd.ok()) return cwd.status();
  task.cwd = std::move(*cwd);
  Result<std::string> duration = ParseDurationField(fields);
  if (!duration.ok()) return duration.status();
  task.duration = std::move(*duration);
  return task;
}

}  // namespace converge::workload
