// FindCycle: the first cycle of a small directed graph, for reporting dependsOn loops.
// Pure; O(nodes + edges); iterative (no recursion), so any graph size is safe.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace converge::workload {

// `edges[u]` lists the nodes u points to (u dependsOn v); every v < edges.size().
// Depth-first search from node 0, 1, ... in order, following edges in list order. On the
// first back edge u -> v returns the cycle as nodes {u, v, ..., u} (first and last equal):
// u is the node whose edge closes the loop. std::nullopt when the graph is acyclic.
std::optional<std::vector<size_t>> FindCycle(const std::vector<std::vector<size_t>>& edges);

}  // namespace converge::workload
