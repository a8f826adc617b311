#include "exec/launcher_shims.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace converge::exec {

namespace {

bool Set(const char* value) { return value != nullptr && *value != '\0'; }

}  // namespace

bool ShimsInclude(const char* shims, std::string_view launcher) {
  if (!Set(shims)) return false;
  const std::string text = std::string(",") + shims + ",";
  return text.find("," + std::string(launcher) + ",") != std::string::npos;
}

std::vector<std::string> LaunchersToEmulate(const std::vector<std::string>& asked,
                                            const GetEnv& getenv) {
  const char* shims = getenv(kShimsVariable);
  std::vector<std::string> launchers;
  for (const std::string& name : asked) {
    if (std::find(launchers.begin(), launchers.end(), name) != launchers.end()) continue;
    if (name == "srun" && Set(getenv("SLURM_JOB_ID")) && !ShimsInclude(shims, "srun")) continue;
    if (name == "flux" && Set(getenv("FLUX_URI"))) continue;
    if (name == "srun" || name == "flux") launchers.push_back(name);
  }
  return launchers;
}

Result<std::string> InstallShims(const std::string& parent, const std::string& converge_path,
                                 const std::vector<std::string>& launchers) {
  std::string folder = parent + "/shims-XXXXXX";
  if (::mkdtemp(folder.data()) == nullptr) {
    return Status(Code::kInternal, std::string("mkdtemp: ") + std::strerror(errno), folder);
  }
  for (const std::string& name : launchers) {
    const std::string link = folder + "/" + name;
    if (::symlink(converge_path.c_str(), link.c_str()) != 0) {
      return Status(Code::kInternal, std::string("symlink: ") + std::strerror(errno), link);
    }
  }
  return folder;
}

std::string SlurmCounts(const std::vector<int64_t>& counts) {
  std::string text;
  for (size_t i = 0; i < counts.size();) {
    size_t same = 1;
    while (i + same < counts.size() && counts[i + same] == counts[i]) ++same;
    if (!text.empty()) text += ',';
    text += std::to_string(counts[i]);
    if (same > 1) text += "(x" + std::to_string(same) + ")";
    i += same;
  }
  return text;
}

std::vector<std::string> ShimEnvironment(const std::vector<std::string>& launchers,
                                         const std::string& folder, const std::string& path,
                                         const ShimRequest& request, const BatchJobFacts& facts) {
  std::vector<std::string> env;
  if (launchers.empty()) return env;
  env.push_back("PATH=" + folder + (path.empty() ? "" : ":" + path));
  std::string names;
  for (const std::string& name : launchers) names += (names.empty() ? "" : ",") + name;
  env.push_back(std::string(kShimsVariable) + "=" + names);
  if (std::find(launchers.begin(), launchers.end(), "srun") == launchers.end()) return env;
  auto add = [&env](const char* name, const std::string& value) {
    if (!value.empty()) env.push_back(std::string(name) + "=" + value);
  };
  auto count = [](int64_t value) { return value > 0 ? std::to_string(value) : std::string(); };
  for (const char* name : {"SLURM_JOB_ID", "SLURM_JOBID"}) add(name, facts.job_id);
  add("SLURM_JOB_NAME", facts.job_name);
  if (facts.array_copy) add("SLURM_ARRAY_JOB_ID", facts.job_id);  // each copy has its own id
  for (const char* name : {"SLURM_JOB_NODELIST", "SLURM_NODELIST"}) add(name, facts.nodelist);
  for (const char* name : {"SLURM_JOB_NUM_NODES", "SLURM_NNODES"}) add(name, count(facts.nnodes));
  for (const char* name : {"SLURM_NTASKS", "SLURM_NPROCS"}) add(name, count(request.ntasks));
  add("SLURM_CPUS_PER_TASK", count(request.cpus_per_task));
  if (facts.nnodes > 0 && request.ntasks > 0) {
    // sbatch's block distribution: the first ntasks % nnodes nodes get one task more.
    std::vector<int64_t> tasks(static_cast<size_t>(facts.nnodes), request.ntasks / facts.nnodes);
    for (int64_t n = 0; n < request.ntasks % facts.nnodes; ++n) ++tasks[static_cast<size_t>(n)];
    add("SLURM_TASKS_PER_NODE", SlurmCounts(tasks));
  }
  add("SLURM_JOB_CPUS_PER_NODE", SlurmCounts(facts.cpus_per_node));
  add("SLURM_CPUS_ON_NODE", count(facts.cpus_on_node));
  add("SLURMD_NODENAME", facts.node);
  add("SLURM_SUBMIT_DIR", facts.submit_dir);
  add("SLURM_NODEID", "0");
  add("SLURM_PROCID", "0");
  add("SLURM_LOCALID", "0");
  return env;
}

}  // namespace converge::exec
