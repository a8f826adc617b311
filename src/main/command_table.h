// The commands of the `converge` binary and the function that registers each (cli/commands.h,
// instance/start_command.h, agent/agent_command.h). Building every command with all of its
// options is most of a client's start (about 1 ms of its 2), so main() registers only the one
// its command line names, and all of them when it names none (help, unknown words).
#pragma once

#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace converge {

struct CommandAdder {
  std::vector<std::string_view> names;  // every top-level command `add` registers
  void (*add)(CLI::App& app, int* exit_code);
};

// Every adder once; names are distinct across the table.
const std::vector<CommandAdder>& CommandAdders();

// Registers the command `name` with its siblings from the same adder (true), or, when no adder
// registers `name` (also for ""), every command (false).
bool AddCommands(CLI::App& app, std::string_view name, int* exit_code);

}  // namespace converge
