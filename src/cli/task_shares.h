// Task shares: Slurm's per-node and per-cpu amounts (--mem, --mem-per-cpu, --gpus-per-node,
// --gres=gpu:N) turned into what each task's slot holds, since a converge jobspec asks for
// memory and GPUs per slot. Pure.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace converge::cli {

// MiB of a Slurm memory size: a whole number with an optional unit K, M, G or T (either case,
// optionally followed by B or iB; binary: 1G = 1024M); no unit means M, as in Slurm. 0 (Slurm's
// "all of the node's memory") is refused, pointing at --exclusive. Errors name `flag`.
Result<int64_t> ParseMemorySize(const std::string& flag, const std::string& text);

// GPUs per node of a Slurm --gres list: comma-separated `gpu`, `gpu:N`; other resources and
// typed GPUs (`gpu:a100:2`) are refused, naming the item, since the graph knows GPUs untyped.
Result<int64_t> ParseGresGpus(const std::string& text);

// What the user asked for, before it is split over the slots.
struct TaskDemand {
  int64_t slots_per_node = 1;    // slots sharing one node: ceil(tasks/nodes), or all the tasks
  int64_t cores_per_task = 1;
  int64_t mem_per_node_mib = 0;  // --mem / --mem-per-node; 0: not given
  int64_t mem_per_cpu_mib = 0;   // --mem-per-cpu; 0: not given
  int64_t gpus_per_task = 0;     // -g
  int64_t gpus_per_node = 0;     // --gpus-per-node / --gres=gpu:N; 0: not given
};

struct SlotShare {
  int64_t memory_mib = 0;  // 0: the slot asks for no memory
  int64_t gpus = 0;
};

// Each slot's memory and GPUs: --mem-per-cpu times the slot's cores; --mem divided over the
// slots of a node, rounded up; --gpus-per-node divided over them evenly. Errors (naming the
// flag): both memory flags, both GPU spellings, GPUs per node that do not divide evenly.
Result<SlotShare> ShareOverSlots(const TaskDemand& demand);

}  // namespace converge::cli
