// The static bootstrap of a multi-node instance (`converge start --nodes FILE`): wait until the
// agent of every listed host registered, then build the resource graph from their topologies.
// Blocking; runs before the instance serves anything.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "agent/protocol.h"
#include "common/status.h"
#include "resource/graph.h"

namespace converge::instance {

struct AgentBootstrapOptions {
  std::vector<std::string> hosts;   // node names, in graph order
  std::string listen;               // tcp:ADDR:PORT the agents reach the leader at
  std::string token;                // shared by the leader and its agents
  double wait_seconds = 60;         // how long to wait for the last agent
  resource::Properties properties;  // given to every node (e.g. {"partition", "debug"})
  // A command that starts the agents (e.g. one `srun` step), spawned in a session of its own
  // before the wait, with its output appended to launch_log; empty = they are started by
  // others (static bootstrap).
  std::vector<std::string> launch;
  std::string launch_log;
};

struct AgentBootstrap {
  std::vector<agent::Registration> agents;  // in hosts order
  std::unique_ptr<resource::Graph> graph;   // cluster0 -> one node per host
  pid_t launcher = 0;                       // the spawned launch command, or 0
};

// Errors: kUnavailable naming the hosts whose agents did not register in time (the launch
// command is then terminated); the host named when its topology is not valid JGF; kInternal
// when the address cannot be listened on or the launch command cannot be spawned.
Result<AgentBootstrap> BootstrapAgents(const AgentBootstrapOptions& options);

// A TCP port free on the IPv4 `address` now, 0 when none could be had. The leader listens on
// its agents' address twice (while it waits for them and then for good), so port 0 would not
// do; the port could be taken in between, and the second listen then fails with the reason.
int FreeTcpPort(const std::string& address);

}  // namespace converge::instance
