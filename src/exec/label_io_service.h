// LabelIoService: the TaskService behind `--label-io` (Flux's shell option
// output.{stdout,stderr}.label, srun's --label). Each task writes into pipes of its own; the
// service prefixes every line with the task's rank ("3: text") and writes it whole to the job's
// output descriptors, so that lines of different tasks never mix within a line.
//
// Bounds: a task's unfinished line is held up to kMaxLabelledLine bytes and then written as
// a line of its own; a task's last words without a newline get one. Single-threaded (the shim's
// loop).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "exec/output_sink.h"
#include "exec/polled_reads.h"
#include "exec/task_service.h"

namespace converge::exec {

inline constexpr size_t kMaxLabelledLine = 64 * 1024;

class LabelIoService : public TaskService {
 public:
  // Labels what the tasks write to stdout (into `stdout_sink`) and to stderr (into
  // `stderr_sink`, which may be the same). `label_stdout`/`label_stderr` choose the streams; an
  // unlabelled one does not pass here. The sinks stay the caller's and must outlive us.
  LabelIoService(OutputSink* stdout_sink, OutputSink* stderr_sink, bool label_stdout,
                 bool label_stderr);
  ~LabelIoService() override;

  Result<TaskAttachment> Attach(const TaskSpec& task) override;
  void Launched(const TaskSpec& task) override;
  void AddPollFds(std::vector<pollfd>& fds) override;
  void OnPoll(std::span<const pollfd> fds) override;
  std::optional<ServiceAbort> abort() const override { return std::nullopt; }
  void Finish() override;

 private:
  struct Stream {
    int rank = 0;
    int read_fd = -1;    // ours, non-blocking; -1 once at its end
    int write_fd = -1;   // the task's end, until Launched
    OutputSink* output = nullptr;  // where its labelled lines go
    std::string partial;
  };

  // Reads what `stream` has now; false at its end (closed then).
  bool Drain(Stream& stream);
  void WriteLine(const Stream& stream, std::string_view line);
  void Close(Stream& stream);

  OutputSink* stdout_sink_;
  OutputSink* stderr_sink_;
  bool label_stdout_;
  bool label_stderr_;
  std::vector<Stream> streams_;
  PolledReads polled_;
};

}  // namespace converge::exec
