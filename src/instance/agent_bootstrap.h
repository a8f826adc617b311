// The static bootstrap of a multi-node instance (`converge start --nodes FILE`): wait until the
// agent of every listed host registered, then build the resource graph from their topologies.
// Blocking; runs before the instance serves anything.
#pragma once

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
};

struct AgentBootstrap {
  std::vector<agent::Registration> agents;  // in hosts order
  std::unique_ptr<resource::Graph> graph;   // cluster0 -> one node per host
};

// Errors: kUnavailable naming the hosts whose agents did not register in time; the host named
// when its topology is not valid JGF; kInternal when the address cannot be listened on.
Result<AgentBootstrap> BootstrapAgents(const AgentBootstrapOptions& options);

}  // namespace converge::instance
