// The shim zygote: one long-lived `converge-shim --zygote RUN_DIR` process per executor that
// forks a shim per job, so that a job's start costs a fork of a small process instead of an
// exec of the shim (an exec costs ~0.6 ms of CPU on a VM, most of it glibc's start-up CPUID
// probes, each a trap to the hypervisor).
//
// Each shim is forked with CLONE_PARENT: it is a child of the executor's process, exactly as
// if the executor had spawned it, so that the executor reaps it and knows its exit status.
// The zygote never has children of its own, holds nothing of any job, and exits when the
// executor's end of its socket closes (the executor ended or was killed); the shims it forked
// are not affected by its end. A forked shim leads its own session, has the zygote's signal
// mask (exec/shim_signals.h, blocked) and runs RunShim(RUN_DIR, ID) (exec/shim.h), then exits.
//
// Protocol on a SOCK_SEQPACKET socketpair (fd 3 of the zygote): one ZygoteRequest, answered
// by one ZygoteReply, in turn.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace converge::exec {

// The zygote's side: serves requests on `socket_fd` until EOF (returns 0) or a malformed request
// or socket error (returns kShimUsage or kShimIoError). For the converge-shim binary only.
int RunShimZygote(int socket_fd, const std::string& run_dir);

// The executor's side: a running zygote. Not thread-safe.
class ShimZygote {
 public:
  // Spawns `shim_path --zygote run_dir` (stdio on /dev/null, own session, shim signals blocked).
  // Errors: kInternal with the cause.
  static Result<std::unique_ptr<ShimZygote>> Start(const std::string& shim_path,
                                                   const std::string& run_dir);
  // Ends the zygote (its socket closed, then SIGKILL and reaped); its shims go on.
  ~ShimZygote();

  // Forks the shim of `job_id`; `keep_log`: its stdout and stderr go to RUN_DIR/ID.shim.log.
  // Returns the shim's pid (a child of this process). Errors: kInternal, with
  // `broken()` then true when the zygote no longer answers (it must be replaced), false when
  // it answered that the fork failed (errno text).
  Result<pid_t> Fork(int64_t job_id, bool keep_log);

  bool broken() const { return broken_; }
  pid_t pid() const { return pid_; }

 private:
  ShimZygote(pid_t pid, int socket_fd) : pid_(pid), socket_fd_(socket_fd) {}

  pid_t pid_;
  int socket_fd_;
  bool broken_ = false;
};

}  // namespace converge::exec
