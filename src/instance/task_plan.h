// TaskPlan: turns a job's jobspec and allocation into the processes the shim starts —
// one TaskSpec per task with its rank, logical node, cores, GPUs and environment.
//
// Tasks are laid out over the allocation's slots in order: `per_slot` tasks per slot, or
// `total` tasks dealt round-robin over the slots; under shell.options.per-resource (type node,
// count N) N tasks per allocated node instead, each holding all the job's cores and GPUs there. A slot's cores (and GPUs) are those the
// allocation holds on the slot's node, split evenly between the slots on that node.
// Pure: no I/O; the caller supplies the base environment and the machine facts. The PMI
// variables (PMI_FD, PMI_RANK, ...) are not planned here: the shim adds them at launch
// (docs/formats/pmi.md).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "exec/shim_spec.h"
#include "instance/job.h"
#include "resource/graph.h"

namespace converge::instance {

struct TaskPlanOptions {
  // Bind tasks to their cores: only when the graph's core ids are this machine's cpus.
  bool bind_cores = false;
  int machine_cpus = 0;  // cpus this machine has; ids >= this are never bound
  // Variables every task gets before the jobspec's own (e.g. PATH, CONVERGE_URI).
  std::map<std::string, std::string> base_environment;
};

// `extra_environment` (e.g. service URLs) is added after the base environment and before the
// jobspec's own variables. REQUIRES: job.active with its allocation set. Errors: the plan
// would break the limits of jobspec/limits.h (a job stored before they existed); nothing is
// allocated in proportion to the task count before that is checked.
Result<std::vector<exec::TaskSpec>> PlanTasks(
    const Job& job, const resource::Graph& graph, const TaskPlanOptions& options,
    const std::map<std::string, std::string>& extra_environment = {});

// The number of tasks a jobspec asks for, given how many slots and nodes were allocated
// (saturates at INT64_MAX rather than overflowing).
int64_t TaskCount(const jobspec::Jobspec& spec, int64_t slots, int64_t nodes);

// An upper bound on the slots `spec` can be given on `graph`: per slot vertex, the product of
// the count maxima on its path, capped by how many of each type the slot holds the graph has
// (memory aside); a spec without slots gets at most one per node. Saturates at INT64_MAX.
int64_t MostSlots(const jobspec::Jobspec& spec, const resource::Graph& graph);

// Admission check of the task plan (jobspec/limits.h): at most kMaxTasksPerJob tasks however
// many slots the job gets, and at most kMaxTaskPlanBytes of commands and environments over all
// tasks (each task carries `base_environment`, the job's environment and its command). Errors:
// kInvalidArgument naming tasks[0].count.per_slot (or tasks[0].count) or tasks[0].
Status CheckTaskLimits(const jobspec::Jobspec& spec, const resource::Graph& graph,
                       const std::map<std::string, std::string>& base_environment);

}  // namespace converge::instance
