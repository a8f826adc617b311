// Human renderings of jobs for `converge jobs` and `converge show`, from the API's job
// objects (docs/api.md). Pure: the current time is an argument.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace converge::cli {

// Two-letter state like `flux jobs`: D PR S R C for active jobs; CD F CA TO when inactive.
std::string StateCode(const nlohmann::json& job);

// "1:02:03", "4:05", "0.3s"; "" for a job that has not started.
std::string RunTime(const nlohmann::json& job, double now);

// JOBID USER NAME ST NTASKS NNODES TIME INFO, one line per job (INFO: the node list, or why
// the job waits, or why it failed).
std::string FormatJobTable(const std::vector<nlohmann::json>& jobs, double now, bool header);

// A few aligned lines about one job: id, user, name, state, times, nodes, exit status.
std::string FormatJobSummary(const nlohmann::json& job, double now);

}  // namespace converge::cli
