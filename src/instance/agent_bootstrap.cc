#include "instance/agent_bootstrap.h"

#include "agent/multi_node_executor.h"
#include "resource/compose.h"
#include "resource/readers/jgf.h"

namespace converge::instance {

Result<AgentBootstrap> BootstrapAgents(const AgentBootstrapOptions& options) {
  Result<std::vector<agent::Registration>> agents =
      agent::WaitForAgents(options.hosts, options.listen, options.token, options.wait_seconds);
  if (!agents.ok()) return agents.status();
  std::vector<resource::Graph> topologies;
  topologies.reserve(agents->size());
  for (const agent::Registration& registration : *agents) {
    Result<resource::Graph> topology = resource::ReadJgf(registration.topology);
    if (!topology.ok()) {
      return topology.status().WithPrefix("topology of " + registration.name);
    }
    topologies.push_back(std::move(topology).value());
  }
  std::vector<resource::NodePart> parts;
  for (size_t i = 0; i < agents->size(); ++i) {
    parts.push_back({(*agents)[i].name, &topologies[i], options.properties});
  }
  Result<resource::Graph> graph = resource::ComposeNodes(parts);
  if (!graph.ok()) return graph.status();
  AgentBootstrap bootstrap;
  bootstrap.agents = std::move(agents).value();
  bootstrap.graph = std::make_unique<resource::Graph>(std::move(graph).value());
  return bootstrap;
}

}  // namespace converge::instance
