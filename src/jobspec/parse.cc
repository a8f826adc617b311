#include "jobspec/parse.h"

#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "jobspec/count.h"
#include "jobspec/validate.h"
#include "jobspec/yaml_tree.h"

namespace converge::jobspec {

namespace {

using nlohmann::json;

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}
std::string Index(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// Type-checked accessors: each returns the value or a Status naming `path` and the rule.
Status ExpectObject(const json& value, const std::string& path) {
  return value.is_object() ? Status::Ok() : Status::Invalid(path, "must be a mapping");
}
Status ExpectArray(const json& value, const std::string& path) {
  return value.is_array() ? Status::Ok() : Status::Invalid(path, "must be a sequence");
}

Result<std::string> GetString(const json& value, const std::string& path, bool non_empty) {
  if (!value.is_string()) return Status::Invalid(path, "must be a string");
  if (non_empty && value.get_ref<const std::string&>().empty()) {
    return Status::Invalid(path, "must not be empty");
  }
  return value.get<std::string>();
}

Result<int64_t> GetInt(const json& value, const std::string& path) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) >= 9.2e18) {
      return Status::Invalid(path, "is out of range");
    }
  }
  return Status::Invalid(path, "must be an integer");
}

Result<bool> GetBool(const json& value, const std::string& path) {
  if (!value.is_boolean()) return Status::Invalid(path, "must be a boolean (true or false)");
  return value.get<bool>();
}

Status CheckKeys(const json& object, const std::string& path,
                 std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* name : allowed) known = known || key == name;
    if (!known) return Status::Invalid(Join(path, key), "unknown key");
  }
  return Status::Ok();
}

Status Require(const json& object, const std::string& path, const char* key) {
  return object.contains(key) ? Status::Ok() : Status::Invalid(Join(path, key), "is required");
}

Result<Count> DecodeCount(const json& value, const std::string& path) {
  if (value.is_number_integer()) return Count::Fixed(value.get<int64_t>());
  if (value.is_string()) {
    Result<Count> count = ParseCountString(value.get_ref<const std::string&>());
    if (!count.ok()) return count.status().WithPrefix(path);
    return count;
  }
  if (value.is_number()) {
    Result<int64_t> number = GetInt(value, path);
    if (!number.ok()) return number.status();
  }
  if (!value.is_object()) {
    return Status::Invalid(path, "must be an integer, a count string or a mapping");
  }
  CONVERGE_RETURN_IF_ERROR(CheckKeys(value, path, {"min", "max", "operator", "operand"}));
  CONVERGE_RETURN_IF_ERROR(Require(value, path, "min"));
  const bool has_max = value.contains("max");
  for (const char* key : {"max", "operator", "operand"}) {
    if (value.contains(key) ||
        !(value.contains("max") || value.contains("operator") || value.contains("operand"))) {
      continue;
    }
    return Status::Invalid(Join(path, key), "is required with max, operator or operand");
  }
  Count count;
  count.is_range = true;
  Result<int64_t> min = GetInt(value["min"], Join(path, "min"));
  if (!min.ok()) return min.status();
  count.min = *min;
  count.max = Count::kUnbounded;
  if (has_max) {
    Result<int64_t> max = GetInt(value["max"], Join(path, "max"));
    if (!max.ok()) return max.status();
    count.max = *max;
    Result<int64_t> operand = GetInt(value["operand"], Join(path, "operand"));
    if (!operand.ok()) return operand.status();
    count.operand = *operand;
    const json& op = value["operator"];
    if (!op.is_string() || op.get_ref<const std::string&>().size() != 1) {
      return Status::Invalid(Join(path, "operator"), "must be one of '+', '*', '^'");
    }
    count.op = op.get_ref<const std::string&>()[0];
  }
  return count;
}

