#include "resource/readers/jgf.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "resource/readers/input_guard.h"

namespace converge::resource {

namespace {

using nlohmann::json;

constexpr size_t kMaxNames = 60000;

std::string At(const std::string& path, const std::string& key) { return path + "." + key; }

Result<int64_t> GetInt(const json& object, const std::string& path, const char* key,
                       int64_t fallback, int64_t min, int64_t max) {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer()) return Status::Invalid(At(path, key), "must be an integer");
  int64_t value = 0;
  if (it->is_number_unsigned()) {
    uint64_t raw = it->get<uint64_t>();
    if (raw > static_cast<uint64_t>(max)) {
      return Status::Invalid(At(path, key), "must be <= " + std::to_string(max));
    }
    value = static_cast<int64_t>(raw);
  } else {
    value = it->get<int64_t>();
  }
  if (value < min) return Status::Invalid(At(path, key), "must be >= " + std::to_string(min));
  if (value > max) return Status::Invalid(At(path, key), "must be <= " + std::to_string(max));
  return value;
}

Result<std::string> GetString(const json& object, const std::string& path, const char* key,
                              bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return Status::Invalid(At(path, key), "is required");
    return std::string();
  }
  if (!it->is_string()) return Status::Invalid(At(path, key), "must be a string");
  return it->get<std::string>();
}

// MiB per unit for memory sizes; 0 for an unknown unit.
int64_t MemoryFactor(const std::string& unit) {
  if (unit.empty() || unit == "MiB" || unit == "MB") return 1;
  if (unit == "GiB" || unit == "GB") return 1024;
  if (unit == "TiB" || unit == "TB") return 1024 * 1024;
  return 0;
}

Result<VertexStatus> GetStatus(const json& metadata, const std::string& path) {
  auto it = metadata.find("status");
  if (it == metadata.end()) return VertexStatus::kUp;
  if (it->is_string()) {
    Result<VertexStatus> status = ParseVertexStatus(it->get<std::string>());
    if (!status.ok()) return status.status().WithPrefix(At(path, "status"));
    return status;
  }
  if (it->is_number_integer()) {  // Fluxion's numeric form: 0 up, 1 down
    int64_t value = it->get<int64_t>();
    if (value == 0) return VertexStatus::kUp;
    if (value == 1) return VertexStatus::kDown;
  }
  return Status::Invalid(At(path, "status"), "must be \"up\", \"down\" or \"drained\"");
}

Result<GraphBuilder::VertexSpec> ParseVertex(const json& node, const std::string& path) {
  auto meta_it = node.find("metadata");
  if (meta_it == node.end()) return Status::Invalid(At(path, "metadata"), "is required");
  if (!meta_it->is_object()) return Status::Invalid(At(path, "metadata"), "must be an object");
  const json& metadata = *meta_it;
  std::string mpath = At(path, "metadata");
  GraphBuilder::VertexSpec spec;
  Result<std::string> type = GetString(metadata, mpath, "type", true);
  if (!type.ok()) return type.status();
  if (type->empty()) return Status::Invalid(At(mpath, "type"), "must not be empty");
  spec.type = *type;
  Result<std::string> basename = GetString(metadata, mpath, "basename", false);
  if (!basename.ok()) return basename.status();
  spec.basename = *basename;
  Result<std::string> name = GetString(metadata, mpath, "name", false);
  if (!name.ok()) return name.status();
  spec.name = *name;
  Result<int64_t> id = GetInt(metadata, mpath, "id", -1, -1, INT64_MAX / 2);
  if (!id.ok()) return id.status();
  spec.id = *id;
  Result<int64_t> rank = GetInt(metadata, mpath, "rank", -1, -1, INT32_MAX - 1);
  if (!rank.ok()) return rank.status();
  spec.rank = static_cast<int32_t>(*rank);
  Result<int64_t> size = GetInt(metadata, mpath, "size", 1, 0, int64_t{1} << 50);
  if (!size.ok()) return size.status();
  spec.size = *size;
  Result<std::string> unit = GetString(metadata, mpath, "unit", false);
  if (!unit.ok()) return unit.status();
  if (spec.type == "memory") {
    int64_t factor = MemoryFactor(*unit);
    if (factor == 0) {
      return Status::Invalid(At(mpath, "unit"), "unknown memory unit '" + *unit +
                                                    "' (expected MiB, GiB, TiB or empty)");
    }
    spec.size *= factor;
  }
  Result<VertexStatus> status = GetStatus(metadata, mpath);
  if (!status.ok()) return status.status();
  spec.status = *status;
  if (auto it = metadata.find("uniq_id"); it != metadata.end() && !it->is_number_integer()) {
    return Status::Invalid(At(mpath, "uniq_id"), "must be an integer");
  }
  if (auto it = metadata.find("exclusive"); it != metadata.end() && !it->is_boolean()) {
    return Status::Invalid(At(mpath, "exclusive"), "must be true or false");
  }
  if (auto it = metadata.find("properties"); it != metadata.end()) {
    if (!it->is_object()) return Status::Invalid(At(mpath, "properties"), "must be an object");
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) {
        return Status::Invalid(At(At(mpath, "properties"), key), "must be a string");
      }
      spec.properties.emplace_back(key, value.get<std::string>());
    }
  }
  return spec;
}

