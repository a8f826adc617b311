// Helpers for end-to-end tests: run the real `converge` binary and capture its output.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace converge::testutil {

struct CommandResult {
  int exit_code = -1;  // the process's exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Runs build/bin/converge with `args` (no shell involved), optionally feeding `input` on
// stdin, and waits for it. Paths in args are used as given (tests run from the repo root).
CommandResult RunConverge(const std::vector<std::string>& args, const std::string& input = "");

// Runs `argv` (argv[0] looked up in PATH when `path_lookup`) with this process's environment
// plus `env_overrides`, feeding `input` on stdin, and waits for it.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env_overrides,
                         const std::string& input, bool path_lookup);

// The path of the binary under test.
std::string ConvergeBinary();

// A fresh temporary directory, removed with its contents when the object is destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// Reads a whole file; empty string if it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace converge::testutil
