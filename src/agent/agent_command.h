// `converge agent`: the per-node daemon of a multi-node instance (registered on the root app
// by main). It serves its node's job parts to the leader (agent_service.h) and registers with
// it (registrar.h).
#pragma once

#include <CLI/CLI.hpp>

namespace converge::agent {

void AddAgentCommand(CLI::App& app, int* exit_code);

}  // namespace converge::agent
