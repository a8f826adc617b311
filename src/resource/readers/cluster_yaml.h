// Reader for cluster description files (YAML; format in docs/formats/cluster.md).
#pragma once

#include <string_view>

#include "common/status.h"
#include "resource/graph.h"
#include "resource/readers/cluster_spec.h"

namespace converge::resource {

// Parses a cluster description and expands it into a Graph:
//   cluster -> [rack] -> node -> socket -> {core, gpu, memory}
// Node vertices get ids 0..N-1 in file order (ranks equal ids) and names basename + padded
// index; sockets, cores, GPUs and memory get node-local ids (core 0..31 in every node).
// Never throws. Errors are kInvalidArgument naming the field path (see ParseClusterSpec), or
// `status.down` etc. for names that match no node or appear under two states.
// Complexity: linear in the number of vertices (10,000 nodes x 41 vertices in ~10 ms).
Result<Graph> ReadClusterYaml(std::string_view text);

// Expands an already validated spec (exposed for tests and generators).
Result<Graph> BuildClusterGraph(const ClusterSpec& spec);

}  // namespace converge::resource
