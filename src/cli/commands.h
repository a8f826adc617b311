// Subcommands of the `converge` binary. Each Add*Command registers one command (and its
// subcommands) on the root app; when the command runs it stores its exit status in
// `*exit_code`. Commands are thin: parse flags, call the library, print.
#pragma once

#include <CLI/CLI.hpp>

namespace converge::cli {

void AddJobspecCommand(CLI::App& app, int* exit_code);
void AddResourceCommand(CLI::App& app, int* exit_code);
void AddSimCommand(CLI::App& app, int* exit_code);
void AddShimCommand(CLI::App& app, int* exit_code);
// submit, run, batch
void AddSubmitCommands(CLI::App& app, int* exit_code);
// jobs, show, logs, cancel, wait, queue, stop
void AddJobCommands(CLI::App& app, int* exit_code);

}  // namespace converge::cli
