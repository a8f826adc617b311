// `converge agent`: the per-node daemon of a multi-node instance (registered on the root app
// by main). It serves its node's job parts to the leader (agent_service.h) and registers with
// it (registrar.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace converge::agent {

struct AgentOptions {
  std::string leader;  // tcp:HOST:PORT of the leader's API
  std::string token;   // shared by the leader and its agents
  std::string listen;  // tcp:ADDR:PORT to serve on; "" = port 0 towards the leader
  std::string name;    // this node's name; "" = SLURMD_NODENAME or the host name
  std::string state;   // folder of the parts' run files; "" = /tmp/converge-agent-UID-NAME-DIGEST
  double heartbeat = 2;            // seconds between registrations
  double exit_without_leader = 0;  // > 0: exit once the leader is gone this long (Registrar)
  // Only errors on stderr, no banner or registration news: the agent runs as a task of a
  // nested instance, whose output is the user's job output.
  bool quiet = false;
};

// Runs an agent until SIGINT/SIGTERM (or the leader is gone, see exit_without_leader); its
// parts keep running under their shims. Returns the exit status; errors go to stderr.
int RunAgent(const AgentOptions& options);

void AddAgentCommand(CLI::App& app, int* exit_code);

}  // namespace converge::agent
