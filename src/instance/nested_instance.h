// A nested instance: `converge start --nested` run as the task(s) of a job of a parent instance. A
// job of several tasks (one per node) is one instance spread over its nodes: rank 0 is the leader
// described here, the other ranks are its agents (nested_bootstrap.h). It fetches the job's
// allocation from the parent (GET /v1/jobs/ID/resources, with CONVERGE_URI and CONVERGE_JOB_ID from
// the task's environment), schedules its own jobs inside exactly those resources, and optionally
// runs an initial program with CONVERGE_URI pointing at itself (and, when asked, `srun`/`flux`
// shims: launcher_shims.h). It ends, cancelling what still runs inside it, when the initial program
// exits (with that program's exit status) or when it receives SIGTERM/SIGINT (the parent cancelled
// the job).
#pragma once

#include <string>
#include <vector>

#include "instance/instance.h"
#include "exec/launcher_shims.h"

namespace converge::instance {

struct NestedOptions {
  InstanceOptions instance;          // state_dir "" = a temporary folder removed at the end
  std::vector<std::string> command;  // the initial program; empty = run until signalled
  exec::ShimRequest shims;           // launchers the initial program gets (launcher_shims.h)
};

// Runs the nested instance to its end and returns the process exit status: the initial
// program's status, 0 after a signal, 1 when the instance could not start (reason on stderr).
int RunNestedInstance(NestedOptions options);

}  // namespace converge::instance
