// SubreaperContainer: the job's processes as the shim's process tree (job_container.h).
//
// On creation the shim becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER): a process
// of the job whose parent dies is re-parented to the shim instead of init, so that every
// process of the job is the shim's child or a descendant of one, in whatever session or process
// group. Signal() reaches the job's process group and every current child of the shim
// (/proc/self/task/PID/children, or a scan of /proc where the kernel lacks it); the supervisor
// calls it again when children die, so each level of a tree is reached once its parents are gone.
// Pids are safe to signal: a child's pid is not reused before the shim reaps it.
//
// Limits: a process of the job that another subreaper below the shim adopted (a nested shim)
// is reached once that one dies; a process that left the job's process tree (moved by root into
// another pid namespace's init, say) is not seen. The cgroup container has neither limit.
// Single-threaded. Not thread-safe.
#pragma once

#include <map>
#include <set>

#include "exec/job_container.h"

namespace converge::exec {

class SubreaperContainer : public JobContainer {
 public:
  SubreaperContainer();  // makes the calling process a child subreaper

  std::string Describe() const override { return "subreaper"; }
  void Signal(int signal, pid_t pgid) override;
  void Forward(int signal, pid_t pgid) override;
  void Reaped(pid_t pid) override;
  bool Empty() override;
  std::vector<pid_t> Survivors() override { return Children(); }
  int event_fd() const override { return -1; }
  Status Release() override { return Status::Ok(); }

  // The calling process's children, in pid order.
  static std::vector<pid_t> Children();

 private:
  std::map<int, std::set<pid_t>> signalled_;  // signal -> children that got it from us
  std::set<int> group_signalled_;             // signals sent to the process group
  pid_t group_ = 0;                           // the group those went to
};

}  // namespace converge::exec
