#include "resource/readers/cluster_yaml.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "common/hostlist.h"

namespace converge::resource {

namespace {

std::string IndexName(const std::string& basename, int64_t index, int padding) {
  std::string digits = std::to_string(index);
  if (static_cast<int>(digits.size()) < padding) digits.insert(0, padding - digits.size(), '0');
  return basename + digits;
}

// Maps node names back to their global node index using the templates' arithmetic, without
// materialising every name.
class NodeNameIndex {
 public:
  explicit NodeNameIndex(const ClusterSpec& spec) {
    int64_t offset = 0;
    for (const NodeTemplate& t : spec.nodes) {
      by_basename_[t.basename].push_back({t.start, t.start + t.count, t.padding, offset});
      offset += t.count;
    }
    for (auto& [basename, spans] : by_basename_) std::sort(spans.begin(), spans.end());
  }

  // The global index of `name`, or -1.
  int64_t Find(const std::string& name) const {
    size_t digits = 0;
    while (digits < name.size() && name[name.size() - 1 - digits] >= '0' &&
           name[name.size() - 1 - digits] <= '9') {
      ++digits;
    }
    if (digits == 0 || digits > 18) return -1;
    auto it = by_basename_.find(name.substr(0, name.size() - digits));
    if (it == by_basename_.end()) return -1;
    const char* begin = name.data() + name.size() - digits;
    int64_t value = 0;
    std::from_chars(begin, name.data() + name.size(), value);
    for (const Span& span : it->second) {
      if (value < span.start || value >= span.end) continue;
      std::string expected = IndexName("", value, span.padding);
      if (expected != std::string_view(begin, digits)) continue;
      return span.offset + (value - span.start);
    }
    return -1;
  }

 private:
  struct Span {
    int64_t start;
    int64_t end;
    int padding;
    int64_t offset;
    bool operator<(const Span& other) const { return start < other.start; }
  };
  std::map<std::string, std::vector<Span>> by_basename_;
};

// Per-node status: template defaults overridden by the `status:` section.
Result<std::vector<VertexStatus>> ResolveStatus(const ClusterSpec& spec, int64_t node_count) {
  std::vector<VertexStatus> status;
  status.reserve(node_count);
  for (const NodeTemplate& t : spec.nodes) status.insert(status.end(), t.count, t.status);
  if (spec.up.empty() && spec.down.empty() && spec.drained.empty()) return status;
  NodeNameIndex index(spec);
  std::vector<int8_t> listed(node_count, -1);  // which status list named the node
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"up", &spec.up}, {"down", &spec.down}, {"drained", &spec.drained}};
  for (const auto& [key, hostlists] : lists) {
    VertexStatus value = ParseVertexStatus(key).value();
    for (const std::string& hostlist : *hostlists) {
      std::string path = std::string("status.") + key;
      Result<std::vector<std::string>> names = ExpandHostlist(hostlist);
      if (!names.ok()) return names.status().WithPrefix(path);
      for (const std::string& name : *names) {
        int64_t node = index.Find(name);
        if (node < 0) return Status::Invalid(path, "no node named '" + name + "'");
        if (listed[node] >= 0 && listed[node] != static_cast<int8_t>(value)) {
          return Status::Invalid(path, "node '" + name + "' is also listed as " +
                                           VertexStatusName(VertexStatus(listed[node])));
        }
        listed[node] = static_cast<int8_t>(value);
        status[node] = value;
      }
    }
  }
  return status;
}

}  // namespace

Result<Graph> BuildClusterGraph(const ClusterSpec& spec) {
  int64_t node_count = 0;
  int64_t total = 1;
  for (const NodeTemplate& t : spec.nodes) {
    node_count += t.count;
    total += t.count * t.VerticesPerNode();
  }
  if (spec.nodes_per_rack > 0)
    total += (node_count + spec.nodes_per_rack - 1) / spec.nodes_per_rack;
  if (total > kMaxClusterVertices) {
    return Status::Invalid(
        "nodes", "the cluster would exceed " + std::to_string(kMaxClusterVertices) + " vertices");
  }
  Result<std::vector<VertexStatus>> status = ResolveStatus(spec, node_count);
  if (!status.ok()) return status.status();

  GraphBuilder builder;
  builder.Reserve(static_cast<size_t>(total));
  GraphBuilder::VertexSpec cluster;
  cluster.type = "cluster";
  cluster.basename = spec.name;
  cluster.id = 0;
  cluster.name = spec.name;
  builder.Open(cluster);
  GraphBuilder::VertexSpec rack;
  rack.type = "rack";
  rack.basename = spec.rack_basename;
  bool rack_open = false;
  int64_t global = 0;
  for (const NodeTemplate& t : spec.nodes) {
    GraphBuilder::VertexSpec node;
    node.type = "node";
    node.basename = t.basename;
    node.properties = t.properties;
    for (int64_t i = 0; i < t.count; ++i, ++global) {
      if (spec.nodes_per_rack > 0 && global % spec.nodes_per_rack == 0) {
        if (rack_open) builder.Close();
        rack.id = global / spec.nodes_per_rack;
        builder.Open(rack);
        rack_open = true;
      }
      node.id = global;
      node.status = (*status)[global];
      node.name = IndexName(t.basename, t.start + i, t.padding);
      builder.Open(node);
      int64_t core = 0;
      int64_t gpu = 0;
      for (int64_t s = 0; s < t.sockets; ++s) {
        builder.Open(kSocket, s, 1);
        for (int64_t c = 0; c < t.cores_per_socket; ++c) {
          builder.Open(kCore, core++, 1);
          builder.Close();
        }
        for (int64_t g = 0; g < t.gpus_per_socket; ++g) {
          builder.Open(kGpu, gpu++, 1);
          builder.Close();
        }
        if (t.memory_per_socket_mib > 0) {
          builder.Open(kMemory, s, t.memory_per_socket_mib);
          builder.Close();
        }
        builder.Close();
      }
      builder.Close();
    }
  }
  if (rack_open) builder.Close();
  builder.Close();
  return builder.Build();
}

Result<Graph> ReadClusterYaml(std::string_view text) {
  Result<ClusterSpec> spec = ParseClusterSpec(text);
  if (!spec.ok()) return spec.status();
  return BuildClusterGraph(*spec);
}

}  // namespace converge::resource
