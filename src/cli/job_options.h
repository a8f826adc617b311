// JobOptions: the flags shared by submit, run and batch (Flux and Slurm spellings), and the
// jobspec they compile to.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/status.h"

namespace converge::cli {

struct JobOptions {
  int64_t nodes = 0;
  int64_t ntasks = 0;                   // 0: one per node (-N), else 1
  int64_t cores_per_task = 1;
  int64_t gpus_per_task = 0;
  bool exclusive = false;
  std::string time_limit;               // FSD ("30s", "2h") or Slurm ("MM", "H:MM:SS", "D-H")
  std::string queue;
  std::string job_name;
  std::string cwd;                      // default: the current directory
  std::vector<std::string> env;         // KEY=VALUE, added to the copied environment
  bool env_none = false;                // do not copy this environment
  std::string output;                   // templates with {{id}}
  std::string error;
  std::vector<std::string> dependency;  // afterok:ID[:ID...][,afterany:ID...]
  int64_t priority = -1;                // 0..31; -1 = the instance's default
};

// Registers the flags on `command`, writing into `options` (which must outlive it). The
// returned map names each option by its field, for "was it given on the command line".
std::map<std::string, CLI::Option*> AddJobOptions(CLI::App* command, JobOptions* options);

// Copies into `into` every field whose option was given (count() > 0) in `given`.
void OverrideGiven(const JobOptions& from, const std::map<std::string, CLI::Option*>& given,
                   JobOptions* into);

// Seconds of a time limit: "30" (minutes, as in Flux and Slurm), "90s", "1.5h", "MM:SS",
// "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS". Errors name the rule.
Result<double> ParseTimeLimit(const std::string& text);

// The jobspec (JSON) for `options` running `command`. Errors name the flag.
Result<nlohmann::json> BuildJobspec(const JobOptions& options,
                                    const std::vector<std::string>& command);

}  // namespace converge::cli
