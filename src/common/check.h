// CHECK: asserts for programmer errors only. Must be unreachable from user input.
// On failure prints the condition, location and message to stderr and aborts.
#pragma once

#include <string_view>

namespace converge::internal {
[[noreturn]] void CheckFailed(const char* condition, const char* file, int line,
                              std::string_view message);
}  // namespace converge::internal

#define CHECK(condition, message)                                                \
  do {                                                                           \
    if (!(condition)) [[unlikely]] {                                             \
      ::converge::internal::CheckFailed(#condition, __FILE__, __LINE__, message); \
    }                                                                            \
  } while (0)
