#include "exec/shim_spec.h"

#include <nlohmann/json.hpp>

namespace converge::exec {

using nlohmann::json;

std::string ToJson(const ShimSpec& spec) {
  json tasks = json::array();
  for (const TaskSpec& task : spec.tasks) {
    tasks.push_back({{"rank", task.rank}, {"argv", task.argv}, {"env", task.env},
                     {"cpus", task.cpus}});
  }
  return json{{"job_id", spec.job_id},         {"tasks", tasks},
              {"cwd", spec.cwd},               {"stdout", spec.stdout_path},
              {"stderr", spec.stderr_path},    {"uid", spec.uid},
              {"gid", spec.gid},               {"deadline_ms", spec.deadline_ms},
              {"grace_ms", spec.grace_ms}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ShimSpec> ShimSpecFromJson(std::string_view text) {
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::Invalid("spec", "is not a JSON object");
  }
  ShimSpec spec;
  std::string field;
  try {
    field = "job_id";
    spec.job_id = root.at("job_id").get<int64_t>();
    field = "tasks";
    for (const json& task : root.at("tasks")) {
      TaskSpec parsed;
      parsed.rank = task.at("rank").get<int>();
      parsed.argv = task.at("argv").get<std::vector<std::string>>();
      parsed.env = task.at("env").get<std::vector<std::string>>();
      parsed.cpus = task.at("cpus").get<std::vector<int>>();
      if (parsed.argv.empty()) return Status::Invalid("tasks.argv", "must not be empty");
      spec.tasks.push_back(std::move(parsed));
    }
    field = "cwd";
    spec.cwd = root.at("cwd").get<std::string>();
    field = "stdout";
    spec.stdout_path = root.at("stdout").get<std::string>();
    field = "stderr";
    spec.stderr_path = root.at("stderr").get<std::string>();
    field = "uid";
    spec.uid = root.at("uid").get<int64_t>();
    field = "gid";
    spec.gid = root.at("gid").get<int64_t>();
    field = "deadline_ms";
    spec.deadline_ms = root.at("deadline_ms").get<int64_t>();
    field = "grace_ms";
    spec.grace_ms = root.at("grace_ms").get<int64_t>();
  } catch (const json::exception& error) {
    return Status::Invalid(field, error.what());
  }
  if (spec.tasks.empty()) return Status::Invalid("tasks", "must not be empty");
  return spec;
}

std::string ToJson(const ShimResult& result) {
  return json{{"exit_code", result.exit_code}, {"signal", result.signal},
              {"timed_out", result.timed_out}, {"terminated", result.terminated},
              {"exec_error", result.exec_error}, {"start_ms", result.start_ms},
              {"end_ms", result.end_ms}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ShimResult> ShimResultFromJson(std::string_view text) {
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::Invalid("result", "is not a JSON object");
  }
  ShimResult result;
  try {
    result.exit_code = root.at("exit_code").get<int>();
    result.signal = root.at("signal").get<int>();
    result.timed_out = root.at("timed_out").get<bool>();
    result.terminated = root.at("terminated").get<bool>();
    result.exec_error = root.at("exec_error").get<std::string>();
    result.start_ms = root.at("start_ms").get<int64_t>();
    result.end_ms = root.at("end_ms").get<int64_t>();
  } catch (const json::exception& error) {
    return Status::Invalid("result", error.what());
  }
  return result;
}

}  // namespace converge::exec
