// Signal names as users write them: "USR1", "SIGUSR1", "usr1" or "10" (scancel -s, flux job
// kill -s, --signal=USR1@60). Pure; thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace converge {

// The signal number of `text`: a name with or without "SIG" (any case) among the usual POSIX
// signals, or a number 1..64. Errors (kInvalidArgument, no where) name the text.
Result<int> ParseSignal(const std::string& text);

// "USR1" for SIGUSR1; the number for signals without a usual name.
std::string SignalName(int signo);

}  // namespace converge
