// The Slurm bootstrap of a multi-node instance: `converge start` inside an allocation
// (SLURM_JOB_ID and SLURM_JOB_NODELIST set) starts one agent per allocated node with a single
// `srun --overlap -N<nodes> -n<nodes> --ntasks-per-node=1 converge agent …` step, as Flux does
// under Slurm, and waits for them like the static bootstrap. Slurm binds each agent to the
// allocation's cpus on its node, and the agent reports only those (resource/readers/hwloc.h). Reads the environment and the state
// folder; thread-safe (no shared state).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace converge::instance {

struct SlurmAgents {
  std::vector<std::string> hosts;   // SLURM_JOB_NODELIST, expanded (agents' SLURMD_NODENAME)
  std::string listen;               // tcp:ADDR:PORT the agents register at
  std::vector<std::string> launch;  // the srun step; empty when a recorded one still runs
  std::vector<std::pair<std::string, std::string>> properties;  // {"partition", …}
};

// nullopt outside an allocation, and inside a `converge batch` job whose SLURM_* variables are
// converge's own (CONVERGE_SHIMS names srun: launcher_shims.h). `listen` is the caller's tcp
// --listen address, if any ("" = this host's address and a free port). A step recorded in
// STATE/agents.step whose srun still runs (the leader restarted) is reused with its address.
// Errors: kInvalidArgument for a nodelist that does not parse (where = SLURM_JOB_NODELIST).
Result<std::optional<SlurmAgents>> DetectSlurmAllocation(const std::string& state_dir,
                                                         const std::string& converge_path,
                                                         const std::string& listen);

// Records the srun step of the agents (pid and leader address) in STATE/agents.step, so that a
// restarted leader reuses it. Errors: kInternal when the file cannot be written.
Status RecordAgentStep(const std::string& state_dir, int64_t pid, const std::string& listen);

// Ends the recorded srun step of the agents (SIGTERM, which srun forwards to them) and removes
// the record. No-op when there is none or its srun is gone.
void EndRecordedAgentStep(const std::string& state_dir);

}  // namespace converge::instance