Result<ResourceRequest> DecodeVertex(const json& value, const std::string& path) {
  CONVERGE_RETURN_IF_ERROR(ExpectObject(value, path));
  CONVERGE_RETURN_IF_ERROR(
      CheckKeys(value, path, {"type", "count", "exclusive", "with", "id", "unit", "label"}));
  CONVERGE_RETURN_IF_ERROR(Require(value, path, "type"));
  ResourceRequest request;
  Result<std::string> type = GetString(value["type"], Join(path, "type"), true);
  if (!type.ok()) return type.status();
  request.type = std::move(*type);
  CONVERGE_RETURN_IF_ERROR(Require(value, path, "count"));
  Result<Count> count = DecodeCount(value["count"], Join(path, "count"));
  if (!count.ok()) return count.status();
  request.count = std::move(*count);
  if (value.contains("exclusive")) {
    Result<bool> exclusive = GetBool(value["exclusive"], Join(path, "exclusive"));
    if (!exclusive.ok()) return exclusive.status();
    request.exclusive = *exclusive;
  }
  if (value.contains("id")) {
    Result<std::string> id = GetString(value["id"], Join(path, "id"), true);
    if (!id.ok()) return id.status();
    request.id = std::move(*id);
  }
  for (const char* key : {"unit", "label"}) {
    if (!value.contains(key)) continue;
    Result<std::string> text = GetString(value[key], Join(path, key), true);
    if (!text.ok()) return text.status();
    (std::string(key) == "unit" ? request.unit : request.label) = std::move(*text);
  }
  if (request.type == "slot" && request.label.empty()) {
    return Status::Invalid(Join(path, "label"), "is required for a slot");
  }
  if (value.contains("with")) {
    const std::string with_path = Join(path, "with");
    CONVERGE_RETURN_IF_ERROR(ExpectArray(value["with"], with_path));
    size_t index = 0;
    for (const json& child : value["with"]) {
      Result<ResourceRequest> decoded = DecodeVertex(child, Index(with_path, index++));
      if (!decoded.ok()) return decoded.status();
      request.with.push_back(std::move(*decoded));
    }
  }
  return request;
}

Status DecodeEnvironment(const json& value, const std::string& path,
                         std::map<std::string, std::string>* set, std::vector<std::string>* unset) {
  CONVERGE_RETURN_IF_ERROR(ExpectObject(value, path));
  for (const auto& [name, entry] : value.items()) {
    if (name.empty()) return Status::Invalid(path, "names must not be empty");
    if (entry.is_null()) {
      if (unset != nullptr) unset->push_back(name);  // items() iterates in sorted order
    } else if (entry.is_string()) {
      if (set != nullptr) (*set)[name] = entry.get<std::string>();
    } else {
      return Status::Invalid(Join(path, name), "must be a string or null (unset)");
    }
  }
  return Status::Ok();
}

Result<TaskCount> DecodeTaskCount(const json& value, const std::string& path) {
  CONVERGE_RETURN_IF_ERROR(ExpectObject(value, path));
  CONVERGE_RETURN_IF_ERROR(CheckKeys(value, path, {"per_slot", "total", "per_resource"}));
  if (value.size() != 1) {
    return Status::Invalid(path, "must have exactly one of per_slot, total, per_resource");
  }
  TaskCount count;
  const auto positive = [&](const char* key) -> Result<int64_t> {
    Result<int64_t> number = GetInt(value[key], Join(path, key));
    if (number.ok() && *number < 1) return Status::Invalid(Join(path, key), "must be >= 1");
    return number;
  };
  if (value.contains("per_slot")) {
    Result<int64_t> number = positive("per_slot");
    if (!number.ok()) return number.status();
    count.per_slot = *number;
  } else if (value.contains("total")) {
    Result<int64_t> number = positive("total");
    if (!number.ok()) return number.status();
    count.total = *number;
  } else {
    const std::string sub = Join(path, "per_resource");
    const json& per_resource = value["per_resource"];
    CONVERGE_RETURN_IF_ERROR(ExpectObject(per_resource, sub));
    CONVERGE_RETURN_IF_ERROR(CheckKeys(per_resource, sub, {"type", "count"}));
    CONVERGE_RETURN_IF_ERROR(Require(per_resource, sub, "type"));
    CONVERGE_RETURN_IF_ERROR(Require(per_resource, sub, "count"));
    Result<std::string> type = GetString(per_resource["type"], Join(sub, "type"), true);
    if (!type.ok()) return type.status();
    Result<int64_t> number = GetInt(per_resource["count"], Join(sub, "count"));
    if (!number.ok()) return number.status();
    if (*number < 1) return Status::Invalid(Join(sub, "count"), "must be >= 1");
    count.per_resource_type = std::move(*type);
    count.per_resource_count = *number;
  }
  return count;
}

