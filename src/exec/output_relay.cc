#include "exec/output_relay.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "exec/run_files.h"

namespace converge::exec {

Result<std::unique_ptr<OutputRelay>> OutputRelay::Make(OutputSink* out, OutputSink* err) {
  std::unique_ptr<OutputRelay> relay(new OutputRelay());
  relay->shared_ = out != nullptr && out == err;
  OutputSink* sinks[2] = {out, relay->shared_ ? nullptr : err};
  for (int i = 0; i < 2; ++i) {
    if (sinks[i] == nullptr) continue;
    int pipe[2];
    if (::pipe2(pipe, O_CLOEXEC) != 0) {
      return Status(Code::kInternal, "cannot make the output pipe: " + ErrnoText(errno));
    }
    ::fcntl(pipe[0], F_SETFL, ::fcntl(pipe[0], F_GETFL) | O_NONBLOCK);
    relay->streams_[i] = {sinks[i], pipe[0], pipe[1]};
  }
  return relay;
}

OutputRelay::~OutputRelay() {
  for (Stream& stream : streams_) {
    if (stream.read_fd >= 0) ::close(stream.read_fd);
    if (stream.write_fd >= 0) ::close(stream.write_fd);
  }
}

void OutputRelay::AddPollFds(std::vector<pollfd>& fds) { polled_.Add(streams_, fds); }

void OutputRelay::OnPoll(std::span<const pollfd> fds) {
  polled_.ForEachReady(fds, [this](size_t i) { Drain(streams_[i]); });
}

void OutputRelay::Finish() {
  for (Stream& stream : streams_) {
    if (stream.write_fd >= 0) ::close(stream.write_fd);  // ours was the last writer: EOF next
    stream.write_fd = -1;
    while (Drain(stream)) {
    }
  }
}

bool OutputRelay::Drain(Stream& stream) {
  if (stream.read_fd < 0) return false;
  char buffer[65536];
  const ssize_t n = ::read(stream.read_fd, buffer, sizeof buffer);
  if (n < 0 && errno == EINTR) return true;
  if (n < 0 && errno == EAGAIN) return false;
  if (n <= 0) {
    ::close(stream.read_fd);
    stream.read_fd = -1;
    return false;
  }
  stream.sink->Write(std::string_view(buffer, static_cast<size_t>(n)));
  if (!stream.sink->error().empty()) {
    // The file takes no more: the tasks' next write fails (EPIPE), as on a full disk.
    ::close(stream.read_fd);
    stream.read_fd = -1;
    return false;
  }
  return true;
}

}  // namespace converge::exec
