// ManualClock: a Clock for unit tests whose time moves only in Advance(). Timers fire inside
// Advance(), on the caller's thread, in the order they are due (ties: the order they were
// armed), with Now() set to each one's due time as it fires; a timer armed by a firing one
// fires in the same Advance() when it falls due within it. Nothing else moves time, so a
// test of back-off or probe intervals needs no sleeps. Test-only; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "instance/clock.h"

namespace converge::instance {

class ManualClock final : public Clock {
 public:
  // Starts at `start` epoch seconds.
  explicit ManualClock(double start = 1.7e9);

  double Now() const override;
  std::unique_ptr<Timer> After(std::chrono::milliseconds delay,
                               std::function<void()> fire) override;

  // Moves time forward by `delta` (>= 0), firing every timer due by then.
  void Advance(std::chrono::milliseconds delta);
  // Timers armed and neither fired nor cancelled.
  size_t pending() const;
  // Milliseconds from now until the next pending timer is due, or nullopt when none is.
  std::optional<std::chrono::milliseconds> next_due() const;

 private:
  using Key = std::pair<int64_t, uint64_t>;  // (due, in ms since start; arming order)
  struct State {
    int64_t now_ms = 0;  // since start
    uint64_t next_seq = 0;
    std::map<Key, std::function<void()>> timers;
  };
  class ManualTimer;

  double start_;
  // Shared with the Timers, which may outlive the clock (they then do nothing).
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace converge::instance
