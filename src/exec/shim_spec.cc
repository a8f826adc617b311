#include "exec/shim_spec.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

namespace converge::exec {

namespace {

using Json = nlohmann::json;

// Reads typed fields of one JSON object; remembers the first error, naming the field by its
// path (`tasks[0].argv[1]`). Missing optional fields keep their defaults.
class FieldReader {
 public:
  FieldReader(const Json& object, std::string prefix, Status* status)
      : object_(object), prefix_(std::move(prefix)), status_(status) {}

  int64_t Int(const char* key, int64_t fallback, bool required = false,
              int64_t min = std::numeric_limits<int64_t>::min(),
              int64_t max = std::numeric_limits<int64_t>::max()) {
    const Json* value = Find(key, required);
    if (value == nullptr) return fallback;
    return ToInt(*value, Path(key), min, max, fallback);
  }

  bool Bool(const char* key) {
    const Json* value = Find(key, false);
    if (value == nullptr) return false;
    if (!value->is_boolean()) return Fail(Path(key), "must be a boolean"), false;
    return value->get<bool>();
  }

  std::string String(const char* key) {
    const Json* value = Find(key, false);
    if (value == nullptr) return {};
    if (!value->is_string()) return Fail(Path(key), "must be a string"), std::string();
    return value->get<std::string>();
  }

