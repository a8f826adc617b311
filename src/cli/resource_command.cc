#include "cli/commands.h"

namespace converge::cli {

void AddResourceCommand(CLI::App& app, int* exit_code) {}

}  // namespace converge::cli
