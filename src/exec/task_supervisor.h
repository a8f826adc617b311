// SuperviseTasks: the shim's main loop. Starts a job's tasks in its JobContainer, waits for every
// one of them, and stops them on the deadline or on SIGTERM/SIGINT: SIGTERM (+SIGCONT) to every
// process of the job, then SIGKILL after the grace period. It returns only when no process of
// the job is left (job_container.h): what the tasks left behind when they ended by themselves is
// stopped the same way; after SIGKILL it waits at most kill_wait_ms and then reports the
// survivors (ShimResult::stray_processes, and a line on stderr) instead of hanging. Waiting is event-driven: one poll() on a signalfd
// whose timeout is the next deadline or escalation time; no fixed-delay polling.
//
// Runs in the single-threaded shim process. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "exec/job_container.h"
#include "exec/shim_spec.h"
#include "exec/task_launcher.h"
#include "exec/task_service.h"

namespace converge::exec {

struct SupervisorOptions {
  int signal_fd = -1;       // signalfd for SIGCHLD, SIGTERM and SIGINT (non-blocking)
  int64_t deadline_ms = 0;  // epoch ms at which the tasks are stopped (timed_out); 0 = never
  int warn_signal = 0;      // sent to the tasks once at warn_ms (epoch ms); 0 = none
  int64_t warn_ms = 0;
  int64_t grace_ms = 5000;  // SIGTERM -> SIGKILL delay
  int64_t kill_wait_ms = 10000;  // after SIGKILL, how long to wait for the job's processes
  // Served to the tasks while they run (task_service.h), polled beside the signalfd; not owned.
  // A service's abort stops the job like a cancel and is recorded in ShimResult::aborted.
  std::vector<TaskService*> services;
};

// Runs `tasks` to completion and returns how they ended (ShimResult fields, start_ms and
// end_ms included). If a task cannot be started, the ones already running are killed, nothing
// more is started, and the result has exec_error set and exit_code 127 (signal 0).
// A SIGTERM/SIGINT already pending, or a deadline already past, starts nothing.
// REQUIRES: SIGCHLD, SIGTERM and SIGINT are blocked and routed to options.signal_fd; the
// process has no children other than the tasks started here and their orphans (all children
// are reaped); `container` was made by this process before any task started.
ShimResult SuperviseTasks(const std::vector<TaskSpec>& tasks, TaskLauncher& launcher,
                          JobContainer& container, const SupervisorOptions& options);

}  // namespace converge::exec
