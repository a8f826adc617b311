// The per-job supervisor process (`converge shim`, and the small `converge-shim` binary the
// instance actually spawns): owns a job's tasks, enforces its time limit, and records how the
// tasks ended, so that the instance may die and come back without losing the job's fate.
//
// Files in `run_dir` for job ID (docs/formats/shim.md):
//   ID.spec.json    written by the instance before spawning the shim
//   ID.lock         the shim holds an exclusive flock on it for its whole life and writes its
//                   pid into it; whoever holds the lock decides the job's fate
//   ID.result.json  written by the shim (temp file + rename) after the last task ended
#pragma once

#include <cstdint>
#include <string>

namespace converge::exec {

// Exit codes of RunShim.
inline constexpr int kShimOk = 0;          // result written (whatever the tasks did)
inline constexpr int kShimLockBusy = 75;   // someone else holds ID.lock: nothing was run
inline constexpr int kShimBadSpec = 78;    // spec missing or invalid: nothing was run

// Runs the shim in the calling process. Signals: SIGTERM (and SIGINT) terminate the tasks:
// SIGTERM to each task's process group, SIGKILL after spec.grace_ms. Same on the deadline.
int RunShim(const std::string& run_dir, int64_t job_id);

}  // namespace converge::exec
