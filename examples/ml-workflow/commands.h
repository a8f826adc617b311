// Subcommands of `converge-ml`. Each Add*Command registers one command on the root app; when
// the command runs it stores its exit status in `*exit_code`: 0, 1 for errors (printed as
// "converge-ml CMD: message" on stderr), 2 for usage errors. Commands are thin: parse flags,
// call the library or the service, print.
#pragma once

#include <CLI/CLI.hpp>

namespace converge::ml {

// `serve [--port P]`: the HTTP service (ml_routes.h) until SIGTERM/SIGINT.
void AddServeCommand(CLI::App& app, int* exit_code);
// `train`, `predict`, `observe`: one request each to the service at --url.
void AddClientCommands(CLI::App& app, int* exit_code);
// `report --url URL --svg FILE [--summary FILE]`.
void AddReportCommand(CLI::App& app, int* exit_code);

}  // namespace converge::ml
