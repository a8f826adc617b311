#include "exec/task_launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <utility>

#include "exec/run_files.h"

namespace converge::exec {

namespace {

// What a forked child was doing when it failed (sent with errno through the report pipe).
enum class ChildStep : int { kSetup = 1, kSwitchUser, kChdir, kExec };

struct ChildFailure {
  int step = 0;
  int error = 0;
};

// Runs `try_one(path)` (which returns an errno, or does not return on success) for each
// candidate with execvp's rules: a missing entry moves on; EACCES is remembered and moves on;
// any other error stops. Entries that do not exist are skipped without trying them when there
// is more than one (an access() is much cheaper than a failed spawn). Allocates nothing, so it
// may run in a forked child. Returns the errno to report.
template <typename TryOne>
int ExecvpLike(const std::vector<std::string>& candidates, TryOne try_one) {
  bool saw_eacces = false;
  for (const std::string& path : candidates) {
    if (candidates.size() > 1 && ::access(path.c_str(), F_OK) != 0 &&
        (errno == ENOENT || errno == ENOTDIR)) {
      continue;
    }
    int error = try_one(path);
    if (error == 0) return 0;
    switch (error) {
      case EACCES:
        saw_eacces = true;
        continue;
      case ENOENT:
      case ENOTDIR:
      case ESTALE:
      case ENODEV:
      case ETIMEDOUT:
        continue;
      default:
        return error;
    }
  }
  return saw_eacces ? EACCES : ENOENT;
}

// Pointers into `strings` followed by a null, as exec wants them.
std::vector<char*> CArray(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& text : strings) pointers.push_back(const_cast<char*>(text.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

std::string CpuList(const std::vector<int>& cpus) {
  std::string text;
  for (int cpu : cpus) text += (text.empty() ? "" : ",") + std::to_string(cpu);
  return text;
}

// Makes `from` the descriptor `to` in a forked child, without close-on-exec.
bool MoveFd(int from, int to) {
  if (from == to) return ::fcntl(to, F_SETFD, 0) == 0;
  return ::dup2(from, to) == to;
}

// In a forked child: sends {step, error} to the parent and exits.
[[noreturn]] void ReportAndExit(int report_fd, ChildStep step, int error) {
  ChildFailure failure{static_cast<int>(step), error};
  ssize_t ignored = ::write(report_fd, &failure, sizeof failure);
  (void)ignored;
  ::_exit(127);
}

// The forked child of ForkTask: becomes the task or reports why it cannot. Only
// async-signal-safe calls: the shim is single-threaded, but keep it that way regardless.
[[noreturn]] void BecomeTask(const LaunchSetup& setup, bool join_cgroup, pid_t pgid, int report_fd,
                             std::span<const int> inherit,
                             const std::vector<std::string>& candidates, char* const argv[],
                             char* const envp[]) {
  auto fail = [report_fd](ChildStep step, int error) { ReportAndExit(report_fd, step, error); };
  // Into the job's cgroup before anything else, so that nothing it starts is outside.
  if (join_cgroup && ::pwrite(setup.cgroup_procs_fd, "0", 1, 0) != 1) fail(ChildStep::kSetup, errno);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &default_action, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::setpgid(0, pgid) != 0) fail(ChildStep::kSetup, errno);
  if (!MoveFd(setup.stdin_fd, 0) || !MoveFd(setup.stdout_fd, 1) || !MoveFd(setup.stderr_fd, 2)) {
    fail(ChildStep::kSetup, errno);
  }
  for (size_t i = 0; i < inherit.size(); ++i) {
    if (!MoveFd(inherit[i], kFirstInheritedFd + static_cast<int>(i))) {
      fail(ChildStep::kSetup, errno);
    }
  }
  // Whatever else the shim inherited must not reach the task; the report pipe closes at exec.
  ::close_range(kFirstInheritedFd + static_cast<unsigned>(inherit.size()), ~0U,
                CLOSE_RANGE_CLOEXEC);
  if (setup.switch_user) {
    if (::setgroups(setup.groups.size(), setup.groups.data()) != 0) {
      fail(ChildStep::kSwitchUser, errno);
    }
    if (::setgid(setup.gid) != 0) fail(ChildStep::kSwitchUser, errno);
    if (::setuid(setup.uid) != 0) fail(ChildStep::kSwitchUser, errno);
    if (!setup.cwd.empty() && ::chdir(setup.cwd.c_str()) != 0) fail(ChildStep::kChdir, errno);
  }
  int error = ExecvpLike(candidates, [&](const std::string& path) {
    ::execve(path.c_str(), argv, envp);
    return errno;
  });
  ReportAndExit(report_fd, ChildStep::kExec, error);
}

// clone3(CLONE_INTO_CGROUP): fork() whose child starts in the cgroup `cgroup_fd` (no migration).
// Returns like fork(); -1 with errno ENOSYS/EINVAL/E2BIG/EPERM where the kernel (before 5.7) or a
// seccomp filter refuses it.
pid_t CloneIntoCgroup(int cgroup_fd) {
  // struct clone_args up to `cgroup` (CLONE_ARGS_SIZE_VER2), spelled out: <linux/sched.h>
  // clashes with glibc's <sched.h>.
  struct {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
  } args{};
  constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;
  args.flags = kCloneIntoCgroup;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
}

// A close-on-exec copy of `fd` numbered at least `min` (so that placing descriptors below
// `min` in a child cannot overwrite it), or -1.
int DupAbove(int fd, int min) { return ::fcntl(fd, F_DUPFD_CLOEXEC, min); }

}  // namespace

std::vector<std::string> ExecCandidates(const std::string& program,
                                        const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return {program};
  if (program.empty()) return {};
  std::string_view path = "/bin:/usr/bin";
  for (const std::string& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) {
      path = std::string_view(entry).substr(5);
      break;
    }
  }
  std::vector<std::string> candidates;
  for (size_t start = 0;;) {
    size_t colon = path.find(':', start);
    std::string_view dir =
        path.substr(start, colon == std::string_view::npos ? path.npos : colon - start);
    candidates.push_back(dir.empty() ? program : std::string(dir) + "/" + program);
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return candidates;
}

TaskLauncher::TaskLauncher(LaunchSetup setup) : setup_(std::move(setup)) {
  posix_spawn_file_actions_init(&actions_);
  posix_spawn_file_actions_adddup2(&actions_, setup_.stdin_fd, 0);
  posix_spawn_file_actions_adddup2(&actions_, setup_.stdout_fd, 1);
  posix_spawn_file_actions_adddup2(&actions_, setup_.stderr_fd, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
  posix_spawnattr_init(&attributes_);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes_, &none);
  posix_spawnattr_setsigdefault(&attributes_, &all);
  posix_spawnattr_setpgroup(&attributes_, 0);
  posix_spawnattr_setflags(&attributes_,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

TaskLauncher::~TaskLauncher() {
  posix_spawn_file_actions_destroy(&actions_);
  posix_spawnattr_destroy(&attributes_);
  if (original_cpus_ != nullptr) CPU_FREE(original_cpus_);
}

Result<pid_t> TaskLauncher::Launch(const TaskSpec& task, std::span<const int> inherit,
                                   TaskStreams streams) {
  if (streams.stdout_fd < 0) streams.stdout_fd = setup_.stdout_fd;
  if (streams.stderr_fd < 0) streams.stderr_fd = setup_.stderr_fd;
  const std::string program = task.argv.empty() ? std::string() : task.argv.front();
  const std::vector<std::string> candidates = ExecCandidates(program, task.env);
  const std::vector<char*> argv = CArray(task.argv);
  const std::vector<char*> envp = CArray(task.env);
  // Sources below the target range are moved above it first, so no placement overwrites one.
  const int first_free = kFirstInheritedFd + static_cast<int>(inherit.size());
  std::vector<int> sources(inherit.begin(), inherit.end());
  std::vector<int> copies;
  for (int& fd : sources) {
    if (fd >= first_free) continue;
    fd = DupAbove(fd, first_free);
    if (fd < 0) {
      const int error = errno;
      for (int copy : copies) ::close(copy);
      return Status(Code::kInternal, "cannot pass descriptors to '" + program + "': " +
                                         ErrnoText(error));
    }
    copies.push_back(fd);
  }
  const Status bound = Bind(task);
  const bool fork = setup_.switch_user || setup_.cgroup_fd >= 0;
  Result<pid_t> pid = !bound.ok() ? Result<pid_t>(bound)
                      : fork ? ForkTask(candidates, argv.data(), envp.data(), program, sources,
                                        streams)
                             : Spawn(candidates, argv.data(), envp.data(), program, sources,
                                     streams);
  for (int copy : copies) ::close(copy);
  RestoreAffinity();
  if (pid.ok() && pgid_ == 0) {
    pgid_ = *pid;
    posix_spawnattr_setpgroup(&attributes_, pgid_);
  }
  return pid;
}

Result<pid_t> TaskLauncher::Spawn(const std::vector<std::string>& candidates, char* const argv[],
                                  char* const envp[], const std::string& program,
                                  std::span<const int> inherit, TaskStreams streams) {
  // With descriptors to pass or streams of its own, this launch gets its own file actions.
  posix_spawn_file_actions_t passing;
  const posix_spawn_file_actions_t* actions = &actions_;
  const bool own = !inherit.empty() || streams.stdout_fd != setup_.stdout_fd ||
                   streams.stderr_fd != setup_.stderr_fd;
  if (own) {
    posix_spawn_file_actions_init(&passing);
    posix_spawn_file_actions_adddup2(&passing, setup_.stdin_fd, 0);
    posix_spawn_file_actions_adddup2(&passing, streams.stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&passing, streams.stderr_fd, 2);
    for (size_t i = 0; i < inherit.size(); ++i) {
      posix_spawn_file_actions_adddup2(&passing, inherit[i],
                                       kFirstInheritedFd + static_cast<int>(i));
    }
    posix_spawn_file_actions_addclosefrom_np(
        &passing, kFirstInheritedFd + static_cast<int>(inherit.size()));
    actions = &passing;
  }
  pid_t pid = 0;
  int error = ExecvpLike(candidates, [&](const std::string& path) {
    return ::posix_spawn(&pid, path.c_str(), actions, &attributes_, argv, envp);
  });
  if (own) posix_spawn_file_actions_destroy(&passing);
  if (error == 0) return pid;
  return Status(Code::kInternal, "cannot execute '" + program + "': " + ErrnoText(error));
}

Result<pid_t> TaskLauncher::ForkTask(const std::vector<std::string>& candidates,
                                       char* const argv[], char* const envp[],
                                       const std::string& program, std::span<const int> inherit,
                                       TaskStreams streams) {
  const LaunchSetup* setup = &setup_;
  LaunchSetup own;  // a copy only for a task with streams of its own
  if (streams.stdout_fd != setup_.stdout_fd || streams.stderr_fd != setup_.stderr_fd) {
    own = setup_;
    own.stdout_fd = streams.stdout_fd;
    own.stderr_fd = streams.stderr_fd;
    setup = &own;
  }
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    return Status(Code::kInternal, "cannot start '" + program + "': " + ErrnoText(errno));
  }
  // The child places inherited descriptors below first_free: keep the report pipe above.
  const int first_free = kFirstInheritedFd + static_cast<int>(inherit.size());
  if (!inherit.empty() && report[1] < first_free) {
    const int moved = DupAbove(report[1], first_free);
    if (moved < 0) {
      const int error = errno;
      ::close(report[0]);
      ::close(report[1]);
      return Status(Code::kInternal, "cannot start '" + program + "': " + ErrnoText(error));
    }
    ::close(report[1]);
    report[1] = moved;
  }
  const pid_t group = pgid_;
  pid_t pid = -1;
  bool join_cgroup = false;
  if (setup_.cgroup_fd >= 0 && setup_.clone_into_cgroup && !clone_into_refused_) {
    pid = CloneIntoCgroup(setup_.cgroup_fd);
    if (pid < 0 && (errno == ENOSYS || errno == EINVAL || errno == E2BIG || errno == EPERM)) {
      clone_into_refused_ = true;
    }
  }
  if (setup_.cgroup_fd < 0 || clone_into_refused_ || !setup_.clone_into_cgroup) {
    join_cgroup = setup_.cgroup_fd >= 0;
    pid = ::fork();
  }
  if (pid == 0) {
    BecomeTask(*setup, join_cgroup, group, report[1], inherit, candidates, argv, envp);
  }
  int fork_error = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return Status(Code::kInternal, "cannot start '" + program + "': " + ErrnoText(fork_error));
  }
  // The parent sets the group too, so that a killpg right after Launch() reaches the task.
  ::setpgid(pid, group == 0 ? pid : group);
  ChildFailure failure;
  ssize_t n;
  do {
    n = ::read(report[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n != static_cast<ssize_t>(sizeof failure)) return pid;  // EOF: the exec succeeded
  ::waitpid(pid, nullptr, 0);
  const std::string reason = ErrnoText(failure.error);
  switch (static_cast<ChildStep>(failure.step)) {
    case ChildStep::kSwitchUser:
      return Status(Code::kInternal, "cannot switch to uid " + std::to_string(setup_.uid) +
                                         " gid " + std::to_string(setup_.gid) + ": " + reason);
    case ChildStep::kChdir:
      return Status(Code::kInternal, "cannot change to directory '" + setup_.cwd + "': " + reason);
    case ChildStep::kExec:
      return Status(Code::kInternal, "cannot execute '" + program + "': " + reason);
    case ChildStep::kSetup:
      break;
  }
  return Status(Code::kInternal, "cannot set up the task of '" + program + "': " + reason);
}

Status TaskLauncher::Bind(const TaskSpec& task) {
  if (task.cpus.empty()) return Status::Ok();
  if (original_cpus_ == nullptr) {
    for (int count = 1024; original_cpus_ == nullptr && count <= (1 << 22); count *= 2) {
      original_cpus_ = CPU_ALLOC(count);
      original_size_ = CPU_ALLOC_SIZE(count);
      if (::sched_getaffinity(0, original_size_, original_cpus_) != 0) {
        CPU_FREE(original_cpus_);
        original_cpus_ = nullptr;
        if (errno != EINVAL) break;
      }
    }
    if (original_cpus_ == nullptr) {
      return Status(Code::kInternal, "cannot read the shim's cpu affinity: " + ErrnoText(errno));
    }
  }
  const int count = *std::max_element(task.cpus.begin(), task.cpus.end()) + 1;
  cpu_set_t* wanted = CPU_ALLOC(count);
  const size_t size = CPU_ALLOC_SIZE(count);
  CPU_ZERO_S(size, wanted);
  for (int cpu : task.cpus) CPU_SET_S(static_cast<size_t>(cpu), size, wanted);
  const int result = ::sched_setaffinity(0, size, wanted);
  const int error = errno;
  CPU_FREE(wanted);
  if (result != 0) {
    return Status(Code::kInternal, "cannot bind task " + std::to_string(task.rank) + " to cpus " +
                                       CpuList(task.cpus) + ": " + ErrnoText(error));
  }
  bound_ = true;
  return Status::Ok();
}

void TaskLauncher::RestoreAffinity() {
  if (!bound_) return;
  ::sched_setaffinity(0, original_size_, original_cpus_);
  bound_ = false;
}

}  // namespace converge::exec
