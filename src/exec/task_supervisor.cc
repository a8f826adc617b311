#include "exec/task_supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "exec/job_container.h"
#include "exec/run_files.h"
#include "exec/shim_signals.h"

namespace converge::exec {

namespace {

constexpr int kExecFailedCode = 127;

class Supervisor {
 public:
  Supervisor(TaskLauncher& launcher, JobContainer& container, const SupervisorOptions& options)
      : launcher_(launcher), container_(container), options_(options) {}

  ShimResult Run(const std::vector<TaskSpec>& tasks) {
    result_.start_ms = EpochMs();
    DrainSignals();  // a SIGTERM that arrived before the tasks start cancels them all
    if (options_.deadline_ms > 0 && result_.start_ms >= options_.deadline_ms) {
      result_.timed_out = true;
    }
    if (!result_.terminated && !result_.timed_out) StartAll(tasks);
    Wait();
    for (TaskService* service : options_.services) service->Finish();
    result_.end_ms = EpochMs();
    result_.container = container_.Describe();
    if (!result_.exec_error.empty()) {
      result_.exit_code = kExecFailedCode;  // the kills were ours, not the job's doing
      result_.signal = 0;
    } else if (abort_exit_code_) {
      result_.exit_code = *abort_exit_code_;  // the job said how it ends
      result_.signal = 0;
    }
    return result_;
  }

 private:
  // Starts `task` with what the services attach to it.
  Result<pid_t> Launch(const TaskSpec& task) {
    if (options_.services.empty()) return launcher_.Launch(task);
    TaskSpec attached = task;
    std::vector<int> inherit;
    TaskStreams streams;
    Status status;
    size_t attached_services = 0;
    for (TaskService* service : options_.services) {
      Result<TaskAttachment> attachment = service->Attach(task);
      if (!attachment.ok()) {
        status = attachment.status();
        break;
      }
      ++attached_services;
      std::vector<std::string> env = attachment->env;
      if (attachment->fd >= 0) {
        env.push_back(attachment->fd_variable + "=" +
                      std::to_string(kFirstInheritedFd + static_cast<int>(inherit.size())));
        inherit.push_back(attachment->fd);
      }
      if (attachment->stdout_fd >= 0) streams.stdout_fd = attachment->stdout_fd;
      if (attachment->stderr_fd >= 0) streams.stderr_fd = attachment->stderr_fd;
      for (const std::string& entry : env) SetVariable(attached.env, entry);
    }
    Result<pid_t> pid =
        status.ok() ? launcher_.Launch(attached, inherit, streams) : Result<pid_t>(status);
    for (size_t i = 0; i < attached_services; ++i) options_.services[i]->Launched(task);
    return pid;
  }

  // Sets "KEY=VALUE" in `env`, replacing KEY's entries.
  static void SetVariable(std::vector<std::string>& env, const std::string& entry) {
    const std::string prefix = entry.substr(0, entry.find('=') + 1);
    std::erase_if(env, [&](const std::string& item) { return item.rfind(prefix, 0) == 0; });
    env.push_back(entry);
  }

  // Stops the job once a service asked for it (first request wins). A job being stopped already
  // (cancel, deadline, tasks done) keeps that fate: its ranks losing PMI is our own doing.
  void CheckServices() {
    if (!result_.aborted.empty() || stopping_) return;
    for (TaskService* service : options_.services) {
      std::optional<ServiceAbort> abort = service->abort();
      if (!abort) continue;
      result_.aborted = abort->message;
      abort_exit_code_ = abort->exit_code;
      if (!tasks_done_) Stop();
      return;
    }
  }

  void StartAll(const std::vector<TaskSpec>& tasks) {
    for (const TaskSpec& task : tasks) {
      Result<pid_t> pid = Launch(task);
      if (!pid.ok()) {
        result_.exec_error = pid.status().message();
        break;
      }
      running_.insert(*pid);
    }
    if (!result_.exec_error.empty()) Kill();
  }

  // Sends `signal` to every process of the job not yet sent it (see JobContainer::Signal).
  void Signal(int signal) { container_.Signal(signal, launcher_.pgid()); }

  void Kill() {
    Signal(SIGKILL);
    if (!killed_) kill_at_ms_ = EpochMs();
    killed_ = stopping_ = true;
  }

