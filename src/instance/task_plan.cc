#include "instance/task_plan.h"

#include <algorithm>

#include <limits>
#include <map>

#include "common/hostlist.h"
#include "exec/launcher_shims.h"
#include "jobspec/limits.h"
#include "jobspec/shell_options.h"

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

// One slot per allocated node holding everything the allocation has there (the layout of
// shell.options.per-resource), in allocation order.
std::vector<SlotResources> NodesOf(const sched::Allocation& allocation,
                                   const resource::Graph& graph) {
  std::vector<SlotResources> nodes;
  for (resource::VertexId node : allocation.nodes) {
    SlotResources whole{node, {}, {}};
    const resource::VertexId end = graph.SubtreeEnd(node);
    for (const sched::Allocation::Item& item : allocation.items) {
      if (item.vertex < node || item.vertex >= end) continue;
      const resource::TypeId type = graph.type(item.vertex);
      if (type == resource::kCore) whole.cores.push_back(graph.id(item.vertex));
      if (type == resource::kGpu) whole.gpus.push_back(graph.id(item.vertex));
    }
    nodes.push_back(std::move(whole));
  }
  return nodes;
}

// Tasks per node under shell.options.per-resource; 0 without it (or when it is invalid,
// which submit refuses).
int64_t PerNode(const jobspec::Jobspec& spec) {
  Result<std::optional<int64_t>> per_node = jobspec::TasksPerNode(spec.system);
  return per_node.ok() && per_node->has_value() ? **per_node : 0;
}

constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

int64_t SaturatingMul(int64_t a, int64_t b) {
  if (a <= 0 || b <= 0) return 0;
  return a > kSaturated / b ? kSaturated : a * b;
}
int64_t SaturatingAdd(int64_t a, int64_t b) { return a > kSaturated - b ? kSaturated : a + b; }

// How many slots shaped like `slot` the graph can hold at most, judged by its direct children.
int64_t SlotsTheGraphHolds(const jobspec::ResourceRequest& slot, const resource::Graph& graph) {
  int64_t bound = kSaturated;
  for (const jobspec::ResourceRequest& child : slot.with) {
    if (child.type == "memory" || child.count.min < 1) continue;
    const int type = graph.FindType(child.type);
    const int64_t have =
        type < 0 ? 0 : static_cast<int64_t>(graph.VerticesOfType(type).size());
    bound = std::min(bound, have / child.count.min);
  }
  return bound;
}

int64_t SlotsUnder(const jobspec::ResourceRequest& request, int64_t multiplier,
                   const resource::Graph& graph) {
  const int64_t most = SaturatingMul(multiplier, request.count.max);
  if (request.type == "slot") return std::min(most, SlotsTheGraphHolds(request, graph));
  int64_t slots = 0;
  for (const jobspec::ResourceRequest& child : request.with) {
    slots = SaturatingAdd(slots, SlotsUnder(child, most, graph));
  }
  return slots;
}

bool HasSlot(const std::vector<jobspec::ResourceRequest>& requests) {
  for (const jobspec::ResourceRequest& request : requests) {
    if (request.type == "slot" || HasSlot(request.with)) return true;
  }
  return false;
}

size_t CommandBytes(const std::vector<std::string>& command) {
  size_t bytes = 0;
  for (const std::string& word : command) bytes += word.size() + 1;
  return bytes;
}

// Bytes of the variables PlanTasks adds to every task (CONVERGE_*, POD_*), generously.
constexpr int64_t kPerTaskOverheadBytes = 1024;

std::string PlanTooLarge(int64_t ntasks, int64_t per_task) {
  return std::to_string(ntasks) + " tasks × " + std::to_string(per_task) +
         " bytes of command and environment each is more than " +
         std::to_string(jobspec::kMaxTaskPlanBytes) + " bytes (the limit on a job's task plan)";
}

std::string TooManyTasks() {
  return "is more than " + std::to_string(jobspec::kMaxTasksPerJob) +
         " (the limit on tasks per job)";
}

