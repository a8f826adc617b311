#include "exec/output_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "exec/run_files.h"

namespace converge::exec {

OutputSink OutputSink::Descriptor(int fd) {
  OutputSink sink;
  sink.fd_ = fd;
  return sink;
}

OutputSink OutputSink::DefaultFile(std::string path, bool exclusive) {
  OutputSink sink;
  sink.path_ = std::move(path);
  sink.exclusive_ = exclusive;
  return sink;
}

OutputSink::OutputSink(OutputSink&& other) noexcept { *this = std::move(other); }

OutputSink& OutputSink::operator=(OutputSink&& other) noexcept {
  if (this != &other) {
    if (owned_ && fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    owned_ = std::exchange(other.owned_, false);
    path_ = std::move(other.path_);
    exclusive_ = other.exclusive_;
    error_ = std::move(other.error_);
  }
  return *this;
}

OutputSink::~OutputSink() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

int OutputSink::Fd() {
  if (fd_ >= 0 || path_.empty() || !error_.empty()) return fd_;
  // Non-blocking: a FIFO put there is refused below rather than waited on.
  int flags = O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
  if (exclusive_) flags |= O_EXCL;
  const int fd = ::open(path_.c_str(), flags, 0600);
  struct stat info {};
  if (fd < 0 || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const int error = fd < 0 ? errno : EINVAL;
    if (fd >= 0) ::close(fd);
    error_ = "cannot create output " + path_ + ": " +
             (error == EEXIST ? std::string("it exists already (another job's output); this "
                                            "job's output is dropped")
                              : ErrnoText(error));
    return -1;
  }
  ::fcntl(fd, F_SETFL, O_APPEND);  // blocking writes from here on
  fd_ = fd;
  owned_ = true;
  return fd_;
}

void OutputSink::Write(std::string_view text) {
  const int fd = text.empty() ? -1 : Fd();
  while (fd >= 0 && !text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (error_.empty()) {
        error_ = "cannot write output " + (path_.empty() ? std::string("stream") : path_) + ": " +
                 ErrnoText(n < 0 ? errno : EIO);
      }
      return;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace converge::exec
