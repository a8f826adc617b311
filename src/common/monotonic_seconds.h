// Seconds on the monotonic clock (std::chrono::steady_clock, an arbitrary origin): for
// measuring durations only, never for times of day. Thread-safe.
#pragma once

namespace converge {

double MonotonicSeconds();

}  // namespace converge
