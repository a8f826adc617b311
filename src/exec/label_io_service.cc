#include "exec/label_io_service.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace converge::exec {

LabelIoService::LabelIoService(OutputSink* stdout_sink, OutputSink* stderr_sink,
                               bool label_stdout, bool label_stderr)
    : stdout_sink_(stdout_sink),
      stderr_sink_(stderr_sink),
      label_stdout_(label_stdout),
      label_stderr_(label_stderr) {}

LabelIoService::~LabelIoService() {
  for (Stream& stream : streams_) {
    Close(stream);
    if (stream.write_fd >= 0) ::close(stream.write_fd);
  }
}

Result<TaskAttachment> LabelIoService::Attach(const TaskSpec& task) {
  TaskAttachment attachment;
  for (const bool err : {false, true}) {
    if (!(err ? label_stderr_ : label_stdout_)) continue;
    int pipe[2];
    if (::pipe2(pipe, O_CLOEXEC) != 0) {
      return Status(Code::kInternal, std::string("label-io: pipe: ") + std::strerror(errno));
    }
    ::fcntl(pipe[0], F_SETFL, ::fcntl(pipe[0], F_GETFL) | O_NONBLOCK);
    streams_.push_back({task.rank, pipe[0], pipe[1], err ? stderr_sink_ : stdout_sink_, ""});
    (err ? attachment.stderr_fd : attachment.stdout_fd) = pipe[1];
  }
  return attachment;
}

void LabelIoService::Launched(const TaskSpec& task) {
  for (Stream& stream : streams_) {
    if (stream.rank != task.rank || stream.write_fd < 0) continue;
    ::close(stream.write_fd);  // the task holds its own copy: its exit is our EOF
    stream.write_fd = -1;
  }
}

void LabelIoService::AddPollFds(std::vector<pollfd>& fds) { polled_.Add(streams_, fds); }

void LabelIoService::OnPoll(std::span<const pollfd> fds) {
  polled_.ForEachReady(fds, [this](size_t i) { Drain(streams_[i]); });
}

void LabelIoService::Finish() {
  // Every writer is gone: what is left ends in EOF, never in a wait.
  for (Stream& stream : streams_) {
    while (stream.read_fd >= 0 && Drain(stream)) {
    }
  }
}

bool LabelIoService::Drain(Stream& stream) {
  char buffer[16384];
  const ssize_t n = ::read(stream.read_fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n <= 0) {
    if (!stream.partial.empty()) WriteLine(stream, stream.partial);
    stream.partial.clear();
    Close(stream);
    return false;
  }
  stream.partial.append(buffer, static_cast<size_t>(n));
  size_t start = 0;
  for (size_t end; (end = stream.partial.find('\n', start)) != std::string::npos;) {
    WriteLine(stream, std::string_view(stream.partial).substr(start, end - start));
    start = end + 1;
  }
  stream.partial.erase(0, start);
  while (stream.partial.size() >= kMaxLabelledLine) {
    WriteLine(stream, std::string_view(stream.partial).substr(0, kMaxLabelledLine));
    stream.partial.erase(0, kMaxLabelledLine);
  }
  return true;
}

void LabelIoService::WriteLine(const Stream& stream, std::string_view line) {
  std::string text = std::to_string(stream.rank) + ": ";
  text.append(line);
  text += '\n';
  stream.output->Write(text);
}

void LabelIoService::Close(Stream& stream) {
  if (stream.read_fd < 0) return;
  ::close(stream.read_fd);
  stream.read_fd = -1;
}

}  // namespace converge::exec
