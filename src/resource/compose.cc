#include "resource/compose.h"

#include <set>

namespace converge::resource {
namespace {

GraphBuilder::VertexSpec SpecOf(const Graph& graph, VertexId v) {
  GraphBuilder::VertexSpec spec;
  spec.type = graph.type_name(graph.type(v));
  spec.basename = graph.basename(v);
  spec.id = graph.id(v);
  spec.size = graph.capacity(v);
  spec.status = graph.status(v);
  spec.properties = graph.properties(v);
  spec.name = graph.name(v);
  return spec;
}

Properties Merge(const Properties& own, const Properties& extra) {
  Properties merged = extra;
  for (const auto& [key, value] : own) {
    bool overridden = false;
    for (const auto& [extra_key, extra_value] : extra) overridden |= extra_key == key;
    if (!overridden) merged.emplace_back(key, value);
  }
  return merged;
}

}  // namespace

Result<Graph> ComposeNodes(const std::vector<NodePart>& parts) {
  if (parts.empty()) return Status::Invalid("nodes", "no nodes to compose");
  GraphBuilder builder;
  builder.Open({.type = "cluster", .id = 0});
  std::set<std::string> seen;
  for (size_t i = 0; i < parts.size(); ++i) {
    const NodePart& part = parts[i];
    const std::string where = "nodes[" + std::to_string(i) + "]";
    if (part.name.empty()) return Status::Invalid(where, "node name is empty");
    if (!seen.insert(part.name).second) {
      return Status::Invalid(where, "node '" + part.name + "' is listed twice");
    }
    if (part.topology == nullptr || part.topology->VerticesOfType(kNode).empty()) {
      return Status::Invalid(where, "the topology of '" + part.name + "' has no node");
    }
    const Graph& graph = *part.topology;
    const VertexId node = graph.VerticesOfType(kNode).front();
    GraphBuilder::VertexSpec node_spec = SpecOf(graph, node);
    node_spec.id = -1;
    node_spec.basename = "node";
    node_spec.name = part.name;
    node_spec.properties = Merge(graph.properties(node), part.properties);
    builder.Open(node_spec);
    // Pre-order copy: before opening v, close the open vertices that are not its ancestors.
    std::vector<VertexId> open = {node};
    for (VertexId v = node + 1; v < graph.SubtreeEnd(node); ++v) {
      while (open.back() != graph.parent(v)) {
        builder.Close();
        open.pop_back();
      }
      builder.Open(SpecOf(graph, v));
      open.push_back(v);
    }
    for (size_t k = 0; k < open.size(); ++k) builder.Close();
  }
  builder.Close();
  return builder.Build();
}

}  // namespace converge::resource
