// TaskService: something the shim serves a job's tasks while they run, over a descriptor each
// task inherits (a PMI server; PMI-1 simple today, PMIx beside it). SuperviseTasks
// (task_supervisor.h) asks each service what to add to a task before starting it, polls the
// services' descriptors beside its signalfd, and stops the job when a service asks it to.
//
// Single-threaded: every method is called from the shim's main loop. Implementations must never
// block (their descriptors are non-blocking) and must bound what a misbehaving task can make
// them hold.
#pragma once

#include <poll.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "exec/shim_spec.h"

namespace converge::exec {

// What a task gets from a service.
struct TaskAttachment {
  std::vector<std::string> env;  // "KEY=VALUE", replacing the task's own KEY
  int fd = -1;                   // the task's end, or -1; the launcher places it at some number N
  std::string fd_variable;       // with fd: the variable set to N (e.g. "PMI_FD")
  // The task's own stdout and stderr instead of the job's (-1: the job's); the service keeps
  // them, and closes them in Launched.
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// A service's request to end the job (the tasks are stopped as on cancel).
struct ServiceAbort {
  std::optional<int> exit_code;  // the job's exit code, when the task named one
  std::string message;           // why, for the job's record
};

class TaskService {
 public:
  virtual ~TaskService() = default;

  // Before `task` starts. An error fails the job's start (exec_error).
  virtual Result<TaskAttachment> Attach(const TaskSpec& task) = 0;
  // After the attempt to start `task` (whether it started or not): the service closes its copy
  // of the task's end, so that the task's exit is seen as EOF.
  virtual void Launched(const TaskSpec& task) = 0;
  // Appends the descriptors to poll, with the events wanted.
  virtual void AddPollFds(std::vector<pollfd>& fds) = 0;
  // `fds` holds exactly the entries AddPollFds appended, with revents set.
  virtual void OnPoll(std::span<const pollfd> fds) = 0;
  // Set once the service wants the job ended.
  virtual std::optional<ServiceAbort> abort() const = 0;
  // Once every process of the job is gone, before SuperviseTasks returns: a last chance to
  // read what the tasks left in the service's descriptors.
  virtual void Finish() {}
};

}  // namespace converge::exec
