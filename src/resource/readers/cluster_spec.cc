#include "resource/readers/cluster_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <set>

#include "common/hostlist.h"
#include "resource/readers/input_guard.h"

namespace converge::resource {

namespace {

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Fails on keys outside `allowed` (or keys that are not strings). REQUIRES: node.IsMap().
Status CheckKeys(const YAML::Node& node, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) return Status::Invalid(path, "keys must be strings");
    const std::string& key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
      return Status::Invalid(Join(path, key), "unknown key (expected one of: " + list + ")");
    }
  }
  return Status::Ok();
}

Result<std::string> GetString(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) return Status::Invalid(path, "must be a string");
  return node.Scalar();
}

Result<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) {
    return Status::Invalid("", "must be an integer, got '" + std::string(text) + "'");
  }
  return value;
}

Result<int64_t> GetInt(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) {
  if (!node.IsScalar()) return Status::Invalid(path, "must be an integer");
  Result<int64_t> value = ParseInt(node.Scalar());
  if (!value.ok()) return value.status().WithPrefix(path);
  if (*value < min) return Status::Invalid(path, "must be >= " + std::to_string(min));
  if (*value > max) return Status::Invalid(path, "must be <= " + std::to_string(max));
  return value;
}

// Names become hostlists and graph paths, so they may not contain their separators.
Status CheckName(const std::string& name, const std::string& path, bool no_trailing_digit) {
  if (name.empty()) return Status::Invalid(path, "must not be empty");
  if (name.size() > 64) return Status::Invalid(path, "must be at most 64 characters");
  for (char c : name) {
    if (c == '[' || c == ']' || c == ',' || c == '/' || c == '=' ||
        static_cast<unsigned char>(c) <= ' ') {
      return Status::Invalid(path, "must not contain '" + std::string(1, c) +
                                       "' (or spaces, brackets, commas, slashes, '=')");
    }
  }
  if (no_trailing_digit && name.back() >= '0' && name.back() <= '9') {
    return Status::Invalid(path, "must not end with a digit (the node index follows it)");
  }
  return Status::Ok();
}

Status ParseCluster(const YAML::Node& node, ClusterSpec& spec) {
  if (!node.IsMap()) return Status::Invalid("cluster", "must be a mapping");
  CONVERGE_RETURN_IF_ERROR(CheckKeys(node, "cluster", {"name"}));
  if (node["name"]) {
    Result<std::string> name = GetString(node["name"], "cluster.name");
    if (!name.ok()) return name.status();
    CONVERGE_RETURN_IF_ERROR(CheckName(*name, "cluster.name", false));
    spec.name = *name;
  }
  return Status::Ok();
}

Status ParseRacks(const YAML::Node& node, ClusterSpec& spec) {
  if (!node.IsMap()) return Status::Invalid("racks", "must be a mapping");
  CONVERGE_RETURN_IF_ERROR(CheckKeys(node, "racks", {"nodes_per_rack", "basename"}));
  if (!node["nodes_per_rack"]) return Status::Invalid("racks.nodes_per_rack", "is required");
  Result<int64_t> per_rack =
      GetInt(node["nodes_per_rack"], "racks.nodes_per_rack", 1, kMaxClusterVertices);
  if (!per_rack.ok()) return per_rack.status();
  spec.nodes_per_rack = *per_rack;
  if (node["basename"]) {
    Result<std::string> name = GetString(node["basename"], "racks.basename");
    if (!name.ok()) return name.status();
    CONVERGE_RETURN_IF_ERROR(CheckName(*name, "racks.basename", true));
    spec.rack_basename = *name;
  }
  return Status::Ok();
}

Status ParseProperties(const YAML::Node& node, const std::string& path, Properties& out) {
  if (!node.IsMap()) return Status::Invalid(path, "must be a mapping of key: value");
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || entry.first.Scalar().empty()) {
      return Status::Invalid(path, "keys must be non-empty strings");
    }
    const std::string& key = entry.first.Scalar();
    if (key.find('=') != std::string::npos || key[0] == '^') {
      return Status::Invalid(Join(path, key), "key must not contain '=' or start with '^'");
    }
    if (!entry.second.IsScalar()) return Status::Invalid(Join(path, key), "must be a string");
    out.emplace_back(key, entry.second.Scalar());
  }
  std::sort(out.begin(), out.end());
  return Status::Ok();
}

