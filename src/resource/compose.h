// ComposeNodes: one cluster graph from the node graphs that agents report, each node under the
// name the instance knows it by (its host name), in the order given.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "resource/graph.h"

namespace converge::resource {

struct NodePart {
  std::string name;       // the node's name in the composed graph (e.g. "n03")
  const Graph* topology;  // a graph holding one node vertex (e.g. a host's hwloc graph)
  Properties properties;  // added to the node's own (e.g. {"partition", "debug"})
};

// cluster0 -> one node per part, in order, each with the part's name, its own node's properties
// merged with `properties` (the part's win) and a copy of the subtree below its node vertex
// (types, basenames, names, ids, sizes, status, properties kept; ids stay node-local). Errors:
// kInvalidArgument naming the part (`nodes[2]`) when it has no node vertex or its name is
// empty or repeated; none when `parts` is empty. O(total vertices).
Result<Graph> ComposeNodes(const std::vector<NodePart>& parts);

}  // namespace converge::resource
