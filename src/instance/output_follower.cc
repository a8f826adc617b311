#include "instance/output_follower.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <boost/asio/post.hpp>

namespace converge::instance {

OutputFollower::OutputFollower(boost::asio::io_context& io, Opener open, int64_t offset,
                               std::shared_ptr<api::Stream> stream, bool follow)
    : io_(io),
      timer_(io),
      open_(std::move(open)),
      offset_(offset),
      stream_(std::move(stream)),
      follow_(follow) {}

OutputFollower::~OutputFollower() {
  if (fd_ >= 0) ::close(fd_);
}

void OutputFollower::Start() { Step(); }

void OutputFollower::Finish() {
  if (done_ || finishing_) return;
  finishing_ = true;
  // A step waiting for the timer runs now; one waiting for a turn or a drain comes anyway.
  if (waiting_ == Waiting::kTimer) timer_.cancel();
}

void OutputFollower::Step() {
  waiting_ = Waiting::kNothing;
  if (done_) return;
  if (stream_->closed()) return End();
  if (stream_->queued() >= kReadAheadBytes) {
    waiting_ = Waiting::kDrain;
    stream_->OnDrain([self = shared_from_this()] { self->Step(); });
    return;
  }
  if (fd_ < 0) {
    Result<int> opened = open_();
    if (!opened.ok()) {
      // Not created yet (or not readable): nothing to send, for now or for good.
      return follow_ && !finishing_ ? WaitForMore() : End();
    }
    fd_ = *opened;
  }
  std::string chunk(kChunkBytes, '\0');
  const ssize_t n = ::pread(fd_, chunk.data(), chunk.size(), offset_);
  if (n < 0 && errno == EINTR) return NextTurn();
  if (n < 0) return End();
  if (n == 0) return follow_ && !finishing_ ? WaitForMore() : End();
  chunk.resize(static_cast<size_t>(n));
  offset_ += n;
  stream_->Write(std::move(chunk));
  NextTurn();
}

void OutputFollower::NextTurn() {
  waiting_ = Waiting::kTurn;
  boost::asio::post(io_, [self = shared_from_this()] { self->Step(); });
}

void OutputFollower::WaitForMore() {
  waiting_ = Waiting::kTimer;
  timer_.expires_after(std::chrono::milliseconds(50));
  // Cancelled by Finish(): step at once to send the rest.
  timer_.async_wait(
      [self = shared_from_this()](const boost::system::error_code&) { self->Step(); });
}

void OutputFollower::End() {
  done_ = true;
  timer_.cancel();
  stream_->Close();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace converge::instance
