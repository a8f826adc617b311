// converge: the single binary. Dispatches to the subcommands in cli/.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/job_options.h"
#include "main/command_table.h"

int main(int argc, char** argv) {
  CLI::App app{"converge: a workload manager for converged HPC and cloud computing", "converge"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "converge 0.1.0");
  int exit_code = 0;
  const std::string_view first = argc > 1 && argv[1][0] != '-' ? argv[1] : "";
  if (!converge::AddCommands(app, first, &exit_code) && !first.empty()) {
    std::fprintf(stderr, "converge: unknown command '%s' (see converge --help)\n", argv[1]);
    return 2;
  }
  // Commands that take a program after their flags (prefix_command) end their options at its
  // first word or at "--", as in `converge submit -N2 -- ./sim`.
  std::vector<std::string> args = converge::cli::MarkEndOfOptions({argv + 1, argv + argc});
  std::reverse(args.begin(), args.end());  // CLI11 takes its words last first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& error) {
    int status = app.exit(error);
    return status == 0 ? 0 : 2;  // usage errors exit 2, like the commands' own checks
  }
  return exit_code;
}
