// InstanceLauncher: runs a real `converge start` in a temporary state folder for end-to-end
// tests, and runs CLI commands against it (CONVERGE_URI set). The instance runs in the
// foreground as a child process so that tests can kill -9 it and start it again on the same
// state. Its log is printed by PrintLogIfFailed() (call it at the end of a test).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "tests/testutil/run_command.h"

namespace converge::testutil {

struct InstanceOptions {
  std::string resources;               // --resources; "" = hwloc
  std::string policy = "fcfs";
  std::vector<std::string> extra_args; // more `converge start` flags
  bool tcp = false;                    // also listen on tcp:127.0.0.1:0 (see TcpAddress())
};

class InstanceLauncher {
 public:
  explicit InstanceLauncher(InstanceOptions options = {});
  ~InstanceLauncher();  // `converge stop` (jobs cancelled), else SIGKILL and the shims ended
  InstanceLauncher(const InstanceLauncher&) = delete;
  InstanceLauncher& operator=(const InstanceLauncher&) = delete;

  // Starts the instance and waits (up to 20 s) until it answers. False if it did not.
  bool Start();
  void Kill9();                      // kill -9 and reap; the state folder stays
  bool Stop();                       // `converge stop`, then waits for the process to exit
  bool running() const { return pid_ > 0; }

  // Runs `converge ARGS` against this instance.
  CommandResult Run(const std::vector<std::string>& args, const std::string& input = "",
                    const std::map<std::string, std::string>& env = {}) const;
  const std::string& state_dir() const { return state_dir_; }
  std::string uri() const { return "unix:" + socket_; }
  std::string log() const;  // what the instance printed
  // "tcp:127.0.0.1:PORT" as the instance reported it, or "" (InstanceOptions::tcp).
  std::string TcpAddress() const;
  void PrintLogIfFailed() const;

 private:
  TempDir dir_;
  InstanceOptions options_;
  std::string state_dir_;
  std::string socket_;
  pid_t pid_ = -1;
};

// Runs the converge binary with extra environment variables.
CommandResult RunConvergeWithEnv(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& input = "");

// Runs any program (argv[0] looked up in PATH) and captures its output.
CommandResult RunProgram(const std::vector<std::string>& argv, const std::string& input = "");

}  // namespace converge::testutil
