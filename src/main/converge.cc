// converge: the single binary. Dispatches to the subcommands in cli/.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/agent_command.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "instance/start_command.h"

int main(int argc, char** argv) {
  CLI::App app{"converge: a workload manager for converged HPC and cloud computing", "converge"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "converge 0.1.0");
  int exit_code = 0;
  converge::cli::AddJobspecCommand(app, &exit_code);
  converge::cli::AddResourceCommand(app, &exit_code);
  converge::cli::AddSimCommand(app, &exit_code);
  converge::cli::AddShimCommand(app, &exit_code);
  converge::cli::AddDrainCommands(app, &exit_code);
  converge::cli::AddSubmitCommand(app, &exit_code);
  converge::cli::AddRunCommand(app, &exit_code);
  converge::cli::AddBatchCommand(app, &exit_code);
  converge::cli::AddAllocCommand(app, &exit_code);
  converge::cli::AddJobsCommand(app, &exit_code);
  converge::cli::AddShowCommand(app, &exit_code);
  converge::cli::AddLogsCommand(app, &exit_code);
  converge::cli::AddCancelCommand(app, &exit_code);
  converge::cli::AddWaitCommand(app, &exit_code);
  converge::cli::AddUrgencyCommands(app, &exit_code);
  converge::cli::AddQueueCommand(app, &exit_code);
  converge::cli::AddStopCommand(app, &exit_code);
  converge::cli::AddApplyCommands(app, &exit_code);
  converge::cli::AddGetCommands(app, &exit_code);
  converge::cli::AddServiceCommand(app, &exit_code);
  converge::instance::AddStartCommand(app, &exit_code);
  converge::agent::AddAgentCommand(app, &exit_code);
  if (argc > 1 && argv[1][0] != '-') {
    try {
      app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      std::fprintf(stderr, "converge: unknown command '%s' (see converge --help)\n", argv[1]);
      return 2;
    }
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
