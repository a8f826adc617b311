// TaskHook: a service the shim runs beside a job's tasks for as long as they run (a PMI server
// such as PmixTaskHook). It adds to each task's environment before the task starts, and may
// give the supervisor a descriptor to poll: when it is readable the supervisor calls
// OnReadable() on its own thread, and the hook may answer that the job must end (an MPI
// abort). The supervisor owns no hook; the caller keeps it alive while SuperviseTasks runs.
// Not thread-safe: the shim's thread only.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "exec/shim_spec.h"

namespace converge::exec {

// A task asked for the whole job to end (PMIx_Abort, MPI_Abort).
struct JobAbort {
  int rank = 0;
  int status = 1;       // the exit code the job gets
  std::string message;  // the task's own words
};

class TaskHook {
 public:
  virtual ~TaskHook() = default;
  // Adds what the task needs (e.g. PMIX_* variables) to `task.env`, replacing variables of the
  // same name. Called once per task, just before it starts. An error stops the job as a task
  // that cannot start does (ShimResult::exec_error).
  virtual Status PrepareTask(TaskSpec& task) = 0;
  // A descriptor to poll for POLLIN while the tasks run, or -1.
  virtual int poll_fd() const = 0;
  // Called when poll_fd() is readable: a JobAbort when a task asked the job to end.
  virtual std::optional<JobAbort> OnReadable() = 0;
};

// Sets "KEY=VALUE" `variable` in `env`, replacing an earlier value of KEY.
void SetVariable(std::vector<std::string>& env, const std::string& variable);

}  // namespace converge::exec