Result<Task> DecodeTask(const json& value, const std::string& path) {
  CONVERGE_RETURN_IF_ERROR(ExpectObject(value, path));
  CONVERGE_RETURN_IF_ERROR(
      CheckKeys(value, path, {"command", "slot", "count", "distribution", "attributes"}));
  Task task;
  CONVERGE_RETURN_IF_ERROR(Require(value, path, "command"));
  const std::string command_path = Join(path, "command");
  CONVERGE_RETURN_IF_ERROR(ExpectArray(value["command"], command_path));
  if (value["command"].empty()) return Status::Invalid(command_path, "must not be empty");
  size_t index = 0;
  for (const json& word : value["command"]) {
    Result<std::string> text = GetString(word, Index(command_path, index++), false);
    if (!text.ok()) return text.status();
    task.command.push_back(std::move(*text));
  }
  CONVERGE_RETURN_IF_ERROR(Require(value, path, "slot"));
  Result<std::string> slot = GetString(value["slot"], Join(path, "slot"), true);
  if (!slot.ok()) return slot.status();
  task.slot = std::move(*slot);
  CONVERGE_RETURN_IF_ERROR(Require(value, path, "count"));
  Result<TaskCount> count = DecodeTaskCount(value["count"], Join(path, "count"));
  if (!count.ok()) return count.status();
  task.count = std::move(*count);
  if (value.contains("distribution")) {
    Result<std::string> text = GetString(value["distribution"], Join(path, "distribution"), true);
    if (!text.ok()) return text.status();
    task.distribution = std::move(*text);
  }
  if (value.contains("attributes")) {
    const std::string attributes_path = Join(path, "attributes");
    const json& attributes = value["attributes"];
    CONVERGE_RETURN_IF_ERROR(ExpectObject(attributes, attributes_path));
    for (const auto& [key, entry] : attributes.items()) {
      if (key == "environment") {
        CONVERGE_RETURN_IF_ERROR(
            DecodeEnvironment(entry, Join(attributes_path, key), nullptr, nullptr));
      } else if (!entry.is_string()) {
        return Status::Invalid(Join(attributes_path, key), "must be a string");
      }
    }
    task.attributes = attributes;
  }
  return task;
}

}  // namespace

Result<Constraint> DecodeConstraint(const json& value, const std::string& path);

namespace {

Result<Constraint> DecodeConstraintTerm(const std::string& key, const json& value,
                                        const std::string& path) {
  Constraint constraint;
  CONVERGE_RETURN_IF_ERROR(ExpectArray(value, path));
  if (key == "properties" || key == "hostlist" || key == "ranks") {
    constraint.op = key == "properties" ? Constraint::Op::kProperties
                    : key == "hostlist" ? Constraint::Op::kHostlist
                                        : Constraint::Op::kRanks;
    size_t index = 0;
    for (const json& item : value) {
      Result<std::string> text = GetString(item, Index(path, index++), true);
      if (!text.ok()) return text.status();
      constraint.values.push_back(std::move(*text));
    }
    return constraint;
  }
  if (key == "and" || key == "or" || key == "not") {
    constraint.op = key == "and"  ? Constraint::Op::kAnd
                    : key == "or" ? Constraint::Op::kOr
                                  : Constraint::Op::kNot;
    size_t index = 0;
    for (const json& item : value) {
      Result<Constraint> child = DecodeConstraint(item, Index(path, index++));
      if (!child.ok()) return child.status();
      constraint.children.push_back(std::move(*child));
    }
    return constraint;
  }
  return Status::Invalid(path,
                         "unknown constraint operator (use properties, hostlist, ranks, "
                         "and, or, not)");
}

}  // namespace

