#include "jobspec/validate.h"

#include <cmath>
#include <set>
#include <string>

#include "jobspec/count.h"
#include "jobspec/limits.h"
#include "jobspec/memory.h"
#include "jobspec/nul_check.h"
#include "jobspec/shell_options.h"

namespace converge::jobspec {

namespace {

std::string Index(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// A task count field within kMaxTasksPerJob.
Status TaskLimit(int64_t count, const std::string& path) {
  if (count <= kMaxTasksPerJob) return Status::Ok();
  return Status::Invalid(path, "must be <= " + std::to_string(kMaxTasksPerJob) +
                                   " (the limit on tasks per job)");
}

class Validator {
 public:
  explicit Validator(bool v1) : v1_(v1) {}

  Status Run(const Jobspec& spec) {
    if (spec.version < 1) return Status::Invalid("version", "must be >= 1");
    if (v1_ && spec.version != 1) return Status::Invalid("version", "must be 1 in jobspec V1");
    if (spec.resources.empty()) return Status::Invalid("resources", "must not be empty");
    for (size_t i = 0; i < spec.resources.size(); ++i) {
      CONVERGE_RETURN_IF_ERROR(Vertex(spec.resources[i], Index("resources", i), 1));
    }
    if (v1_) CONVERGE_RETURN_IF_ERROR(V1Shape(spec));
    if (spec.tasks.empty()) return Status::Invalid("tasks", "must not be empty");
    if (v1_ && spec.tasks.size() != 1) {
      return Status::Invalid("tasks", "must have exactly one task in jobspec V1");
    }
    for (size_t i = 0; i < spec.tasks.size(); ++i) {
      CONVERGE_RETURN_IF_ERROR(CheckTask(spec.tasks[i], Index("tasks", i)));
    }
    return System(spec.system);
  }

 private:
  Status Vertex(const ResourceRequest& r, const std::string& path, int depth) {
    if (depth > 1000) return Status::Invalid(path, "nesting too deep");
    if (r.type.empty()) return Status::Invalid(path + ".type", "must not be empty");
    CONVERGE_RETURN_IF_ERROR(RefuseNul(r.type, path + ".type"));
    CONVERGE_RETURN_IF_ERROR(RefuseNul(r.label, path + ".label"));
    CONVERGE_RETURN_IF_ERROR(RefuseNul(r.unit, path + ".unit"));
    if (r.id) CONVERGE_RETURN_IF_ERROR(RefuseNul(*r.id, path + ".id"));
    const int64_t minimum = r.type == "gpu" ? 0 : 1;
    Status count = CheckCount(r.count, minimum);
    if (!count.ok()) return count.WithPrefix(path + ".count");
    if (r.type == "slot") {
      if (r.label.empty()) return Status::Invalid(path + ".label", "is required for a slot");
      if (r.with.empty()) return Status::Invalid(path + ".with", "a slot must contain resources");
    }
    if (!r.label.empty() && !labels_.insert(r.label).second) {
      return Status::Invalid(path + ".label", "'" + r.label + "' is used twice");
    }
    if (r.id && r.id->empty()) return Status::Invalid(path + ".id", "must not be empty");
    if (r.type == "memory" && !r.unit.empty()) {
      Result<int64_t> unit = MemoryUnitBytes(r.unit);
      if (!unit.ok()) return unit.status().WithPrefix(path);
    }
    for (size_t i = 0; i < r.with.size(); ++i) {
      CONVERGE_RETURN_IF_ERROR(Vertex(r.with[i], Index(path + ".with", i), depth + 1));
    }
    return Status::Ok();
  }

  static Status V1Plain(const ResourceRequest& r, const std::string& path, bool may_be_exclusive) {
    if (r.count.is_range) {
      return Status::Invalid(path + ".count", "must be an integer in jobspec V1");
    }
    if (r.id) return Status::Invalid(path + ".id", "is not allowed in jobspec V1");
    if (r.exclusive && !may_be_exclusive) {
      return Status::Invalid(path + ".exclusive", "is not allowed on " + r.type + " in jobspec V1");
    }
    if (!r.label.empty() && r.type != "slot") {
      return Status::Invalid(path + ".label", "is not allowed on " + r.type + " in jobspec V1");
    }
    return Status::Ok();
  }

  Status V1Slot(const ResourceRequest& slot, const std::string& path) {
    if (slot.type != "slot") {
      return Status::Invalid(path + ".type",
                             "must be slot in jobspec V1 (got '" + slot.type + "')");
    }
    CONVERGE_RETURN_IF_ERROR(V1Plain(slot, path, true));
    if (slot.with.empty() || slot.with.size() > 2) {
      return Status::Invalid(path + ".with", "must hold core and optionally gpu in jobspec V1");
    }
    int cores = 0;
    int gpus = 0;
    for (size_t i = 0; i < slot.with.size(); ++i) {
      const ResourceRequest& child = slot.with[i];
      const std::string child_path = Index(path + ".with", i);
      if (child.type == "core") {
        ++cores;
      } else if (child.type == "gpu") {
        ++gpus;
      } else {
        return Status::Invalid(child_path + ".type",
                               "must be core or gpu in jobspec V1 (got '" + child.type + "')");
      }
      CONVERGE_RETURN_IF_ERROR(V1Plain(child, child_path, false));
      if (!child.with.empty()) {
        return Status::Invalid(child_path + ".with",
                               "is not allowed on " + child.type + " in jobspec V1");
      }
    }
    if (cores != 1 || gpus > 1) {
      return Status::Invalid(path + ".with",
                             "must hold one core and at most one gpu in jobspec V1");
    }
    slot_label_ = slot.label;
    return Status::Ok();
  }

  Status V1Shape(const Jobspec& spec) {
    if (spec.resources.size() != 1) {
      return Status::Invalid("resources", "must have exactly one resource in jobspec V1");
    }
    const ResourceRequest& top = spec.resources[0];
    if (top.type == "node") {
      CONVERGE_RETURN_IF_ERROR(V1Plain(top, "resources[0]", true));
      if (top.with.size() != 1) {
        return Status::Invalid("resources[0].with", "must hold exactly one slot in jobspec V1");
      }
      return V1Slot(top.with[0], "resources[0].with[0]");
    }
    if (top.type == "slot") return V1Slot(top, "resources[0]");
    return Status::Invalid("resources[0].type",
                           "must be node or slot in jobspec V1 (got '" + top.type + "')");
  }

  Status CheckTask(const Task& task, const std::string& path) {
    if (task.command.empty()) return Status::Invalid(path + ".command", "must not be empty");
    size_t command_bytes = 0;
    for (size_t i = 0; i < task.command.size(); ++i) {
      CONVERGE_RETURN_IF_ERROR(RefuseNul(task.command[i], Index(path + ".command", i)));
      command_bytes += task.command[i].size() + 1;
    }
    if (command_bytes > kMaxCommandBytes) {
      return Status::Invalid(path + ".command", "must be <= " + std::to_string(kMaxCommandBytes) +
                                                    " bytes in all (the limit on a command)");
    }
    if (task.slot.empty()) return Status::Invalid(path + ".slot", "must not be empty");
    CONVERGE_RETURN_IF_ERROR(RefuseNul(task.slot, path + ".slot"));
    if (task.distribution) {
      CONVERGE_RETURN_IF_ERROR(RefuseNul(*task.distribution, path + ".distribution"));
    }
    if (v1_ && task.slot != slot_label_) {
      return Status::Invalid(
          path + ".slot", "'" + task.slot + "' does not name the slot label '" + slot_label_ + "'");
    }
    const TaskCount& count = task.count;
    const int set = (count.per_slot != 0) + (count.total != 0) + (count.per_resource_count != 0);
    if (set != 1) {
      return Status::Invalid(path + ".count",
                             "must have exactly one of per_slot, total, per_resource");
    }
    if (count.per_slot < 0) return Status::Invalid(path + ".count.per_slot", "must be >= 1");
    if (count.total < 0) return Status::Invalid(path + ".count.total", "must be >= 1");
    if (count.per_resource_count != 0) {
      if (v1_) return Status::Invalid(path + ".count.per_resource", "is not allowed in jobspec V1");
      if (count.per_resource_count < 0) {
        return Status::Invalid(path + ".count.per_resource.count", "must be >= 1");
      }
      if (count.per_resource_type.empty()) {
        return Status::Invalid(path + ".count.per_resource.type", "must not be empty");
      }
    }
    CONVERGE_RETURN_IF_ERROR(TaskLimit(count.per_slot, path + ".count.per_slot"));
    CONVERGE_RETURN_IF_ERROR(TaskLimit(count.total, path + ".count.total"));
    CONVERGE_RETURN_IF_ERROR(
        TaskLimit(count.per_resource_count, path + ".count.per_resource.count"));
    if (v1_ && count.per_slot > 1) {
      return Status::Invalid(path + ".count.per_slot", "must be 1 in jobspec V1");
    }
    if (!task.attributes.is_object()) {
      return Status::Invalid(path + ".attributes", "must be a mapping");
    }
    return RefuseNulInTree(task.attributes, path + ".attributes");
  }

  static Status CheckConstraint(const Constraint& c, const std::string& path, int depth) {
    if (depth > 1000) return Status::Invalid(path, "nesting too deep");
    switch (c.op) {
      case Constraint::Op::kProperties:
      case Constraint::Op::kHostlist:
      case Constraint::Op::kRanks:
        if (!c.children.empty()) return Status::Invalid(path, "takes strings, not constraints");
        for (size_t i = 0; i < c.values.size(); ++i) {
          if (c.values[i].empty()) return Status::Invalid(Index(path, i), "must not be empty");
          CONVERGE_RETURN_IF_ERROR(RefuseNul(c.values[i], Index(path, i)));
        }
        return Status::Ok();
      case Constraint::Op::kAnd:
      case Constraint::Op::kOr:
      case Constraint::Op::kNot:
        if (!c.values.empty()) return Status::Invalid(path, "takes constraints, not strings");
        for (size_t i = 0; i < c.children.size(); ++i) {
          CONVERGE_RETURN_IF_ERROR(CheckConstraint(c.children[i], Index(path, i), depth + 1));
        }
        return Status::Ok();
    }
    return Status::Invalid(path, "unknown constraint operator");
  }

  // An environment name holds no NUL (the error does not print the name: it would be cut).
  static Status EnvironmentName(const std::string& name, const std::string& path) {
    if (name.find('\0') == std::string::npos) return Status::Ok();
    return Status::Invalid(path + ".environment", "names must not contain a NUL byte");
  }

  static Status System(const SystemAttributes& system) {
    const std::string path = "attributes.system";
    if (!std::isfinite(system.duration) || system.duration < 0) {
      return Status::Invalid(path + ".duration", "must be a finite number >= 0");
    }
    if (system.duration > kMaxDurationSeconds) {
      return Status::Invalid(path + ".duration",
                             "must be <= " + std::to_string(static_cast<int64_t>(kMaxDurationSeconds)) +
                                 " seconds (100 years)");
    }
    if (system.cwd && system.cwd->empty())
      return Status::Invalid(path + ".cwd", "must not be empty");
    if (system.cwd) CONVERGE_RETURN_IF_ERROR(RefuseNul(*system.cwd, path + ".cwd"));
    CONVERGE_RETURN_IF_ERROR(RefuseNul(system.queue, path + ".queue"));
    size_t environment_bytes = 0;
    for (const auto& [name, value] : system.environment) {
      if (name.empty()) return Status::Invalid(path + ".environment", "names must not be empty");
      CONVERGE_RETURN_IF_ERROR(EnvironmentName(name, path));
      CONVERGE_RETURN_IF_ERROR(RefuseNul(value, path + ".environment." + name));
      environment_bytes += name.size() + value.size() + 2;
    }
    if (environment_bytes > kMaxEnvironmentBytes) {
      return Status::Invalid(path + ".environment",
                             "must be <= " + std::to_string(kMaxEnvironmentBytes) +
                                 " bytes in all (the limit on a job's environment)");
    }
    for (size_t i = 0; i < system.environment_unset.size(); ++i) {
      const std::string& name = system.environment_unset[i];
      if (name.empty()) return Status::Invalid(path + ".environment", "names must not be empty");
      CONVERGE_RETURN_IF_ERROR(EnvironmentName(name, path));
      if (i > 0 && name <= system.environment_unset[i - 1]) {
        return Status::Invalid(path + ".environment", "unset names must be sorted and unique");
      }
      if (system.environment.count(name)) {
        return Status::Invalid(path + ".environment." + name, "is both set and unset");
      }
    }
    if (system.dependencies.size() > kMaxDependencies) {
      return Status::Invalid(path + ".dependencies",
                             "must hold <= " + std::to_string(kMaxDependencies) +
                                 " dependencies (the limit on dependencies per job)");
    }
    for (size_t i = 0; i < system.dependencies.size(); ++i) {
      const std::string item = Index(path + ".dependencies", i);
      if (system.dependencies[i].scheme.empty()) {
        return Status::Invalid(item + ".scheme", "must not be empty");
      }
      CONVERGE_RETURN_IF_ERROR(RefuseNul(system.dependencies[i].scheme, item + ".scheme"));
      CONVERGE_RETURN_IF_ERROR(RefuseNul(system.dependencies[i].value, item + ".value"));
    }
    if (system.constraints) {
      CONVERGE_RETURN_IF_ERROR(CheckConstraint(*system.constraints, path + ".constraints", 1));
    }
    if (!system.extra.is_object()) return Status::Invalid(path, "extra must be a mapping");
    CONVERGE_RETURN_IF_ERROR(RefuseNulInTree(system.extra, path));
    for (const char* key :
         {"duration", "cwd", "environment", "queue", "dependencies", "constraints"}) {
      if (system.extra.contains(key)) {
        return Status::Invalid(path + "." + key, "is a typed field; do not put it in extra");
      }
    }
    if (Result<std::vector<std::string>> pmi = PmiChoice(system); !pmi.ok()) {
      return pmi.status().WithPrefix(path);
    }
    if (Result<std::optional<int64_t>> per_node = TasksPerNode(system); !per_node.ok()) {
      return per_node.status().WithPrefix(path);
    }
    if (Result<std::optional<WarnSignal>> warn = WarnSignalOption(system); !warn.ok()) {
      return warn.status().WithPrefix(path);
    }
    if (Result<LabelIo> labels = LabelIoOption(system); !labels.ok()) {
      return labels.status().WithPrefix(path);
    }
    return Status::Ok();
  }

  bool v1_;
  std::set<std::string> labels_;
  std::string slot_label_;
};

}  // namespace

Status Validate(const Jobspec& spec, bool v1) {
  Validator validator(v1);
  Status status = validator.Run(spec);
  if (!status.ok() && !spec.user.is_object()) return status;
  if (status.ok() && !spec.user.is_object()) {
    return Status::Invalid("attributes.user", "must be a mapping");
  }
  if (status.ok()) return RefuseNulInTree(spec.user, "attributes.user");
  return status;
}

}  // namespace converge::jobspec
