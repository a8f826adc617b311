#include "instance/output_follower.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>

namespace converge::instance {

OutputFollower::OutputFollower(boost::asio::io_context& io, Opener open, int64_t offset,
                               std::shared_ptr<api::Stream> stream)
    : timer_(io), open_(std::move(open)), offset_(offset), stream_(std::move(stream)) {}

void OutputFollower::Start() {
  Pump();
  Arm();
}

void OutputFollower::Finish() {
  if (done_) return;
  Pump();
  done_ = true;
  timer_.cancel();
  stream_->Close();
}

void OutputFollower::Pump() {
  Result<int> opened = open_();
  if (!opened.ok()) return;  // not created yet, or not readable: nothing to send
  const int fd = *opened;
  char buffer[65536];
  ssize_t n;
  while ((n = ::pread(fd, buffer, sizeof buffer, offset_)) > 0) {
    stream_->Write(std::string(buffer, static_cast<size_t>(n)));
    offset_ += n;
  }
  ::close(fd);
}

void OutputFollower::Arm() {
  timer_.expires_after(std::chrono::milliseconds(50));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (error || self->done_) return;
    if (self->stream_->closed()) {
      self->done_ = true;
      return;
    }
    self->Pump();
    self->Arm();
  });
}

}  // namespace converge::instance
