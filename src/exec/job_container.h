// JobContainer: what holds every process a job starts, so that none outlives the job.
//
// A task may leave processes behind in ways a process group cannot see: `sleep &` in a task
// that exits, a grandchild that ignores SIGTERM after its parent died of it, `setsid` children
// in a session of their own. The shim puts each job in a container, chosen once (MakeJobContainer):
//   * a cgroup v2 subtree of its own (cgroup_container.h), where the machine offers one the
//     shim may write: every descendant is in it whatever it does with sessions and groups, and
//     cgroup.kill ends them all at once;
//   * otherwise the process tree (subreaper_container.h): the shim is a child subreaper
//     (PR_SET_CHILD_SUBREAPER), so every orphan of the job becomes its child; signals go to the
//     job's process group and to every child of the shim.
// The cgroup container does what the process-tree one does as well (the shim is a subreaper
// either way and reaps the orphans).
//
// Single-threaded: the shim's supervisor loop owns it. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace converge::exec {

class JobContainer {
 public:
  virtual ~JobContainer() = default;

  // What contains the job, for the result and the log: "cgroup2 /sys/fs/cgroup/…/job-5-123"
  // or "subreaper".
  virtual std::string Describe() const = 0;

  // Where the tasks are created (TaskLauncher's LaunchSetup::cgroup_fd, cgroup_procs_fd): the
  // job's cgroup directory and its cgroup.procs, or -1 when there is no cgroup.
  virtual int cgroup_fd() const { return -1; }
  virtual int cgroup_procs_fd() const { return -1; }

  // Sends `signal` to every process of the job (the process group `pgid` included when > 0)
  // that has not received `signal` from this container yet: calling it again reaches only
  // processes that joined (or were re-parented to the shim) since. SIGKILL in the cgroup goes
  // through cgroup.kill (or freeze + kill each process on kernels without it).
  virtual void Signal(int signal, pid_t pgid) = 0;

  // Sends `signal` once to every process of the job now (the process group `pgid` included
  // when > 0), whatever was sent before: a user's signal passed on (`converge cancel -s`).
  virtual void Forward(int signal, pid_t pgid) = 0;

  // Tells the container that the shim reaped `pid` (its pid may be reused from now on).
  virtual void Reaped(pid_t pid) = 0;

  // True when no process of the job is alive and the shim has no child left to reap.
  // REQUIRES: the caller reaped (waitpid WNOHANG) what was reapable just before. Cheap: one
  // waitid (and one read of cgroup.events).
  virtual bool Empty() = 0;

  // The processes of the job still alive (for the log when some outlive SIGKILL).
  virtual std::vector<pid_t> Survivors() = 0;

  // A descriptor that poll() reports (POLLPRI) when Empty() may have turned true, or -1
  // (then SIGCHLD is the only news).
  virtual int event_fd() const = 0;

  // Gives the container up at the end of the job: removes the cgroup when it is empty. An
  // error says what was left behind.
  virtual Status Release() = 0;
};

// How the shim may contain a job (ShimSpec::containment).
enum class Containment {
  kAuto,       // a cgroup v2 subtree when one can be made, else the process tree
  kSubreaper,  // the process tree only, even where cgroups are available
};

// Makes the job's container; never fails: when kAuto cannot make a cgroup, `why_not_cgroup`
// (if given) says why and the process-tree container is returned.
std::unique_ptr<JobContainer> MakeJobContainer(int64_t job_id, Containment containment,
                                               std::string* why_not_cgroup);

}  // namespace converge::exec
