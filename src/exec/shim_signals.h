// The signals a shim reads from its signalfd, blocked from its spawn on (LocalExecutor sets
// the mask, so that none sent early is lost): SIGCHLD (its tasks), SIGTERM and SIGINT (stop
// the job), and ForwardSignal(), whose sigqueue value is a signal to pass on to the tasks
// (`converge cancel -s SIG`). Thread-safe.
#pragma once

#include <signal.h>

namespace converge::exec {

inline int ForwardSignal() { return SIGRTMIN + 1; }

inline sigset_t ShimSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signo : {SIGCHLD, SIGTERM, SIGINT, ForwardSignal()}) sigaddset(&set, signo);
  return set;
}

}  // namespace converge::exec
