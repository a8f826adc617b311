// pidfd_open and pidfd_send_signal as plain syscalls: glibc 2.36's <sys/pidfd.h> lacks
// extern "C" and so cannot be used from C++. Thread-safe.
#pragma once

#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace converge::exec {

// A descriptor that becomes readable when process `pid` ends (child or not), or -1 (errno).
inline int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Sends `signo` to the process behind `pidfd` (never to a later process reusing its pid).
inline int PidfdSendSignal(int pidfd, int signo) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signo, nullptr, 0));
}

// Queues `signo` with `value` (sigqueue's sival_int) to the process behind `pidfd`.
inline int PidfdQueueSignal(int pidfd, int signo, int value) {
  siginfo_t info{};
  info.si_signo = signo;
  info.si_code = SI_QUEUE;
  info.si_pid = ::getpid();
  info.si_uid = ::getuid();
  info.si_value.sival_int = value;
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signo, &info, 0));
}

}  // namespace converge::exec
