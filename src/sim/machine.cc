#include "sim/machine.h"

namespace converge::sim {

Result<resource::Graph> BuildMachine(int64_t nodes, int64_t cores_per_node) {
  if (nodes < 1) return Status::Invalid("nodes", "must be >= 1");
  if (cores_per_node < 1) return Status::Invalid("cores_per_node", "must be >= 1");
  constexpr int64_t kMaxVertices = int64_t{1} << 30;
  if (nodes > kMaxVertices || cores_per_node > kMaxVertices ||
      nodes * (cores_per_node + 1) + 1 > kMaxVertices) {
    return Status::Invalid("nodes", "machine too large (more than 2^30 vertices)");
  }
  resource::GraphBuilder builder;
  builder.Reserve(static_cast<size_t>(nodes * (cores_per_node + 1) + 1));
  builder.Open(resource::kCluster, 0, 1);
  for (int64_t node = 0; node < nodes; ++node) {
    builder.Open(resource::kNode, node, 1);
    for (int64_t core = 0; core < cores_per_node; ++core) {
      builder.Open(resource::kCore, core, 1);
      builder.Close();
    }
    builder.Close();
  }
  builder.Close();
  return builder.Build();
}

int64_t CoreCount(const resource::Graph& graph) {
  const int core = graph.FindType("core");
  if (core < 0) return 0;
  return static_cast<int64_t>(graph.VerticesOfType(static_cast<resource::TypeId>(core)).size());
}

}  // namespace converge::sim