// How many of `ntasks` ranks dealt round-robin over `slots` slots land on slot `index`.
int64_t TasksOnSlot(int64_t ntasks, size_t slots, size_t index) {
  const int64_t count = static_cast<int64_t>(slots);
  return ntasks / count + (static_cast<int64_t>(index) < ntasks % count ? 1 : 0);
}

// The limits on `ntasks` tasks of `per_task` bytes each; `slots` is for the message.
Status CheckPlan(const jobspec::Jobspec& spec, int64_t ntasks, int64_t slots, int64_t per_task) {
  const jobspec::TaskCount& count = spec.tasks.front().count;
  if (ntasks > jobspec::kMaxTasksPerJob) {
    if (count.per_slot > 0) {
      return Status::Invalid("tasks[0].count.per_slot",
                             std::to_string(count.per_slot) + " tasks per slot × up to " +
                                 std::to_string(slots) + " slots " + TooManyTasks());
    }
    return Status::Invalid("tasks[0].count",
                           std::to_string(ntasks) + " tasks " + TooManyTasks());
  }
  if (SaturatingMul(ntasks, per_task) > jobspec::kMaxTaskPlanBytes) {
    return Status::Invalid("tasks[0]", PlanTooLarge(ntasks, per_task));
  }
  return Status::Ok();
}

}  // namespace

int64_t TaskCount(const jobspec::Jobspec& spec, int64_t slots, int64_t nodes) {
  if (const int64_t per_node = PerNode(spec); per_node > 0) {
    return SaturatingMul(per_node, std::max<int64_t>(nodes, 1));
  }
  if (spec.tasks.empty()) return slots;
  const jobspec::TaskCount& count = spec.tasks.front().count;
  if (count.total > 0) return count.total;
  if (count.per_slot > 0) return SaturatingMul(count.per_slot, slots);
  return slots;
}

int64_t MostSlots(const jobspec::Jobspec& spec, const resource::Graph& graph) {
  if (!HasSlot(spec.resources)) {
    const int64_t nodes = static_cast<int64_t>(graph.VerticesOfType(resource::kNode).size());
    return std::max<int64_t>(nodes, 1);
  }
  int64_t slots = 0;
  for (const jobspec::ResourceRequest& request : spec.resources) {
    slots = SaturatingAdd(slots, SlotsUnder(request, 1, graph));
  }
  return slots;
}

Status CheckTaskLimits(const jobspec::Jobspec& spec, const resource::Graph& graph,
                       const std::map<std::string, std::string>& base_environment) {
  if (spec.tasks.empty()) return Status::Invalid("tasks", "must not be empty");
  const int64_t slots = MostSlots(spec, graph);
  int64_t per_task = kPerTaskOverheadBytes +
                     static_cast<int64_t>(CommandBytes(spec.tasks.front().command));
  for (const auto& [key, value] : base_environment) {
    per_task += static_cast<int64_t>(key.size() + value.size() + 2);
  }
  for (const auto& [key, value] : spec.system.environment) {
    per_task += static_cast<int64_t>(key.size() + value.size() + 2);
  }
  const int64_t nodes =
      std::max<int64_t>(1, static_cast<int64_t>(graph.VerticesOfType(resource::kNode).size()));
  return CheckPlan(spec, TaskCount(spec, slots, nodes), slots, per_task);
}

