// The simulated machine: a cluster of identical nodes, built in code.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "resource/graph.h"

namespace converge::sim {

// cluster0 -> node0..node{nodes-1} -> core0..core{cores_per_node-1} (core ids local to
// their node). Errors: kInvalidArgument when a size is < 1 or the graph would exceed
// 2^31 vertices. O(nodes × cores_per_node).
Result<resource::Graph> BuildMachine(int64_t nodes, int64_t cores_per_node);

// The number of core vertices in `graph` (the machine size the metrics use).
int64_t CoreCount(const resource::Graph& graph);

}  // namespace converge::sim
