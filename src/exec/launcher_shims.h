// Launcher shims: what makes Slurm and Flux batch scripts run unmodified inside `converge
// batch`. The nested instance puts links named `srun` and `flux` to the converge binary first
// on its initial program's PATH (converge translates their arguments: cli/launcher_args.h) and,
// for srun, gives the program the variables sbatch sets (SLURM_JOB_ID, SLURM_NTASKS, ...).
// Inside a real Slurm allocation the real srun is left alone, inside a real Flux instance the
// real flux.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace converge::exec {

// Set to the emulated launchers ("srun,flux") in the initial program's environment; it also
// tells that SLURM_* variables there are converge's, not a real allocation's.
inline constexpr const char* kShimsVariable = "CONVERGE_SHIMS";

// What the batch command asked for (`converge start --nested --shims ...`).
struct ShimRequest {
  std::vector<std::string> launchers;  // "srun", "flux"
  int64_t ntasks = 0;                  // SLURM_NTASKS; 0: not set
  int64_t cpus_per_task = 0;           // SLURM_CPUS_PER_TASK; 0: not set
};

// Facts about the batch job that sbatch's variables carry.
struct BatchJobFacts {
  std::string job_id;
  std::string job_name;
  std::string nodelist;    // hostlist of the job's nodes
  int64_t nnodes = 0;
  std::string node;        // this node's name
  int64_t cpus_on_node = 0;
  std::vector<int64_t> cpus_per_node;  // each node's cores, in nodelist order
  std::string submit_dir;  // where the job was submitted from
  bool array_copy = false;  // a copy of `--array` (SLURM_ARRAY_TASK_ID is set)
};

using GetEnv = std::function<const char*(const char*)>;

// Whether a kShimsVariable value ("srun,flux"; null = unset) names `launcher`.
bool ShimsInclude(const char* shims, std::string_view launcher);

// The launchers of `asked` to emulate here: srun unless this is a real Slurm allocation
// (SLURM_JOB_ID set without kShimsVariable naming srun), flux unless this is a real Flux
// instance (FLUX_URI set). Unknown names are dropped.
std::vector<std::string> LaunchersToEmulate(const std::vector<std::string>& asked,
                                            const GetEnv& getenv);

// Creates a new folder `parent`/shims-XXXXXX (mkdtemp: mode 0700) with a link to
// `converge_path` named after each launcher; returns its path. Errors name the path.
Result<std::string> InstallShims(const std::string& parent, const std::string& converge_path,
                                 const std::vector<std::string>& launchers);

// Slurm's compact list of per-node counts: {4, 4, 2} -> "4(x2),2".
std::string SlurmCounts(const std::vector<int64_t>& counts);

// The variables the initial program gets ("NAME=VALUE"): PATH with `folder` first (after
// `path`, the current PATH), kShimsVariable, and with srun the SLURM_* ones of sbatch.
std::vector<std::string> ShimEnvironment(const std::vector<std::string>& launchers,
                                         const std::string& folder, const std::string& path,
                                         const ShimRequest& request, const BatchJobFacts& facts);

}  // namespace converge::exec
