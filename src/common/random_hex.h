// Secrets: random bytes from the kernel (getrandom), as lowercase hex.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace converge {

// `bytes` random bytes as 2 × bytes hex digits. Errors: kInternal when getrandom fails.
Result<std::string> RandomHex(size_t bytes);

}  // namespace converge