// True when an edge belongs to the containment subsystem.
Result<bool> IsContainment(const json& edge, const std::string& path) {
  auto it = edge.find("metadata");
  if (it == edge.end()) return true;
  if (!it->is_object()) return Status::Invalid(At(path, "metadata"), "must be an object");
  if (auto sub = it->find("subsystem"); sub != it->end()) {
    return sub->is_string() && sub->get<std::string>() == "containment";
  }
  if (auto name = it->find("name"); name != it->end()) {
    return name->is_object() && name->contains("containment");
  }
  return true;
}

struct Tree {
  std::vector<GraphBuilder::VertexSpec> vertices;  // in file order
  std::vector<int64_t> parent;                     // -1: none
  std::vector<std::vector<int64_t>> children;      // in file order after sorting
};

Result<Tree> ParseGraph(const json& graph) {
  Tree tree;
  auto nodes_it = graph.find("nodes");
  if (nodes_it == graph.end()) return Status::Invalid("graph.nodes", "is required");
  if (!nodes_it->is_array()) return Status::Invalid("graph.nodes", "must be an array");
  if (nodes_it->empty()) return Status::Invalid("graph.nodes", "must not be empty");
  if (static_cast<int64_t>(nodes_it->size()) > kMaxJgfVertices) {
    return Status::Invalid("graph.nodes",
                           "has more than " + std::to_string(kMaxJgfVertices) + " nodes");
  }
  std::unordered_map<std::string, int64_t> index;
  index.reserve(nodes_it->size());
  for (size_t i = 0; i < nodes_it->size(); ++i) {
    const json& node = (*nodes_it)[i];
    std::string path = "graph.nodes[" + std::to_string(i) + "]";
    if (!node.is_object()) return Status::Invalid(path, "must be an object");
    Result<std::string> id = GetString(node, path, "id", true);
    if (!id.ok()) return id.status();
    if (!index.emplace(*id, static_cast<int64_t>(i)).second) {
      return Status::Invalid(At(path, "id"), "duplicate node id '" + *id + "'");
    }
    Result<GraphBuilder::VertexSpec> spec = ParseVertex(node, path);
    if (!spec.ok()) return spec.status();
    tree.vertices.push_back(std::move(spec).value());
  }
  tree.parent.assign(tree.vertices.size(), -1);
  tree.children.resize(tree.vertices.size());
  auto edges_it = graph.find("edges");
  if (edges_it != graph.end() && !edges_it->is_array()) {
    return Status::Invalid("graph.edges", "must be an array");
  }
  size_t edge_count = edges_it == graph.end() ? 0 : edges_it->size();
  for (size_t e = 0; e < edge_count; ++e) {
    const json& edge = (*edges_it)[e];
    std::string path = "graph.edges[" + std::to_string(e) + "]";
    if (!edge.is_object()) return Status::Invalid(path, "must be an object");
    Result<bool> containment = IsContainment(edge, path);
    if (!containment.ok()) return containment.status();
    int64_t ends[2] = {-1, -1};
    const char* keys[2] = {"source", "target"};
    for (int k = 0; k < 2; ++k) {
      Result<std::string> id = GetString(edge, path, keys[k], true);
      if (!id.ok()) return id.status();
      auto it = index.find(*id);
      if (it == index.end()) {
        return Status::Invalid(At(path, keys[k]), "no node with id '" + *id + "'");
      }
      ends[k] = it->second;
    }
    if (!*containment) continue;
    if (ends[0] == ends[1]) return Status::Invalid(path, "a node cannot contain itself");
    if (tree.parent[ends[1]] >= 0) {
      return Status::Invalid(At(path, "target"), "node already has a containment parent");
    }
    tree.parent[ends[1]] = ends[0];
    tree.children[ends[0]].push_back(ends[1]);
  }
  for (auto& list : tree.children) std::sort(list.begin(), list.end());
  return tree;
}