Result<std::vector<exec::TaskSpec>> PlanTasks(
    const Job& job, const resource::Graph& graph, const TaskPlanOptions& options,
    const std::map<std::string, std::string>& extra_environment) {
  const jobspec::Jobspec& spec = job.active->spec;
  const sched::Allocation& allocation = *job.active->allocation;
  if (spec.tasks.empty() || spec.tasks.front().command.empty()) {
    return Status::Invalid("tasks[0].command", "must not be empty");
  }
  const int64_t per_node = PerNode(spec);
  std::vector<SlotResources> slots =
      per_node > 0 ? NodesOf(allocation, graph) : SlotsOf(allocation, graph);
  if (slots.empty()) {
    // A job without slots (e.g. a bare node request): one slot per allocated node.
    for (resource::VertexId node : allocation.nodes) slots.push_back({node, {}, {}});
    if (slots.empty()) slots.push_back({graph.root(), {}, {}});
  }
  const int64_t ntasks = per_node > 0 ? SaturatingMul(per_node, static_cast<int64_t>(slots.size()))
                                       : TaskCount(spec, static_cast<int64_t>(slots.size()), 0);
  if (ntasks > jobspec::kMaxTasksPerJob) {
    return CheckPlan(spec, ntasks, static_cast<int64_t>(slots.size()), 0);
  }
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
  // Inside a converge batch job with Slurm's variables, each task sees them as srun's tasks do
  // (exec/launcher_shims.h). The job's environment says so, the same for all its tasks.
  auto shims = spec.system.environment.find(exec::kShimsVariable);
  const bool srun_task = shims != spec.system.environment.end() &&
                         exec::ShimsInclude(shims->second.c_str(), "srun");
  std::map<resource::VertexId, int64_t> ranks_on_host;  // for SLURM_LOCALID
  const int64_t per_slot = per_node > 0 ? per_node : spec.tasks.front().count.per_slot;
  for (int64_t rank = 0; rank < ntasks; ++rank) {
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
    if (srun_task) {
      const int64_t local_rank = ranks_on_host[slot.host]++;
      const size_t node_index = static_cast<size_t>(
          std::find(nodes.begin(), nodes.end(), slot.host) - nodes.begin());
      env["SLURM_PROCID"] = std::to_string(rank);
      env["SLURM_LOCALID"] = std::to_string(local_rank);
      env["SLURM_NODEID"] = std::to_string(node_index < nodes.size() ? node_index : 0);
      env["SLURMD_NODENAME"] = graph.name(slot.host);
      for (const char* name : {"SLURM_NTASKS", "SLURM_NPROCS", "SLURM_STEP_NUM_TASKS"}) {
        env[name] = std::to_string(ntasks);
      }
      env["SLURM_STEP_NUM_NODES"] = std::to_string(nodes.size());
      env["SLURM_STEP_NODELIST"] = nodelist;
    }
    if (!pod_prefix.empty()) {  // a JobSet child: tasks are its pods
      env["POD_INDEX"] = std::to_string(rank);
      env["JOB_COMPLETION_INDEX"] = std::to_string(rank);
      env["POD_NAME"] = pod_prefix + "-" + std::to_string(rank);
    }
    // What launchers give tools (as Flux's shell and Slurm do): OpenMP's thread count unless
    // the job sets one, and the allocated GPUs for CUDA and ROCm (the allocation wins).
    const int64_t sharing =
        std::max<int64_t>(1, per_slot > 0 ? per_slot : TasksOnSlot(ntasks, slots.size(), slot_index));
    if (!env.count("OMP_NUM_THREADS") && !slot.cores.empty()) {
      env["OMP_NUM_THREADS"] =
          std::to_string(std::max<int64_t>(1, static_cast<int64_t>(slot.cores.size()) / sharing));
    }
    for (const char* devices : {"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES"}) {
      if (!slot.gpus.empty()) {
        env[devices] = JoinIds(slot.gpus);
      } else {
        env.erase(devices);
      }
    }
    exec::TaskSpec task;
    task.rank = static_cast<int>(rank);
    task.node = graph.name(slot.host);
    task.argv = spec.tasks.front().command;
    int64_t task_bytes = static_cast<int64_t>(CommandBytes(task.argv));
    for (const auto& [key, value] : env) {
      task.env.push_back(key + "=" + value);
      task_bytes += static_cast<int64_t>(task.env.back().size() + 1);
    }
    if (rank == 0) {  // every task carries about as much as the first
      CONVERGE_RETURN_IF_ERROR(
          CheckPlan(spec, ntasks, static_cast<int64_t>(slots.size()), task_bytes));
    }
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
