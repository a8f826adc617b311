// OutputFollower: streams a job's output file to a client, in bounded chunks.
//
// Reads at most kChunkBytes per turn of the event loop (other requests are served in between)
// and only while the stream has less than kReadAheadBytes queued; otherwise it waits for the
// stream to drain, so a client that does not read costs a fixed buffer until the server drops
// it (api::Stream). Without `follow` it sends the file from `offset` to its end and closes the
// stream. With `follow` it then looks for more every 50 ms until Finish() (the job became
// inactive), after which it sends the rest and closes. Stops when the client goes away.
// Lives on the io_context thread; keep it in a shared_ptr (its pending steps hold one).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/http_types.h"
#include "common/status.h"

namespace converge::instance {

class OutputFollower : public std::enable_shared_from_this<OutputFollower> {
 public:
  static constexpr size_t kChunkBytes = 64 * 1024;
  static constexpr size_t kReadAheadBytes = 256 * 1024;

  // Opens the file to read (a descriptor the follower closes), or an error (kNotFound: not
  // created yet). Called until it succeeds, then the descriptor is kept.
  using Opener = std::function<Result<int>()>;

  OutputFollower(boost::asio::io_context& io, Opener open, int64_t offset,
                 std::shared_ptr<api::Stream> stream, bool follow);
  ~OutputFollower();
  OutputFollower(const OutputFollower&) = delete;
  OutputFollower& operator=(const OutputFollower&) = delete;

  void Start();
  // No more output will come: send the rest, then close.
  void Finish();
  bool done() const { return done_; }

 private:
  enum class Waiting { kNothing, kTurn, kTimer, kDrain };

  void Step();       // one chunk, then schedules the next step
  void NextTurn();   // Step() on the next turn of the event loop
  void WaitForMore();
  void End();        // closes the stream; no more steps

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  Opener open_;
  int fd_ = -1;
  int64_t offset_;
  std::shared_ptr<api::Stream> stream_;
  bool follow_;
  bool finishing_ = false;
  bool done_ = false;
  Waiting waiting_ = Waiting::kNothing;
};

}  // namespace converge::instance
