// CgroupContainer: the job's processes in a cgroup v2 subtree of their own (job_container.h).
//
// Where: the shim's own cgroup C (from /proc/self/cgroup, under the cgroup2 mount found in
// /proc/self/mountinfo) gets a child `converge` and the job gets `C/converge/job-ID-SHIMPID`
// (the shim's pid keeps the jobs of several instances with the same ids apart). A nested
// instance's shims, running inside the job's cgroup, nest their jobs below it, so killing the
// job kills them too. The shim itself stays in C, outside the job. Every task is created inside
// the job's cgroup, so none can escape by fork/setsid before it would have been moved: the
// TaskLauncher uses clone3(CLONE_INTO_CGROUP) on cgroup_fd() (Linux 5.7+), and where that is
// refused (older kernel, seccomp filter) forks a child that writes itself into
// cgroup_procs_fd() before anything else. (A migration waits for an RCU grace period, ~5 ms
// here; a clone into the cgroup does not.)
//
// Ending: SIGKILL goes through cgroup.kill (Linux 5.14+), which kills the whole subtree at
// once, forks in flight included; without it, the subtree is frozen (cgroup.freeze), each
// process killed, and thawed. Other signals go to each process listed in the subtree's
// cgroup.procs once. cgroup.events ("populated 0") tells that the job is gone; Release() then
// removes the subtree, nested cgroups first, and the `converge` parent if it is empty.
//
// Needs write access to C (root, or a delegated cgroup: systemd Delegate=yes). No controller
// is enabled, so the "no internal processes" rule does not apply; a memory limit later would need
// the shims moved out of C into a leaf of their own first.
// Single-threaded. Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "exec/job_container.h"
#include "exec/subreaper_container.h"

namespace converge::exec {

struct CgroupOptions {
  // Use cgroup.kill where the kernel has it; false: always freeze + kill each process (the
  // path of kernels before 5.14; tests use it to exercise that path).
  bool use_kill_file = true;
};

class CgroupContainer : public JobContainer {
 public:
  // Creates the job's cgroup. Errors (kNotFound: no cgroup v2 hierarchy; kInternal: cannot
  // create or open the cgroup, e.g. "Permission denied" when not root and not delegated) say
  // why, and leave nothing behind.
  static Result<std::unique_ptr<CgroupContainer>> Create(int64_t job_id, CgroupOptions options);
  ~CgroupContainer() override;

  std::string Describe() const override { return "cgroup2 " + dir_; }
  int cgroup_fd() const override { return dir_fd_; }
  int cgroup_procs_fd() const override { return procs_fd_; }
  void Signal(int signal, pid_t pgid) override;
  void Forward(int signal, pid_t pgid) override;
  void Reaped(pid_t pid) override;
  bool Empty() override;
  std::vector<pid_t> Survivors() override;
  int event_fd() const override { return events_fd_; }
  Status Release() override;

  const std::string& path() const { return dir_; }

 private:
  CgroupContainer() = default;
  bool Populated() const;
  void KillAll();
  void FreezeAndKill();

  CgroupOptions options_;
  SubreaperContainer tree_;  // the shim reaps the orphans either way
  std::string parent_;       // C/converge
  std::string dir_;          // C/converge/job-ID-PID
  int procs_fd_ = -1;        // dir_/cgroup.procs (a child writes "0" to join)
  int events_fd_ = -1;       // dir_/cgroup.events
  int dir_fd_ = -1;          // dir_ itself, for CLONE_INTO_CGROUP
  bool has_kill_file_ = false;
  bool released_ = false;
  std::map<int, std::set<pid_t>> signalled_;  // signal -> pids it was sent to (not SIGKILL)
};

// The cgroup v2 folder of the calling process ("/sys/fs/cgroup/unified/x.slice"), or an error
// saying why there is none (no cgroup2 mount, no "0::" line, path outside the mount).
Result<std::string> OwnCgroupDir();

}  // namespace converge::exec
