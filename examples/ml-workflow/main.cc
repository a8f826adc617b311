// converge-ml: the simulation -> ML demo's model service and its clients (see README.md).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "examples/ml-workflow/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"converge-ml: predicts LAMMPS wall time from box size and ranks"};
  app.require_subcommand(1);
  int exit_code = 0;
  converge::ml::AddServeCommand(app, &exit_code);
  converge::ml::AddClientCommands(app, &exit_code);
  converge::ml::AddReportCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? 0 : 2;
  }
  return exit_code;
}
