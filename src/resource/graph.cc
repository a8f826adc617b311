#include "resource/graph.h"

#include <algorithm>

namespace converge::resource {

namespace {
constexpr const char* kBuiltinNames[kBuiltinTypeCount] = {"cluster", "rack",   "node",  "socket",
                                                         "core",    "gpu",    "memory"};
}  // namespace

const char* VertexStatusName(VertexStatus status) {
  switch (status) {
    case VertexStatus::kUp: return "up";
    case VertexStatus::kDown: return "down";
    case VertexStatus::kDrained: return "drained";
  }
  return "unknown";
}

Result<VertexStatus> ParseVertexStatus(std::string_view text) {
  if (text == "up") return VertexStatus::kUp;
  if (text == "down") return VertexStatus::kDown;
  if (text == "drained") return VertexStatus::kDrained;
  return Status::Invalid("", "unknown status '" + std::string(text) +
                                 "' (expected up, down or drained)");
}

int Graph::FindType(std::string_view name) const {
  for (size_t t = 0; t < type_names_.size(); ++t) {
    if (type_names_[t] == name) return static_cast<int>(t);
  }
  return -1;
}

std::string Graph::name(VertexId v) const {
  auto it = explicit_names_.find(v);
  if (it != explicit_names_.end()) return it->second;
  return basename(v) + std::to_string(id_[v]);
}

std::pair<const VertexId*, const VertexId*> Graph::TypeRangeIn(VertexId v, TypeId t) const {
  const std::vector<VertexId>& all = by_type_[t];
  const VertexId* begin = std::lower_bound(all.data(), all.data() + all.size(), v);
  const VertexId* end = std::lower_bound(begin, all.data() + all.size(), subtree_end_[v]);
  return {begin, end};
}

int64_t Graph::CountIn(VertexId v, TypeId t) const {
  auto [begin, end] = TypeRangeIn(v, t);
  return end - begin;
}

VertexId Graph::AncestorOfType(VertexId v, TypeId t) const {
  while (v != kNoVertex && type_[v] != t) v = parent_[v];
  return v;
}

std::string Graph::Path(VertexId v) const {
  std::vector<VertexId> chain;
  for (VertexId u = v; u != kNoVertex; u = parent_[u]) chain.push_back(u);
  std::string path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) path += "/" + name(*it);
  return path;
}

size_t Graph::MemoryBytes() const {
  size_t bytes = type_.capacity() * sizeof(TypeId) + parent_.capacity() * sizeof(VertexId) +
                 subtree_end_.capacity() * sizeof(VertexId) + id_.capacity() * sizeof(int64_t) +
                 size_.capacity() * sizeof(int64_t) + rank_.capacity() * sizeof(int32_t) +
                 status_.capacity() + basename_.capacity() * sizeof(uint16_t) +
                 props_.capacity() * sizeof(uint32_t);
  for (const auto& list : by_type_) bytes += list.capacity() * sizeof(VertexId);
  for (const auto& set : property_sets_) {
    for (const auto& [key, value] : set) bytes += sizeof(key) * 2 + key.size() + value.size();
  }
  for (const auto& [vertex, name] : explicit_names_) bytes += 48 + name.size();
  return bytes;
}

GraphBuilder::GraphBuilder() {
  for (const char* name : kBuiltinNames) InternType(name);
  graph_.property_sets_.emplace_back();  // index 0: no properties
}

TypeId GraphBuilder::InternType(std::string_view name) {
  auto found = type_index_.find(std::string(name));
  if (found != type_index_.end()) return found->second;
  if (graph_.type_names_.size() >= UINT16_MAX) {
    too_many_names_ = true;
    return kCluster;
  }
  type_index_.emplace(std::string(name), static_cast<TypeId>(graph_.type_names_.size()));
  graph_.type_names_.emplace_back(name);
  graph_.by_type_.emplace_back();
  next_id_.push_back(0);
  type_basename_.push_back(InternBasename(name));
  return static_cast<TypeId>(graph_.type_names_.size() - 1);
}

