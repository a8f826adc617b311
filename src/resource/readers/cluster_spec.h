// ClusterSpec: the validated content of a cluster description file (docs/formats/cluster.md),
// before it is expanded into a Graph. Parsing checks every field and names it in errors
// (`nodes[0].cores_per_socket: must be >= 1`); expansion (cluster_yaml.h) then cannot fail
// on user input except for unknown names in `status`.
// Value types; parsing is a pure function of the text and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "resource/graph.h"

namespace converge::resource {

// The largest graph a cluster file may describe (vertices, all levels included).
constexpr int64_t kMaxClusterVertices = 50'000'000;
// The largest cluster file accepted (bytes); real files are a few hundred bytes.
constexpr size_t kMaxClusterFileBytes = 4 << 20;

struct NodeTemplate {
  int64_t count = 1;              // nodes made from this template
  std::string basename = "node";  // node names are basename + (start + i), zero padded
  int64_t start = -1;             // first index; -1: continue after the previous template
                                  // with the same basename (0 for the first one)
  int padding = 0;                // minimum digits of the index ("node007" for 3)
  int64_t sockets = 1;
  int64_t cores_per_socket = 1;
  int64_t gpus_per_socket = 0;
  int64_t memory_per_socket_mib = 0;  // 0: no memory vertex
  Properties properties;              // sorted by key
  VertexStatus status = VertexStatus::kUp;

  // Vertices one node of this template contributes (the node included).
  int64_t VerticesPerNode() const {
    return 1 +
           sockets * (1 + cores_per_socket + gpus_per_socket + (memory_per_socket_mib > 0 ? 1 : 0));
  }
};

struct ClusterSpec {
  std::string name = "cluster";  // the root vertex's name (and basename)
  int64_t nodes_per_rack = 0;    // 0: nodes hang directly below the cluster
  std::string rack_basename = "rack";
  std::vector<NodeTemplate> nodes;
  // Hostlists from `status:`; node names are resolved when the graph is built.
  std::vector<std::string> down;
  std::vector<std::string> drained;
  std::vector<std::string> up;
};

// Parses and validates a cluster description. Never throws. Errors are kInvalidArgument
// with `where` set to the field path (`nodes[1].memory_per_socket`) or `line N` for YAML
// syntax errors. Rejects unknown keys, wrong types, counts below their minimum, bad memory
// units, inputs over kMaxClusterFileBytes or nested too deeply, and clusters over
// kMaxClusterVertices vertices.
Result<ClusterSpec> ParseClusterSpec(std::string_view text);

// Parses a memory amount into MiB: a plain integer is MiB; otherwise an integer followed by
// MiB, GiB or TiB ("128GiB"). Errors name no field (callers add it).
Result<int64_t> ParseMemoryMiB(std::string_view text);

}  // namespace converge::resource
