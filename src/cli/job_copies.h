// Job copies: `--cc IDSET` (Flux) and `--array` (Slurm) on submit and batch make one job per
// index, with `{cc}` in the command, name and output names replaced by it; and the POSTs that
// send many jobspecs under the API's body limit.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/client.h"
#include "cli/job_options.h"
#include "common/status.h"

namespace converge::cli {

// Registers --cc and --array (writing options->cc / options->array) and adds them to `given`
// under those names.
void AddCopyOptions(CLI::App* command, JobOptions* options,
                    std::map<std::string, CLI::Option*>* given);

// Builds one job's jobspec from its options and command.
using BuildOne = std::function<Result<nlohmann::json>(const JobOptions&,
                                                      const std::vector<std::string>&)>;

// The jobspecs of a job's copies, each made when asked for: `at(i)` for i < count.
struct JobCopies {
  size_t count = 0;
  std::function<Result<std::string>(size_t i)> at;
};

// One jobspec per --cc or --array index (none given: one for the job itself). Each copy's
// environment says its index (CONVERGE_CC, as Flux's FLUX_JOB_CC; for --array also Slurm's
// SLURM_ARRAY_TASK_ID and the range's SLURM_ARRAY_TASK_MIN/MAX/COUNT). Errors name --cc or
// --array: both given, a bad set, more than jobspec::kMaxCopies.
Result<std::vector<std::string>> CopyJobspecs(const JobOptions& options,
                                              const std::vector<std::string>& command,
                                              const BuildOne& build);
// The same, made one at a time (so that sending the first ones overlaps making the rest); the
// set and the first and last copies are checked here, with the errors of CopyJobspecs.
Result<JobCopies> JobspecCopies(const JobOptions& options,
                                const std::vector<std::string>& command,
                                const BuildOne& build);

// POSTs `specs` to /v1/jobs as JSON arrays, as few as the API's limits allow, and calls
// `on_id` with each new job's id in order. Returns the exit status (Fail(`verb`, ...) on an
// error; the jobs of earlier POSTs stay submitted).
int SubmitJobspecs(Session& session, const std::vector<std::string>& specs,
                   const std::string& verb,
                   const std::function<void(const nlohmann::json&)>& on_id);
// The same for copies made as they are sent.
int SubmitCopies(Session& session, const JobCopies& copies, const std::string& verb,
                 const std::function<void(const nlohmann::json&)>& on_id);

}  // namespace converge::cli
