#include "cli/task_shares.h"

#include <cctype>

#include <vector>

#include "common/split.h"

namespace converge::cli {

namespace {

constexpr int64_t kMaxMemoryMiB = int64_t{1} << 40;  // 1 EiB: more than any node has

// MiB per unit of a Slurm size suffix ("" is M), or 0 when the suffix is not one.
int64_t UnitMiB(std::string unit, int64_t* divisor) {
  *divisor = 1;
  if (unit.empty()) return 1;
  const char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
  const std::string rest = unit.substr(1);
  if (rest != "" && rest != "B" && rest != "b" && rest != "iB") return 0;
  switch (letter) {
    case 'K': *divisor = 1024; return 1;
    case 'M': return 1;
    case 'G': return 1024;
    case 'T': return 1024 * 1024;
    default: return 0;
  }
}

}  // namespace

Result<int64_t> ParseMemorySize(const std::string& flag, const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  int64_t divisor = 1;
  const int64_t unit = UnitMiB(text.substr(digits), &divisor);
  if (digits == 0 || digits > 15 || unit == 0) {
    return Status::Invalid(flag, "'" + text +
                                     "' is not a memory size like 512M, 4G or 1T (a plain "
                                     "number is megabytes)");
  }
  const int64_t value = std::stoll(text.substr(0, digits));
  if (value == 0) {
    return Status::Invalid(flag, "0 (all of each node's memory) is not supported: give "
                                 "--exclusive for whole nodes");
  }
  if (value / divisor > kMaxMemoryMiB / unit) {
    return Status::Invalid(flag, "'" + text + "' is too large");
  }
  return (value * unit + divisor - 1) / divisor;
}

Result<int64_t> ParseGresGpus(const std::string& text) {
  int64_t gpus = 0;
  for (const std::string& item : SplitString(text, ',')) {
    const std::vector<std::string> parts = SplitString(item, ':');
    if (parts.empty() || parts[0] != "gpu") {
      return Status::Invalid("--gres", "'" + item + "': only GPUs are known here (gpu or gpu:N)");
    }
    if (parts.size() > 2) {
      return Status::Invalid("--gres", "'" + item + "': GPU types are not known here; ask for "
                                       "gpu:N and, for a kind of node, --requires");
    }
    int64_t count = 1;
    if (parts.size() == 2) {
      const std::string& n = parts[1];
      if (n.empty() || n.size() > 6 ||
          n.find_first_not_of("0123456789") != std::string::npos) {
        return Status::Invalid("--gres", "'" + item + "': the count must be a whole number");
      }
      count = std::stoll(n);
    }
    gpus += count;
  }
  if (gpus == 0) return Status::Invalid("--gres", "'" + text + "' asks for no GPUs");
  return gpus;
}

Result<SlotShare> ShareOverSlots(const TaskDemand& demand) {
  SlotShare share;
  if (demand.mem_per_node_mib > 0 && demand.mem_per_cpu_mib > 0) {
    return Status::Invalid("--mem-per-cpu", "give --mem or --mem-per-cpu, not both");
  }
  const int64_t slots = demand.slots_per_node < 1 ? 1 : demand.slots_per_node;
  if (demand.mem_per_cpu_mib > 0) {
    if (demand.mem_per_cpu_mib > kMaxMemoryMiB / demand.cores_per_task) {
      return Status::Invalid("--mem-per-cpu", "is too large");
    }
    share.memory_mib = demand.mem_per_cpu_mib * demand.cores_per_task;
  } else if (demand.mem_per_node_mib > 0) {
    share.memory_mib = (demand.mem_per_node_mib + slots - 1) / slots;
  }
  share.gpus = demand.gpus_per_task;
  if (demand.gpus_per_node > 0) {
    if (demand.gpus_per_task > 0) {
      return Status::Invalid("--gpus-per-node", "give GPUs per node or per task, not both");
    }
    if (demand.gpus_per_node % slots != 0) {
      return Status::Invalid("--gpus-per-node",
                             std::to_string(demand.gpus_per_node) + " GPUs do not split evenly "
                             "over the " + std::to_string(slots) + " tasks of a node: give -g "
                             "(GPUs per task) or a task count that divides them");
    }
    share.gpus = demand.gpus_per_node / slots;
  }
  return share;
}

}  // namespace converge::cli
