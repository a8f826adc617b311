#include "jobspec/shorthand.h"

#include <cmath>

#include "jobspec/validate.h"

namespace converge::jobspec {

namespace {

// The version Fluxion gives jobspecs beyond RFC 25 (memory in slots).
constexpr int64_t kExtendedVersion = 9999;

Status CheckFlags(const ShorthandOptions& options) {
  if (options.tasks < 1) return Status::Invalid("-n", "must be >= 1");
  if (options.cores_per_task < 1) return Status::Invalid("-c", "must be >= 1");
  if (options.gpus_per_task < 0) return Status::Invalid("-g", "must be >= 0");
  if (options.memory_per_task_mib < 0) return Status::Invalid("--mem", "must be >= 0");
  if (options.nodes < 0) return Status::Invalid("-N", "must be >= 1");
  if (options.nodes > options.tasks) {
    return Status::Invalid("-N", "more nodes (" + std::to_string(options.nodes) + ") than tasks (" +
                                     std::to_string(options.tasks) + ")");
  }
  if (!std::isfinite(options.duration) || options.duration < 0) {
    return Status::Invalid("-t", "must be a finite duration >= 0");
  }
  if (options.command.empty()) return Status::Invalid("command", "must not be empty");
  return Status::Ok();
}

}  // namespace

Result<Jobspec> FromShorthand(const ShorthandOptions& options) {
  CONVERGE_RETURN_IF_ERROR(CheckFlags(options));
  ResourceRequest slot;
  slot.type = "slot";
  slot.label = "task";
  ResourceRequest core;
  core.type = "core";
  core.count = Count::Fixed(options.cores_per_task);
  slot.with.push_back(core);
  if (options.gpus_per_task > 0) {
    ResourceRequest gpu;
    gpu.type = "gpu";
    gpu.count = Count::Fixed(options.gpus_per_task);
    slot.with.push_back(gpu);
  }
  if (options.memory_per_task_mib > 0) {
    ResourceRequest memory;
    memory.type = "memory";
    memory.count = Count::Fixed(options.memory_per_task_mib);
    memory.unit = "MiB";
    slot.with.push_back(memory);
  }
  Task task;
  task.command = options.command;
  task.slot = "task";
  task.count.per_slot = 1;
  Jobspec spec;
  const bool v1 = options.memory_per_task_mib == 0;
  spec.version = v1 ? 1 : kExtendedVersion;
  if (options.nodes > 0) {
    // flux: node[N] -> slot[ceil(n/N)] -> core[c] (+gpu[g]); uneven splits run `total` tasks.
    const int64_t per_node = options.tasks / options.nodes + (options.tasks % options.nodes != 0);
    slot.count = Count::Fixed(per_node);
    ResourceRequest node;
    node.type = "node";
    node.count = Count::Fixed(options.nodes);
    if (options.exclusive) node.exclusive = true;
    node.with.push_back(std::move(slot));
    spec.resources.push_back(std::move(node));
    if (options.tasks % options.nodes != 0) {
      task.count.per_slot = 0;
      task.count.total = options.tasks;
    }
  } else {
    // flux: slot[n] -> core[c] (+gpu[g]); -x makes the slots exclusive.
    slot.count = Count::Fixed(options.tasks);
    if (options.exclusive) slot.exclusive = true;
    spec.resources.push_back(std::move(slot));
  }
  spec.tasks.push_back(std::move(task));
  spec.system.duration = options.duration;
  if (!options.queue.empty()) spec.system.queue = options.queue;
  if (!options.cwd.empty()) spec.system.cwd = options.cwd;
  CONVERGE_RETURN_IF_ERROR(Validate(spec, v1));
  return spec;
}

}  // namespace converge::jobspec
