// PmixService: the shim's PMIx service for one job (ShimSpec::pmi holds "pmix"): a PmixServer
// for the job's tasks, all on this node, in a private folder RUN_DIR/ID.pmix (mode 0700,
// removed when the service goes). Each task gets the server's PMIX_* variables, and the Open
// MPI 4.1 settings that make a direct-launched program use them (docs/formats/shim.md, "PMIx"):
// without them its launch detection (schizo) sees no Slurm or Flux and starts a singleton. The
// node's hwloc topology is loaded once here and handed to the clients.
// An abort (MPI_Abort) from any task ends the job with the status it gave. One part of a job on
// several nodes (ShimSpec::layout) serves its node's ranks under the job's shared namespace
// and exchanges each whole-job fence's data with the other parts (ExchangeClient, channel
// "pmix"); a failed exchange fails the fence (the MPI program aborts).
// A TaskService (task_service.h): the shim's thread only; the server's own thread never
// reaches the service, it only signals the eventfd polled here.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "exec/exchange_client.h"
#include "exec/pmix_server.h"
#include "exec/topology_xml.h"
#include "exec/task_service.h"

namespace converge::exec {

class PmixService final : public TaskService {
 public:
  // Makes RUN_DIR/ID.pmix (a folder left by an earlier shim of the job is removed first) and
  // starts the server for spec.tasks.size() ranks, run as the shim's user.
  // REQUIRES: the tasks run as the shim's own user; no other PmixServer in the process, ever.
  // Errors: kInternal naming the folder or the PMIx call that failed.
  static Result<std::unique_ptr<PmixService>> Create(const ShimSpec& spec,
                                                     const std::string& run_dir);
  ~PmixService() override;

  Result<TaskAttachment> Attach(const TaskSpec& task) override;
  void Launched(const TaskSpec&) override {}
  void AddPollFds(std::vector<pollfd>& fds) override;
  void OnPoll(std::span<const pollfd> fds) override;
  std::optional<ServiceAbort> abort() const override { return abort_; }

 private:
  struct PendingFence {
    uint64_t id = 0;
    std::string data;
  };

  PmixService(std::string folder, std::unique_ptr<PmixServer> server);
  // Starts the oldest pending fence's exchange, or completes it with the exchange's outcome.
  void Exchange();

  std::string folder_;
  std::unique_ptr<LocalTopology> topology_;  // before server_: it outlives the server
  std::unique_ptr<PmixServer> server_;
  std::optional<ServiceAbort> abort_;  // the first abort a task asked for
  std::unique_ptr<ExchangeClient> exchange_;  // multi-part jobs only
  std::deque<PendingFence> fences_;           // oldest first; the front's exchange may run
  bool polled_exchange_ = false;
};

}  // namespace converge::exec
