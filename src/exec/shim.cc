// The shim: starts a job's tasks, waits for them, enforces the deadline and termination, and
// records the outcome. Tasks start with posix_spawn in one new process group. When the shim
// runs as root and the job belongs to another user, posix_spawn cannot change the user, so the
// task is started with fork + setgroups/setgid/setuid + execve instead (the exec error travels
// back through a close-on-exec pipe). Signals are received through a signalfd: no handlers and
// no global state.
#include "exec/shim.h"

#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "exec/shim_spec.h"

namespace converge::exec {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ReadWholeFile(const std::string& path, bool* ok) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  *ok = fd >= 0;
  std::string text;
  if (fd < 0) return text;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return text;
}

bool WriteResult(const std::string& base, const ShimResult& result) {
  const std::string tmp = base + ".result.json.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const std::string text = ToJson(result);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok && ::rename(tmp.c_str(), (base + ".result.json").c_str()) == 0;
}

// argv[0] resolved against PATH from the task's environment, like execvp.
std::string ResolveProgram(const std::string& program, const std::vector<std::string>& env,
                           int* error) {
  *error = 0;
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) != 0) *error = errno;
    return program;
  }
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  }
  int first_error = ENOENT;
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = std::min(path.find(':', start), path.size());
    std::string dir = path.substr(start, colon - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    struct stat info;
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      first_error = EACCES;
    }
    start = colon + 1;
  }
  *error = first_error;
  return program;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

class Supervisor {
 public:
  Supervisor(const ShimSpec& spec, int out_fd, int err_fd, int signal_fd)
      : spec_(spec), out_fd_(out_fd), err_fd_(err_fd), signal_fd_(signal_fd) {}

  ShimResult Run() {
    result_.start_ms = NowMs();
    for (const TaskSpec& task : spec_.tasks) {
      if (!StartTask(task)) break;
    }
    if (!result_.exec_error.empty()) Signal(SIGKILL);
    Wait();
    result_.end_ms = NowMs();
    if (!result_.exec_error.empty()) result_.exit_code = std::max(result_.exit_code, 127);
    return result_;
  }

 private:
  bool StartTask(const TaskSpec& task) {
    int error = 0;
    std::string program = ResolveProgram(task.argv.front(), task.env, &error);
    if (error != 0) {
      result_.exec_error =
          "cannot execute '" + task.argv.front() + "': " + std::strerror(error);
      return false;
    }
    const bool switch_user = spec_.uid > 0 && ::geteuid() == 0 &&
                             static_cast<uid_t>(spec_.uid) != ::geteuid();
    pid_t pid = switch_user ? ForkAsUser(program, task, &error) : Spawn(program, task, &error);
    if (pid <= 0) {
      result_.exec_error =
          "cannot execute '" + task.argv.front() + "': " + std::strerror(error);
      return false;
    }
    if (pgid_ == 0) pgid_ = pid;
    tasks_[pid] = task.rank;
    return true;
  }

