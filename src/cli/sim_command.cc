#include "cli/commands.h"

namespace converge::cli {

void AddSimCommand(CLI::App& app, int* exit_code) {}

}  // namespace converge::cli