  std::vector<std::string> Strings(const char* key) {
    std::vector<std::string> out;
    const Json* value = FindArray(key);
    if (value == nullptr) return out;
    for (size_t i = 0; i < value->size(); ++i) {
      const Json& item = (*value)[i];
      if (!item.is_string()) return Fail(Index(key, i), "must be a string"), out;
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  std::vector<int64_t> Ints(const char* key, int64_t min, int64_t max) {
    std::vector<int64_t> out;
    const Json* value = FindArray(key);
    if (value == nullptr) return out;
    for (size_t i = 0; i < value->size(); ++i) {
      out.push_back(ToInt((*value)[i], Index(key, i), min, max, 0));
    }
    return out;
  }

  // The array at `key`, or nullptr (missing, or not an array: an error).
  const Json* FindArray(const char* key) {
    const Json* value = Find(key, false);
    if (value != nullptr && !value->is_array()) {
      Fail(Path(key), "must be an array");
      return nullptr;
    }
    return value;
  }

  std::string Path(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  std::string Index(const char* key, size_t i) const {
    return Path(key) + "[" + std::to_string(i) + "]";
  }
  void Fail(const std::string& where, const std::string& message) {
    if (status_->ok()) *status_ = Status::Invalid(where, message);
  }

  // The value at `key`, or nullptr when it is missing (an error if `required`) or null.
  const Json* Find(const char* key, bool required = false) {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) Fail(Path(key), "is required");
      return nullptr;
    }
    return &*it;
  }

 private:
  int64_t ToInt(const Json& value, const std::string& where, int64_t min, int64_t max,
                int64_t fallback) {
    if (!value.is_number_integer() ||
        (value.is_number_unsigned() &&
         value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
      Fail(where, "must be an integer");
      return fallback;
    }
    int64_t number = value.get<int64_t>();
    if (number < min || number > max) {
      Fail(where, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return fallback;
    }
    return number;
  }

  const Json& object_;
  std::string prefix_;
  Status* status_;
};

constexpr int64_t kIntMax = std::numeric_limits<int>::max();

Result<Json> ParseObject(std::string_view text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::Invalid("", "not valid JSON");
  if (!json.is_object()) return Status::Invalid("", "must be a JSON object");
  return json;
}

TaskSpec ReadTask(const Json& json, const std::string& where, Status* status) {
  TaskSpec task;
  if (!json.is_object()) {
    if (status->ok()) *status = Status::Invalid(where, "must be an object");
    return task;
  }
  FieldReader reader(json, where, status);
  task.rank = static_cast<int>(reader.Int("rank", 0, false, 0, kIntMax));
  task.argv = reader.Strings("argv");
  if (task.argv.empty()) reader.Fail(reader.Path("argv"), "must not be empty");
  task.env = reader.Strings("env");
  for (int64_t cpu : reader.Ints("cpus", 0, kIntMax)) task.cpus.push_back(static_cast<int>(cpu));
  return task;
}

// "layout" and "exchange" (ShimSpec::layout): a layout must name distinct nodes, give every rank
// of the job a node, and give this part exactly the ranks of its tasks.
void ReadLayout(FieldReader& reader, ShimSpec* spec, Status* status) {
  if (const Json* exchange = reader.Find("exchange"); exchange != nullptr) {
    if (!exchange->is_object()) return reader.Fail("exchange", "must be an object");
    FieldReader fields(*exchange, "exchange", status);
    spec->exchange.url = fields.String("url");
    spec->exchange.token = fields.String("token");
  }
  const Json* layout = reader.Find("layout");
  if (layout == nullptr) return;
  if (!layout->is_object()) return reader.Fail("layout", "must be an object");
  FieldReader fields(*layout, "layout", status);
  JobLayout& out = spec->layout;
  out.nodes = fields.Strings("nodes");
  if (!status->ok()) return;
  if (out.nodes.empty()) return fields.Fail("layout.nodes", "must name at least one node");
  for (size_t i = 0; i < out.nodes.size(); ++i) {
    if (out.nodes[i].empty()) return fields.Fail(fields.Index("nodes", i), "must not be empty");
    for (size_t j = 0; j < i; ++j) {
      if (out.nodes[j] == out.nodes[i]) {
        return fields.Fail(fields.Index("nodes", i), "repeats node " + out.nodes[i]);
      }
    }
  }
  const int64_t last_node = static_cast<int64_t>(out.nodes.size()) - 1;
  for (int64_t node : fields.Ints("rank_nodes", 0, last_node)) {
    out.rank_nodes.push_back(static_cast<int>(node));
  }
  out.part = static_cast<int>(fields.Int("part", 0, /*required=*/true, 0, last_node));
  out.key = fields.String("key");
  if (!status->ok()) return;
  if (out.key.size() < 16 || out.key.size() > 64 ||
      out.key.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return fields.Fail("layout.key", "must be 16 to 64 lowercase hex digits");
  }
  std::vector<bool> seen(out.rank_nodes.size(), false);
  for (size_t i = 0; i < spec->tasks.size(); ++i) {
    const int rank = spec->tasks[i].rank;
    const std::string where = "tasks[" + std::to_string(i) + "].rank";
    if (rank >= out.size()) {
      return fields.Fail(where, "is beyond the layout's " + std::to_string(out.size()) + " ranks");
    }
    if (out.rank_nodes[rank] != out.part) {
      return fields.Fail(where, "is on node " + out.nodes[out.rank_nodes[rank]] +
                                    " in the layout, not this part's " + out.nodes[out.part]);
    }
    if (seen[rank]) return fields.Fail(where, "repeats rank " + std::to_string(rank));
    seen[rank] = true;
  }
  int local = 0;
  for (int node : out.rank_nodes) local += node == out.part;
  if (local != static_cast<int>(spec->tasks.size())) {
    fields.Fail("layout.rank_nodes", "puts " + std::to_string(local) + " ranks on this part, which has " +
                                         std::to_string(spec->tasks.size()) + " tasks");
  }
}

}  // namespace

std::string ToJson(const ShimSpec& spec) {
  Json tasks = Json::array();
  for (const TaskSpec& task : spec.tasks) {
    tasks.push_back(
        {{"rank", task.rank}, {"argv", task.argv}, {"env", task.env}, {"cpus", task.cpus}});
  }
  Json json = {{"job_id", spec.job_id},
               {"tasks", std::move(tasks)},
               {"cwd", spec.cwd},
               {"stdout_path", spec.stdout_path},
               {"stderr_path", spec.stderr_path},
               {"stdout_default", spec.stdout_default},
               {"stderr_default", spec.stderr_default},
               {"fresh_outputs", spec.fresh_outputs},
               {"uid", spec.uid},
               {"gid", spec.gid},
               {"groups", spec.groups},
               {"deadline_ms", spec.deadline_ms},
               {"warn_signal", spec.warn_signal},
               {"warn_ms", spec.warn_ms},
               {"grace_ms", spec.grace_ms},
               {"kill_wait_ms", spec.kill_wait_ms},
               {"containment", spec.containment},
               {"pmi", spec.pmi}};
  if (spec.label_stdout) json["label_stdout"] = true;
  if (spec.label_stderr) json["label_stderr"] = true;
  if (spec.layout.multi_part()) {
    json["layout"] = {{"nodes", spec.layout.nodes},
                      {"rank_nodes", spec.layout.rank_nodes},
                      {"part", spec.layout.part},
                      {"key", spec.layout.key}};
  }
  if (!spec.exchange.url.empty()) {
    json["exchange"] = {{"url", spec.exchange.url}, {"token", spec.exchange.token}};
  }
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<ShimSpec> ShimSpecFromJson(std::string_view text) {
  Result<Json> json = ParseObject(text);
  if (!json.ok()) return json.status();
  Status status;
  FieldReader reader(*json, "", &status);
  ShimSpec spec;
  spec.job_id = reader.Int("job_id", 0, /*required=*/true);
  if (const Json* tasks = reader.FindArray("tasks")) {
    for (size_t i = 0; i < tasks->size(); ++i) {
      spec.tasks.push_back(ReadTask((*tasks)[i], reader.Index("tasks", i), &status));
    }
  } else if (status.ok()) {
    reader.Fail("tasks", "is required");
  }
  spec.cwd = reader.String("cwd");
  spec.stdout_path = reader.String("stdout_path");
  spec.stderr_path = reader.String("stderr_path");
  spec.stdout_default = reader.Bool("stdout_default");
  spec.stderr_default = reader.Bool("stderr_default");
  spec.fresh_outputs = reader.Bool("fresh_outputs");
  spec.uid = reader.Int("uid", -1, false, -1, std::numeric_limits<uint32_t>::max() - 1);
  spec.gid = reader.Int("gid", -1, false, -1, std::numeric_limits<uint32_t>::max() - 1);
  spec.groups = reader.Ints("groups", 0, std::numeric_limits<uint32_t>::max() - 1);
  spec.deadline_ms = reader.Int("deadline_ms", 0, false, 0);
  spec.warn_signal = static_cast<int>(reader.Int("warn_signal", 0, false, 0, 64));
  spec.warn_ms = reader.Int("warn_ms", 0, false, 0);
  spec.grace_ms = reader.Int("grace_ms", 5000, false, 0);
  spec.kill_wait_ms = reader.Int("kill_wait_ms", 10000, false, 0);
  spec.containment = reader.String("containment");
  if (reader.FindArray("pmi") != nullptr) spec.pmi = reader.Strings("pmi");
  spec.label_stdout = reader.Bool("label_stdout");
  spec.label_stderr = reader.Bool("label_stderr");
  if (status.ok() && !spec.containment.empty() && spec.containment != "subreaper") {
    reader.Fail("containment", "must be \"\" or \"subreaper\"");
  }
  ReadLayout(reader, &spec, &status);
  if (status.ok() && spec.uid >= 0 && spec.gid < 0) reader.Fail("gid", "required when uid is set");
  if (!status.ok()) return status;
  return spec;
}

std::string ToJson(const ShimResult& result) {
  Json json = {{"exit_code", result.exit_code},   {"signal", result.signal},
               {"timed_out", result.timed_out},   {"terminated", result.terminated},
               {"exec_error", result.exec_error}, {"start_ms", result.start_ms},
               {"end_ms", result.end_ms},         {"container", result.container},
               {"stray_processes", result.stray_processes}, {"aborted", result.aborted}};
  if (!result.output_error.empty()) json["output_error"] = result.output_error;
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<ShimResult> ShimResultFromJson(std::string_view text) {
  Result<Json> json = ParseObject(text);
  if (!json.ok()) return json.status();
  Status status;
  FieldReader reader(*json, "", &status);
  ShimResult result;
  result.exit_code = static_cast<int>(reader.Int("exit_code", 0, /*required=*/true, 0, kIntMax));
  result.signal = static_cast<int>(reader.Int("signal", 0, false, 0, kIntMax));
  result.timed_out = reader.Bool("timed_out");
  result.terminated = reader.Bool("terminated");
  result.exec_error = reader.String("exec_error");
  result.start_ms = reader.Int("start_ms", 0);
  result.end_ms = reader.Int("end_ms", 0);
  result.container = reader.String("container");
  result.stray_processes = static_cast<int>(reader.Int("stray_processes", 0, false, 0, kIntMax));
  result.aborted = reader.String("aborted");
  result.output_error = reader.String("output_error");
  if (!status.ok()) return status;
  return result;
}

bool OffersPmi(const ShimSpec& spec, std::string_view name) {
  for (const std::string& offered : spec.pmi) {
    if (offered == name) return true;
  }
  return false;
}

}  // namespace converge::exec
