// converge: the single binary. Dispatches to the subcommands in cli/.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"converge: a workload manager for converged HPC and cloud computing"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "converge 0.1.0");
  int exit_code = 0;
  converge::cli::AddJobspecCommand(app, &exit_code);
  converge::cli::AddResourceCommand(app, &exit_code);
  converge::cli::AddSimCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return exit_code;
}