Status ParseTemplate(const YAML::Node& node, const std::string& path, NodeTemplate& t) {
  if (!node.IsMap()) return Status::Invalid(path, "must be a mapping");
  CONVERGE_RETURN_IF_ERROR(
      CheckKeys(node, path,
                {"count", "basename", "start", "padding", "sockets", "cores_per_socket",
                 "gpus_per_socket", "memory_per_socket", "properties", "status"}));
  struct IntField {
    const char* key;
    int64_t* target;
    int64_t min;
    int64_t max;
  };
  int64_t padding = 0;
  const IntField fields[] = {
      {"count", &t.count, 1, kMaxClusterVertices},
      {"start", &t.start, 0, 1'000'000'000'000'000},
      {"padding", &padding, 0, 18},
      {"sockets", &t.sockets, 1, kMaxClusterVertices},
      {"cores_per_socket", &t.cores_per_socket, 1, kMaxClusterVertices},
      {"gpus_per_socket", &t.gpus_per_socket, 0, kMaxClusterVertices},
  };
  for (const IntField& field : fields) {
    if (!node[field.key]) continue;
    Result<int64_t> value = GetInt(node[field.key], Join(path, field.key), field.min, field.max);
    if (!value.ok()) return value.status();
    *field.target = *value;
  }
  t.padding = static_cast<int>(padding);
  if (node["basename"]) {
    Result<std::string> name = GetString(node["basename"], Join(path, "basename"));
    if (!name.ok()) return name.status();
    CONVERGE_RETURN_IF_ERROR(CheckName(*name, Join(path, "basename"), true));
    t.basename = *name;
  }
  if (node["memory_per_socket"]) {
    std::string field = Join(path, "memory_per_socket");
    Result<std::string> text = GetString(node["memory_per_socket"], field);
    if (!text.ok()) return text.status();
    Result<int64_t> mib = ParseMemoryMiB(*text);
    if (!mib.ok()) return mib.status().WithPrefix(field);
    t.memory_per_socket_mib = *mib;
  }
  if (node["properties"]) {
    CONVERGE_RETURN_IF_ERROR(
        ParseProperties(node["properties"], Join(path, "properties"), t.properties));
  }
  if (node["status"]) {
    Result<std::string> text = GetString(node["status"], Join(path, "status"));
    if (!text.ok()) return text.status();
    Result<VertexStatus> status = ParseVertexStatus(*text);
    if (!status.ok()) return status.status().WithPrefix(Join(path, "status"));
    t.status = *status;
  }
  int64_t per_node = t.VerticesPerNode();
  if (per_node > kMaxClusterVertices) {
    return Status::Invalid(path, "one node would have " + std::to_string(per_node) +
                                     " vertices (limit " + std::to_string(kMaxClusterVertices) +
                                     ")");
  }
  return Status::Ok();
}

// Assigns default starts and rejects templates whose names could collide.
Status ResolveStarts(ClusterSpec& spec) {
  std::vector<std::pair<int64_t, int64_t>> used;  // per template: [start, end)
  for (size_t i = 0; i < spec.nodes.size(); ++i) {
    NodeTemplate& t = spec.nodes[i];
    int64_t next = 0;
    for (size_t j = 0; j < i; ++j) {
      if (spec.nodes[j].basename == t.basename) next = std::max(next, used[j].second);
    }
    if (t.start < 0) t.start = next;
    used.emplace_back(t.start, t.start + t.count);
    for (size_t j = 0; j < i; ++j) {
      if (spec.nodes[j].basename == t.basename && used[j].first < used[i].second &&
          used[i].first < used[j].second) {
        return Status::Invalid(Index("nodes", i),
                               "node names overlap those of nodes[" + std::to_string(j) + "]");
      }
    }
  }
  return Status::Ok();
}

Status ParseStatus(const YAML::Node& node, ClusterSpec& spec) {
  if (!node.IsMap()) return Status::Invalid("status", "must be a mapping");
  CONVERGE_RETURN_IF_ERROR(CheckKeys(node, "status", {"up", "down", "drained"}));
  for (auto [key, target] : {std::pair{"up", &spec.up}, std::pair{"down", &spec.down},
                             std::pair{"drained", &spec.drained}}) {
    YAML::Node list = node[key];
    if (!list || list.IsNull()) continue;
    std::string path = Join("status", key);
    std::vector<YAML::Node> items;
    if (list.IsSequence()) {
      for (size_t i = 0; i < list.size(); ++i) items.push_back(list[i]);
    } else {
      items.push_back(list);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      std::string item_path = list.IsSequence() ? Index(path, i) : path;
      Result<std::string> text = GetString(items[i], item_path);
      if (!text.ok()) return text.status();
      Result<std::vector<std::string>> names = ExpandHostlist(*text);
      if (!names.ok()) return names.status().WithPrefix(item_path);
      target->push_back(*text);
    }
  }
  return Status::Ok();
}

Result<ClusterSpec> ParseRoot(const YAML::Node& root) {
  if (!root.IsMap()) return Status::Invalid("", "a cluster file must be a YAML mapping");
  CONVERGE_RETURN_IF_ERROR(CheckKeys(root, "", {"cluster", "racks", "nodes", "status"}));
  ClusterSpec spec;
  if (root["cluster"]) CONVERGE_RETURN_IF_ERROR(ParseCluster(root["cluster"], spec));
  if (root["racks"]) CONVERGE_RETURN_IF_ERROR(ParseRacks(root["racks"], spec));
  YAML::Node nodes = root["nodes"];
  if (!nodes) return Status::Invalid("nodes", "is required");
  if (!nodes.IsSequence() || nodes.size() == 0) {
    return Status::Invalid("nodes", "must be a non-empty list of node templates");
  }
  int64_t total = 1;
  int64_t node_count = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    NodeTemplate t;
    CONVERGE_RETURN_IF_ERROR(ParseTemplate(nodes[i], Index("nodes", i), t));
    total += t.count * t.VerticesPerNode();  // each factor <= 5e7: no overflow
    node_count += t.count;
    if (total > kMaxClusterVertices) {
      return Status::Invalid(
          Index("nodes", i),
          "the cluster would exceed " + std::to_string(kMaxClusterVertices) + " vertices");
    }
    spec.nodes.push_back(std::move(t));
  }
  if (spec.nodes_per_rack > 0) {
    total += (node_count + spec.nodes_per_rack - 1) / spec.nodes_per_rack;
    if (total > kMaxClusterVertices) {
      return Status::Invalid(
          "racks", "the cluster would exceed " + std::to_string(kMaxClusterVertices) + " vertices");
    }
  }
  CONVERGE_RETURN_IF_ERROR(ResolveStarts(spec));
  if (root["status"]) CONVERGE_RETURN_IF_ERROR(ParseStatus(root["status"], spec));
  return spec;
}

}  // namespace

