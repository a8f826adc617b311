// Test helpers for programs a test starts beside the instance (a Prometheus, a chromedriver,
// `converge ui`): a free loopback port, and a child process killed when the test is done.
// Test-only; thread-compatible.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace converge::testutil {

// A loopback TCP port nobody listens on now (the kernel's pick for port 0).
int FreeLoopbackPort();

// `argv` (argv[0] looked up in PATH) with `env` added to the environment, its stdout and
// stderr in the file `log_path`; killed (SIGKILL) when destroyed, and also when the test
// process dies (PR_SET_PDEATHSIG).
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
               const std::map<std::string, std::string>& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const;  // started and not exited (reaps it when it has)
  std::string log() const;

 private:
  std::string log_path_;
  pid_t pid_ = -1;
  mutable bool exited_ = false;
};

}  // namespace converge::testutil
