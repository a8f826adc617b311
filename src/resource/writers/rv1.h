// Writer for Flux RV1, the resource set R of RFC 20 (docs/formats/rv1.md).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "resource/graph.h"

namespace converge::resource {

// Describes the resources a job holds as RV1:
//   {"version": 1, "execution": {"R_lite": [{"rank": "0-1", "children": {"core": "0-31",
//    "gpu": "0-1"}}], "nodelist": ["node[0-1]"], "starttime": S, "expiration": E}}
// `allocated` lists leaf vertices (cores, GPUs, memory, ...). Each is charged to its node
// ancestor's rank; children ids are node-local indices (the position of the vertex among
// that node's vertices of its type, so core 3 of every node is "3"). Ranks whose children
// are identical share one R_lite entry (entries ordered by their lowest rank). Memory and
// vertices outside any node are not expressible in R_lite and are skipped; other leaf types
// appear under their type name. nodelist holds the allocated nodes' names in rank order,
// compressed. Duplicates in `allocated` are ignored. Deterministic.
// REQUIRES: every vertex in `allocated` is a valid vertex of `graph`.
nlohmann::json WriteRv1(const Graph& graph, const std::vector<VertexId>& allocated,
                        double starttime, double expiration);

}  // namespace converge::resource