// RFC 31: an object of operator -> operands; several operators in one object mean "and";
// {} matches everything (an empty "and").
Result<Constraint> DecodeConstraint(const json& value, const std::string& path) {
  CONVERGE_RETURN_IF_ERROR(ExpectObject(value, path));
  Constraint all;
  all.op = Constraint::Op::kAnd;
  for (const auto& [key, operands] : value.items()) {
    Result<Constraint> term = DecodeConstraintTerm(key, operands, Join(path, key));
    if (!term.ok()) return term.status();
    if (value.size() == 1) return term;
    all.children.push_back(std::move(*term));
  }
  return all;
}

namespace {

Result<double> DecodeDuration(const json& value, const std::string& path) {
  if (value.is_number()) {
    const double seconds = value.get<double>();
    if (!std::isfinite(seconds)) return Status::Invalid(path, "must be a finite number >= 0");
    if (seconds < 0) return Status::Invalid(path, "must be >= 0");
    return seconds;
  }
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.find("inf") != std::string::npos || text.find("nan") != std::string::npos ||
        text.find("Inf") != std::string::npos || text.find("NaN") != std::string::npos ||
        text.find_first_of("eE") != std::string::npos) {
      return Status::Invalid(path, "must be a finite number >= 0 (seconds)");
    }
  }
  return Status::Invalid(path, "must be a number (seconds)");
}

Status DecodeSystem(const json& value, const std::string& path, bool v1, SystemAttributes* out) {
  CONVERGE_RETURN_IF_ERROR(ExpectObject(value, path));
  if (v1) CONVERGE_RETURN_IF_ERROR(Require(value, path, "duration"));
  for (const auto& [key, entry] : value.items()) {
    const std::string key_path = Join(path, key);
    if (key == "duration") {
      Result<double> seconds = DecodeDuration(entry, key_path);
      if (!seconds.ok()) return seconds.status();
      out->duration = *seconds;
    } else if (key == "cwd" || key == "queue") {
      Result<std::string> text = GetString(entry, key_path, key == "cwd");
      if (!text.ok()) return text.status();
      if (key == "cwd") {
        out->cwd = std::move(*text);
      } else {
        out->queue = std::move(*text);
      }
    } else if (key == "environment") {
      CONVERGE_RETURN_IF_ERROR(
          DecodeEnvironment(entry, key_path, &out->environment, &out->environment_unset));
    } else if (key == "dependencies") {
      CONVERGE_RETURN_IF_ERROR(ExpectArray(entry, key_path));
      if (entry.empty()) return Status::Invalid(key_path, "must not be empty");
      size_t index = 0;
      for (const json& item : entry) {
        const std::string item_path = Index(key_path, index++);
        CONVERGE_RETURN_IF_ERROR(ExpectObject(item, item_path));
        CONVERGE_RETURN_IF_ERROR(CheckKeys(item, item_path, {"scheme", "value"}));
        CONVERGE_RETURN_IF_ERROR(Require(item, item_path, "scheme"));
        CONVERGE_RETURN_IF_ERROR(Require(item, item_path, "value"));
        Result<std::string> scheme = GetString(item["scheme"], Join(item_path, "scheme"), true);
        if (!scheme.ok()) return scheme.status();
        Result<std::string> dependency = GetString(item["value"], Join(item_path, "value"), false);
        if (!dependency.ok()) return dependency.status();
        out->dependencies.push_back({std::move(*scheme), std::move(*dependency)});
      }
    } else if (key == "constraints") {
      Result<Constraint> constraint = DecodeConstraint(entry, key_path);
      if (!constraint.ok()) return constraint.status();
      out->constraints = std::move(*constraint);
    } else {
      out->extra[key] = entry;
    }
  }
  return Status::Ok();
}