  // Begins SIGTERM -> grace -> SIGKILL, once.
  void Stop() {
    if (stopping_) return;
    stopping_ = true;
    if (options_.grace_ms <= 0) {
      Kill();
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
        if (signo == ForwardSignal()) {  // `converge cancel -s SIG`: to the tasks, as it is
          const int forwarded = infos[i].ssi_int;
          if (forwarded >= 1 && forwarded <= 64 && !tasks_done_) {
            container_.Forward(forwarded, launcher_.pgid());
          }
          continue;
        }
        // Once the tasks ended by themselves, a cancel no longer changes the job's fate: what
        // is left is being stopped already.
        if ((signo == SIGTERM || signo == SIGINT) && !result_.timed_out && !tasks_done_) {
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
      container_.Reaped(pid);
      if (running_.erase(pid) == 0) continue;  // an orphan of the job, re-parented to us
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
    if (options_.warn_signal > 0 && !warned_ && !stopping_ && now >= options_.warn_ms) {
      warned_ = true;  // --signal=SIG@TIME: the time limit is near
      container_.Forward(options_.warn_signal, launcher_.pgid());
    }
    if (stopping_ && !killed_ && now >= kill_at_ms_) Kill();
    if (killed_ && now >= kill_at_ms_ + options_.kill_wait_ms) gave_up_ = true;
    int64_t wake = std::numeric_limits<int64_t>::max();
    if (options_.deadline_ms > 0 && !stopping_) wake = options_.deadline_ms - now;
    if (options_.warn_signal > 0 && !warned_ && !stopping_) {
      wake = std::min(wake, options_.warn_ms - now);
    }
    if (stopping_ && !killed_) wake = std::min(wake, kill_at_ms_ - now);
    if (killed_) wake = std::min(wake, kill_at_ms_ + options_.kill_wait_ms - now);
    if (wake == std::numeric_limits<int64_t>::max()) return -1;
    return static_cast<int>(std::clamp<int64_t>(wake, 0, std::numeric_limits<int>::max()));
  }

  // Until every task has been reaped and no other process of the job is left. Processes left
  // behind by tasks that ended by themselves are stopped like a cancelled job's (SIGTERM, SIGKILL
  // after the grace period). After SIGKILL, waits at most kill_wait_ms (a process in D state
  // outlives SIGKILL) and then records the survivors rather than hang.
  void Wait() {
    for (;;) {
      Reap();
      if (running_.empty()) {
        tasks_done_ = true;
        if (container_.Empty()) return;
        if (!stopping_) Stop();
      }
      if (stopping_) Signal(killed_ ? SIGKILL : SIGTERM);  // reaches newly re-parented orphans
      const int timeout = NextTimeout();
      if (gave_up_) return RecordSurvivors();
      std::vector<pollfd> descriptors = {{options_.signal_fd, POLLIN, 0}};
      if (container_.event_fd() >= 0) descriptors.push_back({container_.event_fd(), POLLPRI, 0});
      std::vector<size_t> service_begin;
      for (TaskService* service : options_.services) {
        service_begin.push_back(descriptors.size());
        service->AddPollFds(descriptors);
      }
      const int ready = ::poll(descriptors.data(), descriptors.size(), timeout);
      if (ready < 0 && errno != EINTR) {
        // Cannot wait for signals any more: do not leave tasks behind.
        Kill();
        int status;
        for (pid_t pid : running_) ::waitpid(pid, &status, 0);
        running_.clear();
        return;
      }
      for (size_t i = 0; ready > 0 && i < options_.services.size(); ++i) {
        const size_t end = i + 1 < service_begin.size() ? service_begin[i + 1] : descriptors.size();
        options_.services[i]->OnPoll(
            std::span<const pollfd>(descriptors).subspan(service_begin[i], end - service_begin[i]));
      }
      // cgroup.events stays readable until it is read again: consume the news, or poll() would
      // spin (100% of a CPU beside the tasks) until the job ends.
      if (descriptors.size() > 1 && descriptors[1].fd == container_.event_fd() &&
          descriptors[1].revents != 0) {
        container_.Empty();
      }
      CheckServices();
      DrainSignals();
    }
  }

  void RecordSurvivors() {
    const std::vector<pid_t> pids = container_.Survivors();
    result_.stray_processes = static_cast<int>(pids.size());
    std::string list;
    for (pid_t pid : pids) list += " " + std::to_string(pid);
    std::fprintf(stderr, "converge-shim: %zu process(es) of the job outlived SIGKILL for %lld ms "
                 "(%s):%s\n", pids.size(), static_cast<long long>(options_.kill_wait_ms),
                 container_.Describe().c_str(), list.c_str());
  }

  TaskLauncher& launcher_;
  JobContainer& container_;
  const SupervisorOptions& options_;
  ShimResult result_;
  std::set<pid_t> running_;
  bool stopping_ = false;
  bool killed_ = false;
  bool warned_ = false;  // the --signal warning went out
  bool tasks_done_ = false;  // every task has been reaped
  bool gave_up_ = false;     // kill_wait_ms passed after SIGKILL with processes left
  int64_t kill_at_ms_ = 0;   // when SIGKILL is (or was) due
  std::optional<int> abort_exit_code_;  // a service's abort named the job's exit code
};

}  // namespace

ShimResult SuperviseTasks(const std::vector<TaskSpec>& tasks, TaskLauncher& launcher,
                          JobContainer& container, const SupervisorOptions& options) {
  return Supervisor(launcher, container, options).Run(tasks);
}

}  // namespace converge::exec
