// TaskLauncher: starts the processes of one job inside the shim.
//
// All tasks of a job go into one new process group (the first task leads it), so the shim can
// signal them together with killpg. Each task gets stdin from /dev/null, the job's stdout and
// stderr descriptors, a clean signal mask and default signal dispositions, and the CPU binding
// of its TaskSpec (the shim binds itself just before starting the task, which inherits it, and
// then restores its own affinity).
//
// Two ways to start a task:
//   * as the shim's own user, outside a cgroup: posix_spawn (glibc uses clone(CLONE_VFORK):
//     cheap, and exec errors come back as its return value);
//   * as another user (the shim is root and the job is not), or into the job's cgroup
//     (LaunchSetup::cgroup_fd): posix_spawn can do neither, so fork(): clone3 with
//     CLONE_INTO_CGROUP for a cgroup (the task is born inside it), or, where the kernel refuses
//     that (before 5.7, or a seccomp filter), a plain fork whose child first writes itself into
//     cgroup_procs_fd; then in the child: setpgid, dup2 of the outputs, and when switching user
//     setgroups, setgid, setuid, chdir (as the user, so directory permissions are the user's);
//     then execve. A failing
//     step writes {step, errno} to a close-on-exec pipe and _exits 127; the parent reads the pipe
//     (EOF means the exec succeeded) and so learns the error just like posix_spawn reports it.
// argv[0] without a '/' is looked up in the PATH of the task's own environment (not the
// shim's), with execvp's rules: empty entries mean the working directory, EACCES on some entry
// is reported only if no entry works.
//
// Meant for the single-threaded shim process: Launch() changes the process's CPU affinity for
// its duration. Not thread-safe.
#pragma once

#include <sched.h>
#include <spawn.h>
#include <sys/types.h>

#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "exec/shim_spec.h"

namespace converge::exec {

// The number of the first descriptor a task inherits through TaskLauncher::Launch.
inline constexpr int kFirstInheritedFd = 3;

struct LaunchSetup {
  int stdin_fd = -1;   // dup'ed to 0 in each task
  int stdout_fd = -1;  // dup'ed to 1
  int stderr_fd = -1;  // dup'ed to 2
  // The tasks' working directory (absolute, or "" for the shim's). The shim has already
  // entered it; a task that switches user enters it again as that user.
  std::string cwd;
  bool switch_user = false;   // start tasks with fork + setuid (see above)
  uid_t uid = 0;              // switch_user only
  gid_t gid = 0;              // switch_user only
  std::vector<gid_t> groups;  // switch_user only: supplementary groups (may be empty)
  int cgroup_fd = -1;        // >= 0: a cgroup v2 directory every task is created in
  int cgroup_procs_fd = -1;  // its cgroup.procs (O_WRONLY), for kernels without CLONE_INTO_CGROUP
  bool clone_into_cgroup = true;  // false: always the plain fork + join (tests)
};

// One task's own stdout and stderr, instead of LaunchSetup's (-1: LaunchSetup's).
struct TaskStreams {
  int stdout_fd = -1;
  int stderr_fd = -1;
};

class TaskLauncher {
 public:
  // REQUIRES: the descriptors in `setup` stay open while tasks are launched.
  explicit TaskLauncher(LaunchSetup setup);
  ~TaskLauncher();
  TaskLauncher(const TaskLauncher&) = delete;
  TaskLauncher& operator=(const TaskLauncher&) = delete;

  // Starts `task`. `inherit[i]` becomes descriptor kFirstInheritedFd + i in the task (the only
  // descriptors above 2 it gets); `streams` replace the setup's stdout and stderr for this task;
  // the caller keeps its copies of both. Returns its pid, or an error whose
  // message is the text for ShimResult::exec_error ("cannot execute 'sh2': No such file or
  // directory").
  Result<pid_t> Launch(const TaskSpec& task, std::span<const int> inherit = {},
                       TaskStreams streams = {});

  // The job's process group: the pid of the first task launched, or 0 before that.
  pid_t pgid() const { return pgid_; }

 private:
  Result<pid_t> Spawn(const std::vector<std::string>& candidates, char* const argv[],
                      char* const envp[], const std::string& program,
                      std::span<const int> inherit, TaskStreams streams);
  Result<pid_t> ForkTask(const std::vector<std::string>& candidates, char* const argv[],
                         char* const envp[], const std::string& program,
                         std::span<const int> inherit, TaskStreams streams);
  Status Bind(const TaskSpec& task);
  void RestoreAffinity();

  LaunchSetup setup_;
  pid_t pgid_ = 0;
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attributes_;
  cpu_set_t* original_cpus_ = nullptr;  // the shim's affinity, restored after each binding
  size_t original_size_ = 0;
  bool bound_ = false;
  bool clone_into_refused_ = false;  // clone3(CLONE_INTO_CGROUP) failed once: plain fork + join
};

// The paths execvp would try for `program`, given the task's environment ("KEY=VALUE").
// A program containing '/' is its own only candidate; PATH defaults to "/bin:/usr/bin".
std::vector<std::string> ExecCandidates(const std::string& program,
                                        const std::vector<std::string>& env);

}  // namespace converge::exec