Result<Jobspec> Decode(const json& root, bool v1) {
  CONVERGE_RETURN_IF_ERROR(ExpectObject(root, "document"));
  CONVERGE_RETURN_IF_ERROR(CheckKeys(root, "", {"version", "resources", "tasks", "attributes"}));
  Jobspec spec;
  CONVERGE_RETURN_IF_ERROR(Require(root, "", "version"));
  Result<int64_t> version = GetInt(root["version"], "version");
  if (!version.ok()) return version.status();
  spec.version = *version;
  if (v1 && spec.version != 1) return Status::Invalid("version", "must be 1 in jobspec V1");
  CONVERGE_RETURN_IF_ERROR(Require(root, "", "resources"));
  CONVERGE_RETURN_IF_ERROR(ExpectArray(root["resources"], "resources"));
  size_t index = 0;
  for (const json& vertex : root["resources"]) {
    Result<ResourceRequest> request = DecodeVertex(vertex, Index("resources", index++));
    if (!request.ok()) return request.status();
    spec.resources.push_back(std::move(*request));
  }
  CONVERGE_RETURN_IF_ERROR(Require(root, "", "tasks"));
  CONVERGE_RETURN_IF_ERROR(ExpectArray(root["tasks"], "tasks"));
  index = 0;
  for (const json& item : root["tasks"]) {
    Result<Task> task = DecodeTask(item, Index("tasks", index++));
    if (!task.ok()) return task.status();
    spec.tasks.push_back(std::move(*task));
  }
  CONVERGE_RETURN_IF_ERROR(Require(root, "", "attributes"));
  const json& attributes = root["attributes"];
  CONVERGE_RETURN_IF_ERROR(ExpectObject(attributes, "attributes"));
  CONVERGE_RETURN_IF_ERROR(CheckKeys(attributes, "attributes", {"system", "user"}));
  if (attributes.contains("system")) {
    CONVERGE_RETURN_IF_ERROR(
        DecodeSystem(attributes["system"], "attributes.system", v1, &spec.system));
  } else if (v1) {
    return Status::Invalid("attributes.system.duration", "is required in jobspec V1");
  }
  if (attributes.contains("user")) {
    CONVERGE_RETURN_IF_ERROR(ExpectObject(attributes["user"], "attributes.user"));
    spec.user = attributes["user"];
  }
  return spec;
}

}  // namespace

// JSON text (the API's usual form) parsed without yaml-cpp, which is several times slower.
// Same limits: size and nesting depth are checked before parsing.
Result<json> JsonTree(std::string_view text, const ParseOptions& options) {
  if (text.size() > options.max_bytes) {
    return Status::Invalid("document",
                           "larger than " + std::to_string(options.max_bytes) + " bytes");
  }
  // nlohmann's parser recurses per level: pre-scan (the estimate over-counts, hence the
  // slack), then check the exact depth on the tree.
  if (EstimateYamlDepth(text) > 4 * options.max_depth + 16) {
    return Status::Invalid("document",
                           "nesting deeper than " + std::to_string(options.max_depth));
  }
  try {
    json tree = json::parse(text);
    if (TreeDepth(tree) > options.max_depth) {
      return Status::Invalid("document",
                             "nesting deeper than " + std::to_string(options.max_depth));
    }
    return tree;
  } catch (const json::parse_error& error) {
    return Status::Invalid("byte " + std::to_string(error.byte), "invalid JSON");
  }
}

Result<Jobspec> Parse(std::string_view text, const ParseOptions& options) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  const bool json_text = first != std::string_view::npos && text[first] == '{';
  Result<json> tree = json_text ? JsonTree(text, options) : YamlToJson(text, options);
  if (!tree.ok()) return tree.status();
  Result<Jobspec> spec = Decode(*tree, options.v1);
  if (!spec.ok()) return spec.status();
  CONVERGE_RETURN_IF_ERROR(Validate(*spec, options.v1));
  return spec;
}

}  // namespace converge::jobspec
