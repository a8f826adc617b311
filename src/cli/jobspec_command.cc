#include "cli/commands.h"

namespace converge::cli {

void AddJobspecCommand(CLI::App& app, int* exit_code) {}

}  // namespace converge::cli
