// The signals a shim reads from its signalfd, blocked from its spawn on (LocalExecutor sets
// the mask, so that none sent early is lost): SIGCHLD (its tasks), SIGTERM and SIGINT (stop
// the job), and ForwardSignal(), whose sigqueue value is a signal to pass on to the tasks
// (`converge cancel -s SIG`). Thread-safe.
#pragma once

#include <signal.h>
#include <spawn.h>

namespace converge::exec {

inline int ForwardSignal() { return SIGRTMIN + 1; }

inline sigset_t ShimSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signo : {SIGCHLD, SIGTERM, SIGINT, ForwardSignal()}) sigaddset(&set, signo);
  return set;
}

// Makes `attributes` (initialised) spawn a shim: a session of its own, every signal at its
// default, and ShimSignals() blocked from the first instruction on.
inline void SetShimSpawnAttributes(posix_spawnattr_t* attributes) {
  sigset_t blocked = ShimSignals(), all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(attributes, &blocked);
  posix_spawnattr_setsigdefault(attributes, &all);
  posix_spawnattr_setflags(attributes,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

}  // namespace converge::exec
