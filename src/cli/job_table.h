// Human renderings of jobs for `jobs`, `show`, `run` and `wait`, from the API's job objects
// (docs/api.md, "Job object"). Pure: the current time is an argument, and missing fields
// read as empty or zero.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace converge::cli {

// Two-letter state like `flux jobs`: D P S R C for active jobs (NEW reads as S); CD F CA TO
// once inactive.
std::string StateCode(const nlohmann::json& job);

// Seconds as `squeue` prints them: "0.4s" under a minute, then "M:SS", "H:MM:SS",
// "D-HH:MM:SS".
std::string FormatElapsed(double seconds);

// The job's run time: now - start while running, end - start once finished, "" before it
// started.
std::string RunTime(const nlohmann::json& job, double now);

// An epoch time in local time, "2026-11-28 14:03:07"; "-" for 0 (not yet).
std::string FormatTimestamp(double epoch);

// JOBID USER NAME ST NTASKS NNODES TIME INFO, one line per job. INFO: the node list; why the
// job waits (pending); the node list and "(exit 3: reason)" when it failed or timed out.
std::string FormatJobTable(const std::vector<nlohmann::json>& jobs, double now, bool header);

// A few aligned lines about one job: id, name, user, state, times, nodes, exit status, files.
std::string FormatJobSummary(const nlohmann::json& job, double now);

// One eventlog line: "2026-11-28 14:03:07.123456 finish {"status":0,...}" (context omitted
// when empty).
std::string FormatEvent(const nlohmann::json& event);

// How an inactive job ended, for `wait` and `run`: "completed", "failed, exit code 3",
// "failed, killed by signal 9 (Killed)", "canceled", "timeout", with ": reason" when the job
// has one.
std::string DescribeEnd(const nlohmann::json& job);

// The exit status `converge run` returns for an inactive job: 0 when it completed, else its
// exit code, else 128 + its signal, else 1.
int RunExitStatus(const nlohmann::json& job);

// An API error about job `id` as "job 12: already inactive": the message without its own
// "job 12 " / "job 12 is " opening.
std::string JobError(int64_t id, const std::string& message);

}  // namespace converge::cli
