// PmixTaskHook: the shim's PMIx service for one job (ShimSpec::pmix): a PmixServer for the
// job's tasks, all on this node, in a private folder RUN_DIR/ID.pmix (mode 0700, removed when
// the hook goes). Each task gets the server's PMIX_* variables, and the Open MPI 4.1 settings
// that make a direct-launched program use them (docs/formats/shim.md, "PMIx"): without them
// its launch detection (schizo) sees no Slurm or Flux and starts a singleton. The node's hwloc
// topology is loaded once here and handed to the clients.
// An abort (MPI_Abort) from any task ends the job with the status it gave.
// Not thread-safe: the shim's thread only (the server's own thread never reaches the hook).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "exec/pmix_server.h"
#include "exec/task_hook.h"

namespace converge::exec {

class PmixTaskHook final : public TaskHook {
 public:
  // Makes RUN_DIR/ID.pmix (O_EXCL semantics: a folder left by an earlier shim of the job is
  // removed first) and starts the server for spec.tasks.size() ranks, run as the shim's user.
  // REQUIRES: the tasks run as the shim's own user; no other PmixServer in the process.
  // Errors: kInternal naming the folder or the PMIx call that failed.
  static Result<std::unique_ptr<PmixTaskHook>> Create(const ShimSpec& spec,
                                                      const std::string& run_dir);
  ~PmixTaskHook() override;

  Status PrepareTask(TaskSpec& task) override;
  int poll_fd() const override { return server_->event_fd(); }
  std::optional<JobAbort> OnReadable() override;

 private:
  PmixTaskHook(std::string folder, std::unique_ptr<PmixServer> server);

  std::string folder_;
  std::unique_ptr<PmixServer> server_;
};

}  // namespace converge::exec
