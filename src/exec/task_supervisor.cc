#include "exec/task_supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <set>

#include "exec/run_files.h"

namespace converge::exec {

namespace {

constexpr int kExecFailedCode = 127;

class Supervisor {
 public:
  Supervisor(TaskLauncher& launcher, const SupervisorOptions& options)
      : launcher_(launcher), options_(options) {}

  ShimResult Run(const std::vector<TaskSpec>& tasks) {
    result_.start_ms = EpochMs();
    DrainSignals();  // a SIGTERM that arrived before the tasks start cancels them all
    if (options_.deadline_ms > 0 && result_.start_ms >= options_.deadline_ms) {
      result_.timed_out = true;
    }
    if (!result_.terminated && !result_.timed_out) StartAll(tasks);
    Wait();
    result_.end_ms = EpochMs();
    if (!result_.exec_error.empty()) {
      result_.exit_code = kExecFailedCode;  // the kills were ours, not the job's doing
      result_.signal = 0;
    }
    return result_;
  }

 private:
  void StartAll(const std::vector<TaskSpec>& tasks) {
    for (const TaskSpec& task : tasks) {
      Result<pid_t> pid = launcher_.Launch(task);
      if (!pid.ok()) {
        result_.exec_error = pid.status().message();
        Signal(SIGKILL);
        return;
      }
      running_.insert(*pid);
    }
  }

  // Sends `signal` to the job's process group (no-op before the first task started).
  void Signal(int signal) {
    if (launcher_.pgid() > 0) ::killpg(launcher_.pgid(), signal);
  }

  // Begins SIGTERM -> grace -> SIGKILL, once.
  void Stop() {
    if (stopping_) return;
    stopping_ = true;
    if (options_.grace_ms <= 0) {
      Signal(SIGKILL);
      killed_ = true;
      return;
    }
    Signal(SIGTERM);
    Signal(SIGCONT);  // a stopped task must run to see SIGTERM
    kill_at_ms_ = EpochMs() + options_.grace_ms;
  }

  // Reads every queued signal: SIGTERM/SIGINT start stopping the job, SIGCHLD reaps.
  void DrainSignals() {
    signalfd_siginfo infos[16];
    for (;;) {
      ssize_t n = ::read(options_.signal_fd, infos, sizeof infos);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (size_t i = 0; i < static_cast<size_t>(n) / sizeof infos[0]; ++i) {
        const int signo = static_cast<int>(infos[i].ssi_signo);
        if ((signo == SIGTERM || signo == SIGINT) && !result_.timed_out) {
          result_.terminated = true;
          Stop();
        }
      }
    }
    Reap();
  }

  void Reap() {
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (running_.erase(pid) == 0) continue;
      int code = 0;
      if (WIFEXITED(status)) {
        code = WEXITSTATUS(status);
      } else if (WIFSIGNALED(status)) {
        code = 128 + WTERMSIG(status);
        if (result_.signal == 0) result_.signal = WTERMSIG(status);
      }
      result_.exit_code = std::max(result_.exit_code, code);
    }
  }

  // Milliseconds poll() may sleep before the next deadline or escalation (-1: no limit);
  // applies the ones that are due.
  int NextTimeout() {
    const int64_t now = EpochMs();
    if (options_.deadline_ms > 0 && !stopping_ && now >= options_.deadline_ms) {
      result_.timed_out = true;
      Stop();
    }
    if (stopping_ && !killed_ && now >= kill_at_ms_) {
      Signal(SIGKILL);
      killed_ = true;
    }
    int64_t wake = std::numeric_limits<int64_t>::max();
    if (options_.deadline_ms > 0 && !stopping_) wake = options_.deadline_ms - now;
    if (stopping_ && !killed_) wake = std::min(wake, kill_at_ms_ - now);
    if (wake == std::numeric_limits<int64_t>::max()) return -1;
    return static_cast<int>(std::clamp<int64_t>(wake, 0, std::numeric_limits<int>::max()));
  }

  void Wait() {
    while (!running_.empty()) {
      pollfd descriptor{options_.signal_fd, POLLIN, 0};
      if (::poll(&descriptor, 1, NextTimeout()) < 0 && errno != EINTR) {
        // Cannot wait for signals any more: do not leave tasks behind.
        Signal(SIGKILL);
        killed_ = true;
        int status;
        for (pid_t pid : running_) ::waitpid(pid, &status, 0);
        running_.clear();
        break;
      }
      DrainSignals();
    }
  }

  TaskLauncher& launcher_;
  const SupervisorOptions& options_;
  ShimResult result_;
  std::set<pid_t> running_;
  bool stopping_ = false;
  bool killed_ = false;
  int64_t kill_at_ms_ = 0;
};

}  // namespace

ShimResult SuperviseTasks(const std::vector<TaskSpec>& tasks, TaskLauncher& launcher,
                          const SupervisorOptions& options) {
  return Supervisor(launcher, options).Run(tasks);
}

}  // namespace converge::exec
