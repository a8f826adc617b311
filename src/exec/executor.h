// Executor: how the instance runs a job's tasks, wherever they run. JobManager and recovery
// use only this interface; LocalExecutor runs shims on this machine, a multi-node executor
// reaches other nodes through their agents, and tests substitute a fake (exec_testing.h).
//
// Contract shared by every implementation:
// - Start() is called once per job start (again for the same job only after Reattach() said
//   kLost); the exit callback given at construction then fires exactly once for that job,
//   on the owner's event loop, unless Forget() came first.
// - Reattach() after an instance restart never runs a job twice: a job is kRunning (its exit
//   will be reported), kFinished (here is its result) or kLost (it can never run any more
//   under the old start; a late one exits without running anything).
// - Forget() is called once the end of the job is durable; files and results of the job may
//   go then.
// Not thread-safe: the owner's event loop thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>

#include "common/status.h"
#include "exec/shim_spec.h"

namespace converge::exec {

class Executor {
 public:
  // Called once per job when its tasks ended: the result, or an error Status whose message
  // says why there is none (e.g. "shim exited with 78 without a result").
  using ExitCallback = std::function<void(int64_t job_id, Result<ShimResult> result)>;

  enum class ReattachState { kRunning, kFinished, kLost };
  struct Reattached {
    ReattachState state = ReattachState::kLost;
    ShimResult result;  // kFinished only
  };

  virtual ~Executor() = default;

  // Starts the job's tasks. Errors: kInternal (could not start, with the cause);
  // kInvalidArgument if the job is already running here.
  virtual Status Start(const ShimSpec& spec) = 0;
  // Asks the job's tasks to end (SIGTERM, then SIGKILL after spec.grace_ms). No-op if unknown.
  virtual void Terminate(int64_t job_id) = 0;
  // Sends `signo` to the job's tasks as they are (no grace, no end of the job). Errors:
  // kNotFound when the job does not run here; kInvalidArgument (where "id") when its tasks
  // have not started; kInternal when the signal cannot be sent.
  virtual Status Signal(int64_t job_id, int signo) = 0;
  // For a job the store says was running: decides its fate without ever running it twice.
  virtual Reattached Reattach(int64_t job_id) = 0;
  // The job's end is durable: drop what is kept for it. Its exit will not be reported any more.
  virtual void Forget(int64_t job_id) = 0;
  // Jobs whose exit is still to be reported.
  virtual size_t running_count() const = 0;
  // The session id of the job's processes on this machine (their supervisor leads it), or 0
  // when none runs here or it is not known yet.
  virtual pid_t ShimPid(int64_t job_id) const = 0;
};

}  // namespace converge::exec
