// The per-job supervisor process (`converge shim`, and the small `converge-shim` binary the
// instance actually spawns): owns a job's tasks, enforces its time limit, and records how the
// tasks ended, so that the instance may die and come back without losing the job's fate.
//
// Files in `run_dir` for job ID (docs/formats/shim.md):
//   ID.spec.json    written by the instance before spawning the shim
//   ID.lock         the shim holds an exclusive flock on it for its whole life and writes its
//                   pid into it; whoever holds the lock decides the job's fate
//   ID.result.json  written by the shim (temp file + fdatasync + rename) after the last task
//                   ended
//   ID.shim.log     the shim's stderr, when the executor keeps it (LocalExecutorOptions)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "exec/shim_spec.h"
#include "exec/task_service.h"

namespace converge::exec {

// Exit codes of RunShim and of the converge-shim binary.
inline constexpr int kShimOk = 0;         // result written (whatever the tasks did)
inline constexpr int kShimUsage = 64;     // converge-shim only: bad command line
inline constexpr int kShimIoError = 74;   // run folder, lock or result file unusable (see stderr)
inline constexpr int kShimLockBusy = 75;  // someone else holds ID.lock, or the job already has a
                                          // result: nothing was run
inline constexpr int kShimBadSpec = 78;   // spec missing (no result written) or invalid (a result
                                          // with exec_error written): nothing was run

// Runs the shim in the calling process. Signals: SIGTERM (and SIGINT) terminate the tasks:
// SIGTERM to each task's process group, SIGKILL after spec.grace_ms. Same on the deadline.
// The shim takes the process over while it runs: it blocks SIGCHLD/SIGTERM/SIGINT (restored on
// return), reaps every child, changes the working directory to spec.cwd and its CPU affinity
// while starting tasks. Call it only in a process of its own (converge-shim, `converge shim`).
// The lock is released when RunShim returns.
// `make_pmix` makes the PMIx service of a job whose spec offers "pmix" (ShimSpec::pmi); only
// converge-shim-pmix, linked with libpmix, passes one. Without it such a job fails to start
// (exec_error) rather than run without the PMI its tasks expect.
using PmixServiceFactory = std::function<Result<std::unique_ptr<TaskService>>(
    const ShimSpec& spec, const std::string& run_dir)>;
int RunShim(const std::string& run_dir, int64_t job_id, const PmixServiceFactory& make_pmix = {});

// The command line of the shim binaries, `NAME RUN_DIR JOB_ID`: the job id (a positive
// integer), or 0 after printing a usage line naming `name` to stderr.
int64_t ShimJobIdArgument(const char* name, int argc, char** argv);

}  // namespace converge::exec
