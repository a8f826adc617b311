// PmiSimpleService: the PMI-1 simple wire protocol served to a job's tasks (TaskService), each
// task over its own socketpair: the task's end is inherited as PMI_FD, and the environment gets
// PMI_RANK, PMI_SIZE, PMI_SPAWNED=0, MPI_LOCALNRANKS and MPI_LOCALRANKID (what MPICH's libpmi
// and hydra use). The protocol itself is PmiSimpleServer; this class only moves bytes — and,
// for one part of a multi-part job (ShimSpec::layout), the barriers' fences through an
// ExchangeClient (channel "pmi").
//
// Bounds: a task that does not read its replies is disconnected once more than
// kMaxPendingOutput bytes wait for it; each poll reads at most 64 KiB per task. Protocol limits:
// PmiLimits. Both ends are close-on-exec: a task inherits only its own end (the launcher places
// it), never another task's.
//
// Single-threaded (the shim's main loop). Owns its descriptors.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "exec/exchange_client.h"
#include "exec/pmi_simple_server.h"
#include "exec/task_service.h"

namespace converge::exec {

inline constexpr size_t kMaxPendingOutput = 1u << 20;

class PmiSimpleService : public TaskService {
 public:
  // For the tasks of `spec`. Fails (kInvalidArgument) unless their ranks are 0..N-1, each once
  // (PMI numbers a job's ranks densely), or, with a layout, unless the spec names the exchange.
  static Result<std::unique_ptr<PmiSimpleService>> Make(const ShimSpec& spec,
                                                        PmiLimits limits = {});
  ~PmiSimpleService() override;

  Result<TaskAttachment> Attach(const TaskSpec& task) override;
  void Launched(const TaskSpec& task) override;
  void AddPollFds(std::vector<pollfd>& fds) override;
  void OnPoll(std::span<const pollfd> fds) override;
  std::optional<ServiceAbort> abort() const override;

 private:
  struct Connection {
    int fd = -1;          // the shim's end (non-blocking), -1 once closed
    int task_fd = -1;     // the task's end until Launched
    std::string pending;  // replies not yet written
  };

  PmiSimpleService(const JobLayout& layout, std::string kvsname, PmiLimits limits);
  void Read(int rank);
  // Hands a fence the server offers to the exchange, and an exchanged one back to the server.
  void Exchange();
  void Flush(int rank);
  void Close(int rank);

  PmiSimpleServer server_;
  std::vector<Connection> connections_;  // by rank
  std::vector<int> polled_;              // ranks in the order AddPollFds listed them
  bool polled_exchange_ = false;         // AddPollFds listed the exchange's fd last
  std::vector<int> local_index_;         // by rank: its index among the node's ranks
  int local_count_ = 0;
  std::unique_ptr<ExchangeClient> exchange_;  // multi-part jobs only
};

}  // namespace converge::exec
