#include "resource/subgraph.h"

#include <string>

namespace converge::resource {

Result<Graph> Subgraph(const Graph& graph, const std::vector<LeafAmount>& leaves) {
  if (leaves.empty()) return Status::Invalid("leaves", "no resources to keep");
  std::vector<int64_t> amount(static_cast<size_t>(graph.size()), -1);  // -1: dropped
  for (const LeafAmount& leaf : leaves) {
    if (leaf.vertex < 0 || leaf.vertex >= graph.size() || !graph.IsLeaf(leaf.vertex)) {
      return Status::Invalid(
          "leaves", "vertex " + std::to_string(leaf.vertex) + " is not a leaf of the graph");
    }
    amount[static_cast<size_t>(leaf.vertex)] = leaf.amount;
    for (VertexId up = graph.parent(leaf.vertex); up != kNoVertex; up = graph.parent(up)) {
      if (amount[static_cast<size_t>(up)] >= 0) break;
      amount[static_cast<size_t>(up)] = graph.capacity(up);
    }
  }
  GraphBuilder builder;
  std::vector<VertexId> open;  // source vertices currently open in the builder
  for (VertexId v = 0; v < graph.size(); ++v) {
    if (amount[static_cast<size_t>(v)] < 0) continue;
    while (!open.empty() && !graph.Contains(open.back(), v)) {
      builder.Close();
      open.pop_back();
    }
    GraphBuilder::VertexSpec spec;
    spec.type = graph.type_name(graph.type(v));
    spec.basename = graph.basename(v);
    spec.id = graph.id(v);
    spec.size = amount[static_cast<size_t>(v)];
    spec.rank = graph.rank(v);
    spec.status = graph.status(v);
    spec.properties = graph.properties(v);
    spec.name = graph.name(v);
    builder.Open(spec);
    open.push_back(v);
  }
  while (!open.empty()) {
    builder.Close();
    open.pop_back();
  }
  return builder.Build();
}

}  // namespace converge::resource
