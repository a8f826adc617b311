// Subgraph: the part of a graph that a set of leaves spans — the leaves, their ancestors and
// nothing else — as a graph of its own. A nested instance is given the subgraph of its
// parent's allocation, so that it schedules inside exactly what the parent granted.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "resource/graph.h"

namespace converge::resource {

struct LeafAmount {
  VertexId vertex;  // a leaf of the source graph
  int64_t amount;   // its capacity in the subgraph (MiB of a memory pool, 1 for a core)
};

// Keeps every vertex field (type, basename, name, id, rank, status, properties); leaves get
// `amount` as their capacity. Errors: kInvalidArgument for a vertex outside the graph, a
// non-leaf, or no leaves at all. O(graph size).
Result<Graph> Subgraph(const Graph& graph, const std::vector<LeafAmount>& leaves);

}  // namespace converge::resource
