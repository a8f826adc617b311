// `converge start`: registered on the root app by main (the daemon side of the binary).
#pragma once

#include <CLI/CLI.hpp>

namespace converge::instance {

void AddStartCommand(CLI::App& app, int* exit_code);

}  // namespace converge::instance
