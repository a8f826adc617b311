// PmiSimpleService: the PMI-1 simple wire protocol served to a job's tasks (TaskService), each
// task over its own socketpair: the task's end is inherited as PMI_FD, and the environment gets
// PMI_RANK, PMI_SIZE, PMI_SPAWNED=0, MPI_LOCALNRANKS and MPI_LOCALRANKID (what MPICH's libpmi
// and hydra use). The protocol itself is PmiSimpleServer; this class only moves bytes.
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

#include "exec/pmi_simple_server.h"
#include "exec/task_service.h"

namespace converge::exec {

inline constexpr size_t kMaxPendingOutput = 1u << 20;

class PmiSimpleService : public TaskService {
 public:
  // For a job whose tasks are `tasks`. Fails (kInvalidArgument) unless their ranks are
  // 0..tasks.size()-1, each once: PMI numbers a job's ranks densely.
  static Result<std::unique_ptr<PmiSimpleService>> Make(const std::vector<TaskSpec>& tasks,
                                                        int64_t job_id, PmiLimits limits = {});
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

  PmiSimpleService(int size, std::string kvsname, PmiLimits limits);
  void Read(int rank);
  void Flush(int rank);
  void Close(int rank);

  PmiSimpleServer server_;
  std::vector<Connection> connections_;  // by rank
  std::vector<int> polled_;              // ranks in the order AddPollFds listed them
};

}  // namespace converge::exec
