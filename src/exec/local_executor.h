// LocalExecutor: runs jobs on this machine, one `converge-shim` process per job.
//
// Runs on the instance's io_context: Start() writes the spec and starts the shim, forked by the
// executor's shim zygote (exec/shim_zygote.h; converge-shim-pmix, and every shim while no
// zygote can be had, with posix_spawn), a child of this process either way; completion is noticed through a pidfd and reported with the on_exit callback on
// the io_context thread. After an instance restart, Reattach() recovers each job that was
// running: the shim either still runs (watched again), already finished (its result is read),
// or is gone without a result (lost). Not thread-safe: io_context thread only.
//
// Each running job holds one pidfd in this process: raise RLIMIT_NOFILE for many concurrent
// jobs (Start fails cleanly with "Too many open files" otherwise). Shims are detached (own
// session): destroying the executor, or killing the instance, leaves them running.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "exec/executor.h"
#include "exec/shim_spec.h"

namespace converge::exec {

struct LocalExecutorOptions {
  std::string run_dir;         // where ID.spec.json / ID.lock / ID.result.json live (created 0700)
  std::string shim_path;       // the converge-shim binary
  bool keep_shim_log = false;  // shim stdout/stderr to RUN_DIR/ID.shim.log instead of /dev/null
  std::string pmix_shim_path;  // converge-shim-pmix, run for specs offering "pmix"; "" = none
};

class LocalExecutor final : public Executor {
 public:
  LocalExecutor(boost::asio::io_context& io, LocalExecutorOptions options, ExitCallback on_exit);
  ~LocalExecutor() override;

  // Writes ID.spec.json and spawns the shim (converge-shim-pmix when spec.pmi has "pmix"). If Reattach()
  // kept the job's lock (kLost), the lock is released first so that this shim may take it.
  // Errors: kInternal (spawn failed, with errno text; "pmix" without pmix_shim_path);
  // kInvalidArgument if the job already has a shim being watched.
  Status Start(const ShimSpec& spec) override;
  // Asks the shim of `job_id` to terminate its tasks (SIGTERM to the shim, through its pidfd).
  // No-op if unknown. A SIGTERM that reaches a shim before its tasks start runs nothing.
  void Terminate(int64_t job_id) override;
  Status Signal(int64_t job_id, int signo) override;

  // For a job the store says was running: decides its fate without ever running it twice.
  // kRunning: the shim lives; on_exit will fire later. kFinished: the result file was there.
  // kLost: no shim and no result; any shim that starts late will find the lock taken and exit.
  Reattached Reattach(int64_t job_id) override;
  // Removes the job's files once the instance has durably recorded its end, and releases the
  // lock Reattach() kept. If its shim still runs, on_exit will not fire for it any more; the
  // shim is still reaped and its files removed when it ends.
  void Forget(int64_t job_id) override;

  // Jobs whose on_exit is still to come.
  size_t running_count() const override;
  // The pid of the shim running `job_id`, or 0 (no shim watched, or its pid not known yet).
  // The shim leads its own session: the job's tasks are the processes of session ShimPid.
  pid_t ShimPid(int64_t job_id) const override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace converge::exec
