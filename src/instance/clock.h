// Clock: the time of the instance's event loop — the wall time it reads and the timers it
// arms. JobManager (commit retries, start times, deadlines) and WorkloadManager (service
// back-off, readiness probes) take one; production uses AsioClock (asio_clock.h), unit tests
// ManualClock (manual_clock.h), whose time moves only when the test says so.
//
// Contract shared by every implementation:
// - Now() is epoch seconds; it may jump (the wall clock is set), timers do not follow it.
// - After() never calls `fire` from within itself; `fire` runs at most once, on the loop's
//   thread, no sooner than `delay` from the call, and never once its Timer was cancelled or
//   destroyed. (The order of timers due at the same instant is up to the implementation;
//   ManualClock keeps the order they were armed in.)
// Not thread-safe: the owner's event loop thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace converge::instance {

// A pending call armed by Clock::After(). Destroying it cancels it.
class Timer {
 public:
  virtual ~Timer() = default;
  // The call will not run (no-op once it ran or was cancelled).
  virtual void Cancel() = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;

  // Epoch seconds.
  virtual double Now() const = 0;
  // Arms a one-shot call to `fire` after `delay` (a negative delay counts as 0). The Timer
  // must not outlive the clock's event loop; keep it for as long as the call may still be
  // wanted.
  [[nodiscard]] virtual std::unique_ptr<Timer> After(std::chrono::milliseconds delay,
                                                     std::function<void()> fire) = 0;
};

}  // namespace converge::instance
