// OutputRelay: the TaskService that carries the tasks' stdout and stderr into the job's default
// output files (exec/output_sink.h), so that a file exists only once something was written.
//
// Each relayed stream is one pipe shared by all the tasks, as a shared file would be: the tasks
// get its write end as their descriptor 1 or 2 (a write of up to PIPE_BUF bytes stays whole);
// the shim's loop reads the other end and writes what it reads to the sink. Once the sink
// refuses a write (a full disk, a file that may not be created), that pipe's reading end is
// closed: the tasks' next writes fail with EPIPE, as their own writes to the file would have.
// Bounds: at most one pipe's worth (64 KiB) waits per stream; a task writing faster than the
// file takes it blocks.
// Single-threaded (the shim's loop).
#pragma once

#include <memory>

#include "common/status.h"
#include "exec/output_sink.h"
#include "exec/polled_reads.h"
#include "exec/task_service.h"

namespace converge::exec {

class OutputRelay : public TaskService {
 public:
  // Relays into `out` and/or `err` (null: that stream is not relayed). Both may be the same
  // sink: then one pipe serves both streams. The sinks must outlive the relay.
  static Result<std::unique_ptr<OutputRelay>> Make(OutputSink* out, OutputSink* err);
  ~OutputRelay() override;

  // The descriptor the tasks' stdout (stderr) is to be, or -1 when that stream is not relayed.
  int stdout_fd() const { return streams_[0].write_fd; }
  int stderr_fd() const { return streams_[shared_ ? 0 : 1].write_fd; }

  Result<TaskAttachment> Attach(const TaskSpec&) override { return TaskAttachment{}; }
  void Launched(const TaskSpec&) override {}
  void AddPollFds(std::vector<pollfd>& fds) override;
  void OnPoll(std::span<const pollfd> fds) override;
  std::optional<ServiceAbort> abort() const override { return std::nullopt; }
  // Every task is gone: what they left in the pipes is written out.
  void Finish() override;

 private:
  struct Stream {
    OutputSink* sink = nullptr;
    int read_fd = -1;   // ours, non-blocking; -1 once at its end
    int write_fd = -1;  // the tasks' end, kept until Finish
  };
  OutputRelay() = default;
  // Reads what `stream` holds now into its sink; false at its end or when it is empty.
  bool Drain(Stream& stream);

  Stream streams_[2];
  bool shared_ = false;  // stderr goes into stdout's pipe
  PolledReads polled_;
};

}  // namespace converge::exec
