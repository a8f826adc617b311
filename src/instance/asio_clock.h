// AsioClock: the production Clock — the system's wall clock for Now() and
// boost::asio::steady_timer on the instance's io_context for After() (timers follow the
// monotonic clock, not wall-clock jumps). Not thread-safe: the io_context's thread only.
#pragma once

#include <boost/asio/io_context.hpp>

#include "instance/clock.h"

namespace converge::instance {

class AsioClock final : public Clock {
 public:
  // `io` must outlive the clock and every Timer it returns.
  explicit AsioClock(boost::asio::io_context& io) : io_(io) {}

  double Now() const override;
  std::unique_ptr<Timer> After(std::chrono::milliseconds delay,
                               std::function<void()> fire) override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace converge::instance