  pid_t Spawn(const std::string& program, const TaskSpec& task, int* error) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd_, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd_, 2);
    if (!spec_.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec_.cwd.c_str());
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGTERM, SIGINT, SIGCHLD, SIGPIPE, SIGHUP, SIGQUIT}) sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setpgroup(&attributes, pgid_);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF);
    cpu_set_t saved;
    const bool bind = !task.cpus.empty() && BindSelf(task.cpus, &saved);
    std::vector<std::string> argv = task.argv;
    std::vector<std::string> env = task.env;
    std::vector<char*> argv_c = CStrings(argv);
    std::vector<char*> env_c = CStrings(env);
    pid_t pid = 0;
    *error = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv_c.data(),
                           env_c.data());
    if (bind) ::sched_setaffinity(0, sizeof saved, &saved);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return *error == 0 ? pid : -1;
  }

  pid_t ForkAsUser(const std::string& program, const TaskSpec& task, int* error) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      *error = errno;
      return -1;
    }
    std::vector<std::string> argv = task.argv;
    std::vector<std::string> env = task.env;
    std::vector<char*> argv_c = CStrings(argv);
    std::vector<char*> env_c = CStrings(env);
    pid_t pid = ::fork();
    if (pid == 0) {
      sigset_t none;
      sigemptyset(&none);
      for (int s : {SIGTERM, SIGINT, SIGCHLD, SIGPIPE, SIGHUP, SIGQUIT}) ::signal(s, SIG_DFL);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::setpgid(0, pgid_);
      cpu_set_t saved;
      if (!task.cpus.empty()) BindSelf(task.cpus, &saved);
      int null_fd = ::open("/dev/null", O_RDONLY);
      ::dup2(null_fd, 0);
      ::dup2(out_fd_, 1);
      ::dup2(err_fd_, 2);
      int failure = 0;
      if (!spec_.cwd.empty() && ::chdir(spec_.cwd.c_str()) != 0) failure = errno;
      if (failure == 0 && ::setgroups(0, nullptr) != 0) failure = errno;
      if (failure == 0 && spec_.gid >= 0 && ::setgid(static_cast<gid_t>(spec_.gid)) != 0) {
        failure = errno;
      }
      if (failure == 0 && ::setuid(static_cast<uid_t>(spec_.uid)) != 0) failure = errno;
      if (failure == 0) {
        ::execve(program.c_str(), argv_c.data(), env_c.data());
        failure = errno;
      }
      ssize_t ignored = ::write(pipe_fds[1], &failure, sizeof failure);
      (void)ignored;
      ::_exit(127);
    }
    ::close(pipe_fds[1]);
    if (pid < 0) {
      *error = errno;
      ::close(pipe_fds[0]);
      return -1;
    }
    int failure = 0;
    ssize_t n = ::read(pipe_fds[0], &failure, sizeof failure);
    ::close(pipe_fds[0]);
    if (n == sizeof failure) {
      *error = failure;
      ::waitpid(pid, nullptr, 0);
      return -1;
    }
    return pid;
  }

  static bool BindSelf(const std::vector<int>& cpus, cpu_set_t* saved) {
    if (::sched_getaffinity(0, sizeof *saved, saved) != 0) return false;
    cpu_set_t wanted;
    CPU_ZERO(&wanted);
    for (int cpu : cpus) {
      if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &wanted);
    }
    return ::sched_setaffinity(0, sizeof wanted, &wanted) == 0;
  }

  void Signal(int signal) {
    if (pgid_ > 0) ::killpg(pgid_, signal);
  }

  void Reap() {
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (!tasks_.erase(pid)) continue;
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

  // Begins the SIGTERM -> grace -> SIGKILL sequence once.
  void BeginStop() {
    if (kill_at_ms_ != 0) return;
    Signal(SIGTERM);
    kill_at_ms_ = NowMs() + std::max<int64_t>(spec_.grace_ms, 0);
  }

  void Wait() {
    while (!tasks_.empty()) {
      const int64_t now = NowMs();
      if (spec_.deadline_ms > 0 && now >= spec_.deadline_ms && !result_.timed_out &&
          !result_.terminated) {
        result_.timed_out = true;
        BeginStop();
      }
      if (kill_at_ms_ != 0 && now >= kill_at_ms_ && !killed_) {
        killed_ = true;
        Signal(SIGKILL);
      }
      int64_t wake = -1;
      if (spec_.deadline_ms > 0 && !result_.timed_out) wake = spec_.deadline_ms - now;
      if (kill_at_ms_ != 0 && !killed_) {
        int64_t until_kill = kill_at_ms_ - now;
        wake = wake < 0 ? until_kill : std::min(wake, until_kill);
      }
      pollfd descriptor{signal_fd_, POLLIN, 0};
      int timeout = wake < 0 ? -1 : static_cast<int>(std::clamp<int64_t>(wake, 0, 1 << 30));
      int ready = ::poll(&descriptor, 1, timeout);
      if (ready > 0) {
        signalfd_siginfo info;
        while (::read(signal_fd_, &info, sizeof info) == sizeof info) {
          if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) {
            if (!result_.timed_out) result_.terminated = true;
            BeginStop();
          }
        }
      }
      Reap();
    }
  }

  const ShimSpec& spec_;
  int out_fd_;
  int err_fd_;
  int signal_fd_;
  pid_t pgid_ = 0;
  std::map<pid_t, int> tasks_;  // pid -> rank
  ShimResult result_;
  int64_t kill_at_ms_ = 0;
  bool killed_ = false;
};

int OpenOutput(const std::string& path, const ShimSpec& spec, std::string* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot open output " + path + ": " + std::strerror(errno);
    return -1;
  }
  if (spec.uid > 0 && ::geteuid() == 0) {
    if (::fchown(fd, static_cast<uid_t>(spec.uid), static_cast<gid_t>(spec.gid)) != 0) {
      // Not fatal: the file stays root's, the job can still write through this descriptor.
    }
  }
  return fd;
}

}  // namespace

int RunShim(const std::string& run_dir, int64_t job_id) {
  const std::string base = run_dir + "/" + std::to_string(job_id);
  int lock_fd = ::open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) return kShimLockBusy;
  const std::string pid_text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd, 0) != 0 ||
      ::pwrite(lock_fd, pid_text.data(), pid_text.size(), 0) !=
          static_cast<ssize_t>(pid_text.size())) {
    return kShimBadSpec;
  }

  bool read_ok = false;
  std::string text = ReadWholeFile(base + ".spec.json", &read_ok);
  Result<ShimSpec> spec = read_ok ? ShimSpecFromJson(text)
                                  : Result<ShimSpec>(Status::Invalid("spec", "missing"));
  if (!spec.ok()) {
    ShimResult failed;
    failed.exit_code = 127;
    failed.exec_error = "bad job spec: " + spec.status().ToString();
    failed.start_ms = failed.end_ms = NowMs();
    WriteResult(base, failed);
    return kShimBadSpec;
  }

  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGCHLD, SIGTERM, SIGINT}) sigaddset(&handled, s);
  ::sigprocmask(SIG_BLOCK, &handled, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  int signal_fd = ::signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);

  ShimResult result;
  std::string error;
  int out_fd = OpenOutput(spec->stdout_path, *spec, &error);
  int err_fd = out_fd < 0                                   ? -1
               : spec->stderr_path == spec->stdout_path ? ::dup(out_fd)
                                                          : OpenOutput(spec->stderr_path,
                                                                       *spec, &error);
  if (out_fd < 0 || err_fd < 0 || signal_fd < 0) {
    result.exit_code = 127;
    result.exec_error = error.empty() ? "cannot set up the job's signals" : error;
    result.start_ms = result.end_ms = NowMs();
  } else {
    ::fcntl(err_fd, F_SETFD, FD_CLOEXEC);
    result = Supervisor(*spec, out_fd, err_fd, signal_fd).Run();
  }
  if (out_fd >= 0) ::close(out_fd);
  if (err_fd >= 0) ::close(err_fd);
  return WriteResult(base, result) ? kShimOk : kShimBadSpec;
}

}  // namespace converge::exec
