#include "jobspec/write.h"

#include <cstdio>
#include <string>

#include "jobspec/count.h"

namespace converge::jobspec {

namespace {

using ordered = nlohmann::ordered_json;

// Free-form maps (sorted) copied into the ordered output; invalid UTF-8 is replaced, so
// writing never throws.
ordered ToOrdered(const nlohmann::json& value) {
  return ordered::parse(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

ordered CountToJson(const Count& count) {
  if (!count.is_range) return count.min;
  if (!count.values.empty()) return FormatCountValues(count);
  ordered out = ordered::object();
  out["min"] = count.min;
  if (count.max != Count::kUnbounded) {
    out["max"] = count.max;
    out["operator"] = std::string(1, count.op);
    out["operand"] = count.operand;
  }
  return out;
}

ordered VertexToJson(const ResourceRequest& request) {
  ordered out = ordered::object();
  out["type"] = request.type;
  out["count"] = CountToJson(request.count);
  if (!request.unit.empty()) out["unit"] = request.unit;
  if (!request.label.empty()) out["label"] = request.label;
  if (request.id) out["id"] = *request.id;
  if (request.exclusive) out["exclusive"] = *request.exclusive;
  if (!request.with.empty()) {
    ordered with = ordered::array();
    for (const ResourceRequest& child : request.with) with.push_back(VertexToJson(child));
    out["with"] = std::move(with);
  }
  return out;
}

ordered ConstraintToJson(const Constraint& constraint) {
  const char* name = "and";
  switch (constraint.op) {
    case Constraint::Op::kProperties:
      name = "properties";
      break;
    case Constraint::Op::kHostlist:
      name = "hostlist";
      break;
    case Constraint::Op::kRanks:
      name = "ranks";
      break;
    case Constraint::Op::kAnd:
      name = "and";
      break;
    case Constraint::Op::kOr:
      name = "or";
      break;
    case Constraint::Op::kNot:
      name = "not";
      break;
  }
  ordered operands = ordered::array();
  for (const std::string& value : constraint.values) operands.push_back(value);
  for (const Constraint& child : constraint.children) operands.push_back(ConstraintToJson(child));
  ordered out = ordered::object();
  out[name] = std::move(operands);
  return out;
}

ordered TaskToJson(const Task& task) {
  ordered out = ordered::object();
  out["command"] = task.command;
  out["slot"] = task.slot;
  ordered count = ordered::object();
  if (task.count.per_slot > 0) count["per_slot"] = task.count.per_slot;
  if (task.count.total > 0) count["total"] = task.count.total;
  if (task.count.per_resource_count > 0) {
    count["per_resource"] = {{"type", task.count.per_resource_type},
                             {"count", task.count.per_resource_count}};
  }
  out["count"] = std::move(count);
  if (task.distribution) out["distribution"] = *task.distribution;
  if (task.attributes.is_object() && !task.attributes.empty()) {
    out["attributes"] = ToOrdered(task.attributes);
  }
  return out;
}

ordered SpecToJson(const Jobspec& spec) {
  ordered out = ordered::object();
  out["version"] = spec.version;
  ordered resources = ordered::array();
  for (const ResourceRequest& request : spec.resources) resources.push_back(VertexToJson(request));
  out["resources"] = std::move(resources);
  ordered tasks = ordered::array();
  for (const Task& task : spec.tasks) tasks.push_back(TaskToJson(task));
  out["tasks"] = std::move(tasks);
  const SystemAttributes& system = spec.system;
  ordered sys = ordered::object();
  sys["duration"] = system.duration;
  if (system.cwd) sys["cwd"] = *system.cwd;
  if (!system.queue.empty()) sys["queue"] = system.queue;
  if (!system.environment.empty() || !system.environment_unset.empty()) {
    nlohmann::json environment = nlohmann::json::object();
    for (const auto& [name, value] : system.environment) environment[name] = value;
    for (const std::string& name : system.environment_unset) environment[name] = nullptr;
    sys["environment"] = ToOrdered(environment);
  }
  if (!system.dependencies.empty()) {
    ordered dependencies = ordered::array();
    for (const Dependency& dependency : system.dependencies) {
      dependencies.push_back({{"scheme", dependency.scheme}, {"value", dependency.value}});
    }
    sys["dependencies"] = std::move(dependencies);
  }
  if (system.constraints) sys["constraints"] = ConstraintToJson(*system.constraints);
  if (system.extra.is_object()) {
    for (const auto& [key, value] : system.extra.items()) sys[key] = ToOrdered(value);
  }
  ordered attributes = ordered::object();
  attributes["system"] = std::move(sys);
  if (spec.user.is_object() && !spec.user.empty()) {
    attributes["user"] = ToOrdered(spec.user);
  }
  out["attributes"] = std::move(attributes);
  return out;
}

std::string Dump(const ordered& value) {
  return value.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

// A YAML double-quoted scalar. Escapes what YAML does not allow raw (C0/C1 controls, DEL,
// BOM) so that yaml-cpp reads back exactly the same bytes.
std::string Quote(const std::string& text) {
  std::string out = "\"";
  char buffer[8];
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      std::snprintf(buffer, sizeof(buffer), "\\x%02X", c);
      out += buffer;
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      std::snprintf(buffer, sizeof(buffer), "\\x%02X", static_cast<unsigned char>(text[i + 1]));
      out += buffer;
      ++i;
    } else if (c == 0xEF && i + 2 < text.size() && text.compare(i, 3, "\xEF\xBB\xBF") == 0) {
      out += "\\uFEFF";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The longest key written as an implicit one, in bytes (YAML's limit is 1024 characters).
constexpr size_t kMaxImplicitKey = 1000;

bool IsPlainKey(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '/' || (c == '-' && &c != &key[0]);
    if (!ok) return false;
  }
  return true;
}

std::string Scalar(const ordered& value) {
  if (value.is_object()) return "{}";  // only called for empty containers
  if (value.is_array()) return "[]";
  if (value.is_string()) return Quote(value.get<std::string>());
  return Dump(value);  // numbers, booleans and null are valid YAML plain scalars
}

bool IsScalarArray(const ordered& value) {
  if (!value.is_array()) return false;
  for (const ordered& item : value) {
    if (item.is_structured()) return false;
  }
  return true;
}

std::string FlowArray(const ordered& value) {
  std::string out = "[";
  bool first = true;
  for (const ordered& item : value) {
    out += first ? "" : ", ";
    out += Scalar(item);
    first = false;
  }
  return out + "]";
}

// Appends `value` (a non-empty object or array) in block style at `indent` spaces.
void EmitBlock(const ordered& value, int indent, std::string* out) {
  const std::string pad(indent, ' ');
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      const std::string written = IsPlainKey(key) ? key : Quote(key);
      // YAML allows an implicit key of at most 1024 characters; a longer one is written
      // explicitly ("? KEY" then ": VALUE" on the next line).
      *out += written.size() <= kMaxImplicitKey ? pad + written + ":"
                                                : pad + "? " + written + "\n" + pad + ":";
      if (item.is_structured() && !item.empty() && !IsScalarArray(item)) {
        *out += "\n";
        EmitBlock(item, indent + 2, out);
      } else {
        *out += " " + (IsScalarArray(item) && !item.empty() ? FlowArray(item) : Scalar(item));
        *out += "\n";
      }
    }
    return;
  }
  for (const ordered& item : value) {
    if (item.is_structured() && !item.empty() && !IsScalarArray(item)) {
      std::string nested;
      EmitBlock(item, indent + 2, &nested);
      nested.replace(0, static_cast<size_t>(indent) + 2, pad + "- ");
      *out += nested;
    } else {
      *out += pad + "- " + (IsScalarArray(item) && !item.empty() ? FlowArray(item) : Scalar(item));
      *out += "\n";
    }
  }
}

}  // namespace

nlohmann::json ToJson(const Jobspec& spec) { return nlohmann::json::parse(Dump(SpecToJson(spec))); }

std::string ToYaml(const Jobspec& spec) {
  std::string out;
  EmitBlock(SpecToJson(spec), 0, &out);
  return out;
}

}  // namespace converge::jobspec