uint16_t GraphBuilder::InternBasename(std::string_view name) {
  auto found = basename_index_.find(std::string(name));
  if (found != basename_index_.end()) return found->second;
  if (graph_.basenames_.size() >= UINT16_MAX) {
    too_many_names_ = true;
    return 0;
  }
  basename_index_.emplace(std::string(name), static_cast<uint16_t>(graph_.basenames_.size()));
  graph_.basenames_.emplace_back(name);
  return static_cast<uint16_t>(graph_.basenames_.size() - 1);
}

uint32_t GraphBuilder::InternProperties(Properties properties) {
  if (properties.empty()) return 0;
  std::sort(properties.begin(), properties.end());
  // Property sets are usually shared by many nodes; look back a little before adding.
  for (size_t i = graph_.property_sets_.size(); i-- > 1;) {
    if (graph_.property_sets_[i] == properties) return static_cast<uint32_t>(i);
    if (graph_.property_sets_.size() - i > 16) break;
  }
  graph_.property_sets_.push_back(std::move(properties));
  return static_cast<uint32_t>(graph_.property_sets_.size() - 1);
}

void GraphBuilder::Reserve(size_t n) {
  graph_.type_.reserve(n);
  graph_.parent_.reserve(n);
  graph_.subtree_end_.reserve(n);
  graph_.id_.reserve(n);
  graph_.size_.reserve(n);
  graph_.rank_.reserve(n);
  graph_.status_.reserve(n);
  graph_.basename_.reserve(n);
  graph_.props_.reserve(n);
}

VertexId GraphBuilder::Open(TypeId type, int64_t id, int64_t size) {
  if (open_.empty() && !graph_.type_.empty()) ++extra_roots_;
  VertexId v = static_cast<VertexId>(graph_.type_.size());
  VertexId parent = open_.empty() ? kNoVertex : open_.back();
  if (id < 0) id = next_id_[type];
  next_id_[type] = std::max(next_id_[type], id + 1);
  int32_t rank = parent == kNoVertex ? -1 : graph_.rank_[parent];
  if (type == kNode) rank = next_rank_++;
  graph_.type_.push_back(type);
  graph_.parent_.push_back(parent);
  graph_.subtree_end_.push_back(v + 1);
  graph_.id_.push_back(id);
  graph_.size_.push_back(size);
  graph_.rank_.push_back(rank);
  graph_.status_.push_back(static_cast<uint8_t>(VertexStatus::kUp));
  graph_.basename_.push_back(type_basename_[type]);
  graph_.props_.push_back(0);
  graph_.by_type_[type].push_back(v);
  open_.push_back(v);
  return v;
}

VertexId GraphBuilder::Open(const VertexSpec& spec) {
  TypeId type = InternType(spec.type);
  VertexId v = Open(type, spec.id, spec.size);
  if (spec.rank >= 0) {
    graph_.rank_[v] = spec.rank;
    if (type == kNode) next_rank_ = std::max(next_rank_, spec.rank + 1);
  }
  graph_.status_[v] = static_cast<uint8_t>(spec.status);
  if (!spec.basename.empty()) graph_.basename_[v] = InternBasename(spec.basename);
  graph_.props_[v] = InternProperties(spec.properties);
  if (!spec.name.empty() && spec.name != graph_.basename(v) + std::to_string(graph_.id_[v])) {
    graph_.explicit_names_[v] = spec.name;
  }
  return v;
}

void GraphBuilder::Close() {
  if (open_.empty()) {
    ++extra_roots_;  // reported by Build() as unbalanced
    return;
  }
  VertexId v = open_.back();
  open_.pop_back();
  graph_.subtree_end_[v] = static_cast<VertexId>(graph_.type_.size());
}

Result<Graph> GraphBuilder::Build() {
  CHECK(!built_, "GraphBuilder::Build called twice");
  built_ = true;
  if (graph_.type_.empty()) return Status(Code::kInvalidArgument, "resource graph is empty");
  if (!open_.empty()) {
    return Status(Code::kInternal, "resource graph has " + std::to_string(open_.size()) +
                                       " vertices left open");
  }
  if (too_many_names_) {
    return Status(Code::kInvalidArgument,
                  "resource graph has more than 65,535 distinct types or basenames");
  }
  if (extra_roots_ > 0) {
    return Status(Code::kInvalidArgument, "resource graph must have exactly one root vertex");
  }
  return std::move(graph_);
}

}  // namespace converge::resource
