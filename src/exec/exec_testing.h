// Helpers for the exec tests: specs for shell tasks, running the real converge-shim binary with
// a deadline, and reading what it left in the run folder. Test-only.
#pragma once

#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "exec/pidfd.h"
#include "exec/run_files.h"
#include "exec/shim_spec.h"
#include "tests/testutil/run_command.h"

namespace converge::exec::testing {

inline constexpr const char* kTestPath = "PATH=/usr/local/bin:/usr/bin:/bin";

// A job of `ranks` tasks running `sh -c script`, each with RANK set, all writing to DIR/out.
inline ShimSpec ShellJob(const std::string& dir, int64_t id, const std::string& script,
                         int ranks = 1) {
  ShimSpec spec;
  spec.job_id = id;
  for (int rank = 0; rank < ranks; ++rank) {
    spec.tasks.push_back(
        {rank, {"sh", "-c", script}, {kTestPath, "RANK=" + std::to_string(rank)}, {}});
  }
  spec.stdout_path = dir + "/out";
  spec.stderr_path = dir + "/out";
  spec.grace_ms = 200;
  return spec;
}

inline void WriteSpec(const std::string& dir, const ShimSpec& spec) {
  ASSERT_TRUE(
      WriteFileAtomicAt(AT_FDCWD, dir + "/" + SpecFileName(spec.job_id), ToJson(spec), false).ok());
}

// Starts converge-shim DIR ID; returns its pid.
inline pid_t SpawnShim(const std::string& dir, int64_t id) {
  std::string bin = CONVERGE_SHIM_BIN;
  std::string job = std::to_string(id);
  std::string run_dir = dir;
  char* argv[] = {bin.data(), run_dir.data(), job.data(), nullptr};
  pid_t pid = 0;
  EXPECT_EQ(::posix_spawn(&pid, bin.c_str(), nullptr, nullptr, argv, environ), 0);
  return pid;
}

// Waits for `pid` at most `timeout`; kills it when it overruns. Returns its exit status, or
// -1 (timed out, or killed by a signal).
inline int WaitShim(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  int pidfd = PidfdOpen(pid);
  pollfd descriptor{pidfd, POLLIN, 0};
  if (pidfd < 0 || ::poll(&descriptor, 1, static_cast<int>(timeout.count())) != 1) {
    ADD_FAILURE() << "converge-shim did not end within " << timeout.count() << " ms";
    ::kill(pid, SIGKILL);
  }
  if (pidfd >= 0) ::close(pidfd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Writes `spec` and runs the shim binary on it to the end.
inline int RunShimBinary(const std::string& dir, const ShimSpec& spec) {
  WriteSpec(dir, spec);
  return WaitShim(SpawnShim(dir, spec.job_id));
}

inline Result<ShimResult> ResultIn(const std::string& dir, int64_t id) {
  Result<std::string> text = ReadFileAt(AT_FDCWD, dir + "/" + ResultFileName(id));
  if (!text.ok()) return text.status();
  return ShimResultFromJson(*text);
}

inline bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Polls `done` every millisecond until it holds or `timeout` passes (test-side only).
template <typename Done>
bool WaitUntil(Done done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline int64_t NowMs() { return EpochMs(); }

}  // namespace converge::exec::testing