Result<Graph> BuildTree(Tree& tree) {
  int64_t root = -1;
  for (size_t i = 0; i < tree.parent.size(); ++i) {
    if (tree.parent[i] >= 0) continue;
    if (root >= 0) {
      return Status::Invalid("graph.nodes[" + std::to_string(i) + "]",
                             "a second root (no containment parent); the first is graph.nodes[" +
                                 std::to_string(root) + "]");
    }
    root = static_cast<int64_t>(i);
  }
  if (root < 0) return Status::Invalid("graph.edges", "containment edges form a cycle (no root)");
  // The graph stores type and basename ids in 16 bits.
  std::unordered_set<std::string> types, basenames;
  for (const GraphBuilder::VertexSpec& spec : tree.vertices) {
    types.insert(spec.type);
    basenames.insert(spec.basename.empty() ? spec.type : spec.basename);
    if (types.size() > kMaxNames || basenames.size() + types.size() > kMaxNames) {
      return Status::Invalid("graph.nodes", "more than " + std::to_string(kMaxNames) +
                                                " distinct types and basenames");
    }
  }
  GraphBuilder builder;
  builder.Reserve(tree.vertices.size());
  // Iterative DFS: (vertex, next child position).
  std::vector<std::pair<int64_t, size_t>> stack = {{root, 0}};
  builder.Open(tree.vertices[root]);
  std::vector<bool> reached(tree.vertices.size(), false);
  reached[root] = true;
  size_t visited = 1;
  while (!stack.empty()) {
    auto& [vertex, next] = stack.back();
    if (next < tree.children[vertex].size()) {
      int64_t child = tree.children[vertex][next++];
      builder.Open(tree.vertices[child]);
      reached[child] = true;
      ++visited;
      stack.emplace_back(child, 0);
    } else {
      builder.Close();
      stack.pop_back();
    }
  }
  if (visited != tree.vertices.size()) {
    // Every vertex has one parent but some were not reached: they hang on a cycle.
    for (size_t i = 0; i < reached.size(); ++i) {
      if (!reached[i]) {
        return Status::Invalid("graph.nodes[" + std::to_string(i) + "]",
                               "not reachable from the root (containment cycle)");
      }
    }
  }
  return builder.Build();
}

}  // namespace

Result<Graph> ReadJgf(std::string_view text) {
  CONVERGE_RETURN_IF_ERROR(CheckJsonNesting(text));
  try {
    json document = json::parse(text.begin(), text.end());
    if (!document.is_object()) return Status::Invalid("", "JGF must be a JSON object");
    const json* top = &document;
    if (auto it = document.find("scheduling");
        it != document.end() && !document.contains("graph")) {
      if (!it->is_object()) return Status::Invalid("scheduling", "must be an object");
      top = &*it;
    }
    auto graph = top->find("graph");
    if (graph == top->end()) return Status::Invalid("graph", "is required");
    if (!graph->is_object()) return Status::Invalid("graph", "must be an object");
    Result<Tree> tree = ParseGraph(*graph);
    if (!tree.ok()) return tree.status();
    return BuildTree(*tree);
  } catch (const json::parse_error& error) {
    return Status::Invalid(LineOf(text, error.byte == 0 ? 0 : error.byte - 1), error.what());
  } catch (const std::exception& error) {
    return Status::Invalid("", std::string("invalid JGF: ") + error.what());
  }
}

}  // namespace converge::resource
