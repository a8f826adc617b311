// Helpers for the benchmarks tests only: reading captured outputs, running a Plan's script for
// real, finding a Value by name.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "benchmarks/metric.h"
#include "benchmarks/shell_quote.h"

namespace converge::benchmarks::testing {

// src/benchmarks/testdata/NAME (tests run at the repository root); "" when unreadable.
inline std::string ReadTestData(const std::string& name) {
  std::ifstream file("src/benchmarks/testdata/" + name, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Whether `program` is on PATH (a real-run test skips without it).
inline bool Installed(const std::string& program) {
  return std::system(("command -v " + ShellQuote(program) + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs argv as rank `rank` of `count` tasks; its stdout (stderr is dropped).
inline std::string RunTask(const std::vector<std::string>& argv, int rank = 0, int count = 1) {
  std::string command = "CONVERGE_TASK_RANK=" + std::to_string(rank) +
                        " CONVERGE_TASK_COUNT=" + std::to_string(count);
  for (const std::string& word : argv) command += " " + ShellQuote(word);
  command += " 2>/dev/null";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 4096> buffer;
  size_t got = 0;
  while ((got = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    output.append(buffer.data(), got);
  }
  pclose(pipe);
  return output;
}

// The value named `name`, or nullptr.
inline const Value* Find(const std::vector<Value>& values, const std::string& name) {
  for (const Value& value : values) {
    if (value.name == name) return &value;
  }
  return nullptr;
}

// Every name is lowercase letters, digits and '_' (metric.h's promise).
inline bool NamesWellFormed(const std::vector<Value>& values) {
  for (const Value& value : values) {
    if (value.name.empty()) return false;
    for (char c : value.name) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
  }
  return true;
}

}  // namespace converge::benchmarks::testing
