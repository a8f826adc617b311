#include "resource/writers/jgf.h"

#include <nlohmann/json.hpp>
#include <vector>

namespace converge::resource {

std::string WriteJgf(const Graph& graph) {
  using nlohmann::ordered_json;
  std::string out = "{\"graph\": {\"nodes\": [\n";
  std::vector<std::string> paths(graph.size());
  for (VertexId v = 0; v < graph.size(); ++v) {
    VertexId parent = graph.parent(v);
    std::string name = graph.name(v);
    paths[v] = (parent == kNoVertex ? std::string() : paths[parent]) + "/" + name;
    ordered_json metadata;
    bool memory = graph.type(v) == kMemory;
    metadata["type"] = graph.type_name(graph.type(v));
    metadata["basename"] = graph.basename(v);
    metadata["name"] = std::move(name);
    metadata["id"] = graph.id(v);
    metadata["uniq_id"] = v;
    metadata["rank"] = graph.rank(v);
    metadata["exclusive"] = false;
    metadata["unit"] = memory ? "MiB" : "";
    metadata["size"] = graph.capacity(v);
    metadata["paths"] = {{"containment", paths[v]}};
    if (!graph.properties(v).empty()) {
      ordered_json properties = ordered_json::object();
      for (const auto& [key, value] : graph.properties(v)) properties[key] = value;
      metadata["properties"] = std::move(properties);
    }
    if (graph.status(v) != VertexStatus::kUp)
      metadata["status"] = VertexStatusName(graph.status(v));
    ordered_json node;
    node["id"] = std::to_string(v);
    node["metadata"] = std::move(metadata);
    // Readers only accept UTF-8; replacing keeps a graph built by hand from throwing here.
    out += node.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    out += v + 1 < graph.size() ? ",\n" : "\n";
  }
  out += "], \"edges\": [\n";
  for (VertexId v = 1; v < graph.size(); ++v) {
    out += "{\"source\": \"" + std::to_string(graph.parent(v)) + "\", \"target\": \"" +
           std::to_string(v) + "\", \"metadata\": {\"subsystem\": \"containment\"}}";
    out += v + 1 < graph.size() ? ",\n" : "\n";
  }
  out += "]}}\n";
  return out;
}

}  // namespace converge::resource
