#include "common/monotonic_seconds.h"

#include <chrono>

namespace converge {

double MonotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace converge
