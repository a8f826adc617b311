#include "instance/task_plan.h"

#include <algorithm>

#include "common/hostlist.h"

namespace converge::instance {
namespace {

struct SlotResources {
  resource::VertexId host = 0;
  std::vector<int64_t> cores;  // graph ids of the core vertices
  std::vector<int64_t> gpus;
};

std::string JoinIds(const std::vector<int64_t>& ids) {
  std::string text;
  for (int64_t id : ids) {
    if (!text.empty()) text += ',';
    text += std::to_string(id);
  }
  return text;
}

// Splits each host's allocated cores and GPUs between the slots placed on it, in order.
std::vector<SlotResources> SlotsOf(const sched::Allocation& allocation,
                                   const resource::Graph& graph) {
  std::vector<SlotResources> slots;
  std::map<resource::VertexId, std::vector<size_t>> slots_on_host;
  for (resource::VertexId host : allocation.slot_hosts) {
    slots_on_host[host].push_back(slots.size());
    slots.push_back({host, {}, {}});
  }
  for (const auto& [host, indices] : slots_on_host) {
    std::vector<int64_t> cores;
    std::vector<int64_t> gpus;
    const resource::VertexId end = graph.SubtreeEnd(host);
    for (const sched::Allocation::Item& item : allocation.items) {
      if (item.vertex < host || item.vertex >= end) continue;
      resource::TypeId type = graph.type(item.vertex);
      if (type == resource::kCore) cores.push_back(graph.id(item.vertex));
      if (type == resource::kGpu) gpus.push_back(graph.id(item.vertex));
    }
    const size_t n = indices.size();
    for (size_t k = 0; k < n; ++k) {
      SlotResources& slot = slots[indices[k]];
      for (size_t c = k * cores.size() / n; c < (k + 1) * cores.size() / n; ++c) {
        slot.cores.push_back(cores[c]);
      }
      for (size_t g = k * gpus.size() / n; g < (k + 1) * gpus.size() / n; ++g) {
        slot.gpus.push_back(gpus[g]);
      }
    }
  }
  return slots;
}

}  // namespace

int64_t TaskCount(const jobspec::Jobspec& spec, int64_t slots) {
  if (spec.tasks.empty()) return slots;
  const jobspec::TaskCount& count = spec.tasks.front().count;
  if (count.total > 0) return count.total;
  if (count.per_slot > 0) return count.per_slot * slots;
  return slots;
}

Result<std::vector<exec::TaskSpec>> PlanTasks(
    const Job& job, const resource::Graph& graph, const TaskPlanOptions& options,
    const std::map<std::string, std::string>& extra_environment) {
  const jobspec::Jobspec& spec = job.active->spec;
  const sched::Allocation& allocation = *job.active->allocation;
  if (spec.tasks.empty() || spec.tasks.front().command.empty()) {
    return Status::Invalid("tasks[0].command", "must not be empty");
  }
  std::vector<SlotResources> slots = SlotsOf(allocation, graph);
  if (slots.empty()) {
    // A job without slots (e.g. a bare node request): one slot per allocated node.
    for (resource::VertexId node : allocation.nodes) slots.push_back({node, {}, {}});
    if (slots.empty()) slots.push_back({graph.root(), {}, {}});
  }
  const int64_t ntasks = TaskCount(spec, static_cast<int64_t>(slots.size()));
  std::vector<resource::VertexId> nodes = allocation.nodes;
  std::vector<std::string> node_names;
  for (resource::VertexId node : nodes) node_names.push_back(graph.name(node));
  const std::string nodelist = CompressHostlist(node_names);

  const nlohmann::json& converge = spec.system.extra.contains("converge")
                                      ? spec.system.extra["converge"]
                                      : nlohmann::json::object();
  const std::string pod_prefix =
      converge.is_object() && converge.contains("pod_prefix") && converge["pod_prefix"].is_string()
          ? converge["pod_prefix"].get<std::string>()
          : "";
  std::vector<exec::TaskSpec> tasks;
  tasks.reserve(static_cast<size_t>(ntasks));
  for (int64_t rank = 0; rank < ntasks; ++rank) {
    const int64_t per_slot = spec.tasks.front().count.per_slot;
    const size_t slot_index = per_slot > 0 ? static_cast<size_t>(rank / per_slot)
                                           : static_cast<size_t>(rank) % slots.size();
    const SlotResources& slot = slots[std::min(slot_index, slots.size() - 1)];
    std::map<std::string, std::string> env = options.base_environment;
    for (const auto& [key, value] : extra_environment) env[key] = value;
    for (const auto& [key, value] : spec.system.environment) env[key] = value;
    for (const std::string& key : spec.system.environment_unset) env.erase(key);
    env["CONVERGE_JOB_ID"] = std::to_string(job.record.id);
    env["CONVERGE_TASK_RANK"] = std::to_string(rank);
    env["CONVERGE_TASK_COUNT"] = std::to_string(ntasks);
    env["CONVERGE_NODELIST"] = nodelist;
    env["CONVERGE_NODE"] = graph.name(slot.host);
    env["CONVERGE_CORES"] = JoinIds(slot.cores);
    if (!pod_prefix.empty()) {  // a JobSet child: tasks are its pods
      env["POD_INDEX"] = std::to_string(rank);
      env["JOB_COMPLETION_INDEX"] = std::to_string(rank);
      env["POD_NAME"] = pod_prefix + "-" + std::to_string(rank);
    }
    if (!slot.gpus.empty()) {
      env["CUDA_VISIBLE_DEVICES"] = JoinIds(slot.gpus);
    } else {
      env.erase("CUDA_VISIBLE_DEVICES");
    }
    exec::TaskSpec task;
    task.rank = static_cast<int>(rank);
    task.argv = spec.tasks.front().command;
    for (const auto& [key, value] : env) task.env.push_back(key + "=" + value);
    const bool bindable =
        options.bind_cores && !slot.cores.empty() &&
        std::all_of(slot.cores.begin(), slot.cores.end(),
                    [&](int64_t id) { return id >= 0 && id < options.machine_cpus; });
    if (bindable) {
      for (int64_t id : slot.cores) task.cpus.push_back(static_cast<int>(id));
    }
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace converge::instance
