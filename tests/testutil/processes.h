// Finding processes a test left behind: by exact command line, through /proc. Test-only;
// thread-safe (no shared state).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace converge::testutil {

// Pids of the live processes whose command line is exactly `argv` (zombies have none).
std::vector<pid_t> ProcessesRunning(const std::vector<std::string>& argv);

// Waits (polling, at most `timeout`) until no process runs `argv`; true if none is left.
bool NoProcessRunning(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = std::chrono::seconds(2));

// Waits (polling, at most `timeout`) until some process runs `argv`; false if none came.
bool ProcessAppears(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Kills (SIGKILL) every process running `argv` when it goes out of scope, so that what a failed
// test left behind does not pile up across runs.
class ProcessSweep {
 public:
  explicit ProcessSweep(std::vector<std::string> argv) : argv_(std::move(argv)) {}
  ~ProcessSweep();
  ProcessSweep(const ProcessSweep&) = delete;
  ProcessSweep& operator=(const ProcessSweep&) = delete;

 private:
  std::vector<std::string> argv_;
};

}  // namespace converge::testutil
