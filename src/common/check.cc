#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace converge::internal {

void CheckFailed(const char* condition, const char* file, int line, std::string_view message) {
  std::fprintf(stderr, "CHECK failed at %s:%d: %s: %.*s\n", file, line, condition,
               static_cast<int>(message.size()), message.data());
  std::abort();
}

}  // namespace converge::internal