Result<int64_t> ParseMemoryMiB(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) {
    return Status::Invalid(
        "", "must be an amount like 512MiB, 128GiB or 2TiB, got '" + std::string(text) + "'");
  }
  Result<int64_t> value = ParseInt(text.substr(0, digits));
  if (!value.ok()) return value.status();
  std::string_view unit = text.substr(digits);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  int64_t factor = 0;
  if (unit.empty() || unit == "MiB") factor = 1;
  if (unit == "GiB") factor = 1024;
  if (unit == "TiB") factor = 1024 * 1024;
  if (factor == 0) {
    return Status::Invalid("", "unknown unit '" + std::string(unit) +
                                   "' (use MiB, GiB or TiB; a plain number is MiB)");
  }
  if (*value < 1) return Status::Invalid("", "must be at least 1MiB");
  if (*value > (int64_t{1} << 40) / factor) return Status::Invalid("", "is too large");
  return *value * factor;
}

Result<ClusterSpec> ParseClusterSpec(std::string_view text) {
  if (text.size() > kMaxClusterFileBytes) {
    return Status::Invalid(
        "", "cluster file is larger than " + std::to_string(kMaxClusterFileBytes) + " bytes");
  }
  CONVERGE_RETURN_IF_ERROR(CheckUtf8(text));
  CONVERGE_RETURN_IF_ERROR(CheckYamlNesting(text));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
    return ParseRoot(root);
  } catch (const YAML::Exception& error) {
    std::string where = error.mark.is_null() ? "" : "line " + std::to_string(error.mark.line + 1);
    return Status::Invalid(where, error.msg.empty() ? "invalid YAML" : error.msg);
  } catch (const std::exception& error) {
    return Status::Invalid("", std::string("invalid YAML: ") + error.what());
  }
}

}  // namespace converge::resource
