// Graph: the resource graph of one instance, immutable once built.
//
// Vertices are stored in flat arrays in DFS pre-order of the containment tree, so the
// subtree of vertex v is the contiguous index range [v, SubtreeEnd(v)). Per-type prefix
// counts make "how many cores lie under v" O(1). The graph holds no scheduling state
// (that lives in sched/); status here is the static status a reader declared.
//
// Names are not stored per vertex: a vertex's name is its basename followed by its id
// ("node17"), unless a reader set an explicit name (kept in a sparse side table).
// Built only by GraphBuilder. Immutable after Build(), hence safe to share read-only
// across threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"

namespace converge::resource {

using VertexId = int32_t;  // index in pre-order; 0 is the root
using TypeId = uint16_t;
constexpr VertexId kNoVertex = -1;

// Types every graph knows, with fixed ids; readers may intern further user types.
enum BuiltinType : TypeId {
  kCluster = 0,
  kRack = 1,
  kNode = 2,
  kSocket = 3,
  kCore = 4,
  kGpu = 5,
  kMemory = 6,
  kBuiltinTypeCount = 7,
};

enum class VertexStatus : uint8_t { kUp = 0, kDown = 1, kDrained = 2 };
const char* VertexStatusName(VertexStatus status);
Result<VertexStatus> ParseVertexStatus(std::string_view text);

using Properties = std::vector<std::pair<std::string, std::string>>;  // sorted by key

class Graph {
 public:
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  int32_t size() const { return static_cast<int32_t>(type_.size()); }
  VertexId root() const { return 0; }

  TypeId type(VertexId v) const { return type_[v]; }
  const std::string& type_name(TypeId t) const { return type_names_[t]; }
  // Returns the type id of `name`, or -1 when the graph has no such type.
  int FindType(std::string_view name) const;
  int type_count() const { return static_cast<int>(type_names_.size()); }

  VertexId parent(VertexId v) const { return parent_[v]; }
  // One past the last vertex of v's subtree (pre-order).
  VertexId SubtreeEnd(VertexId v) const { return subtree_end_[v]; }
  bool IsLeaf(VertexId v) const { return subtree_end_[v] == v + 1; }
  bool Contains(VertexId ancestor, VertexId v) const {
    return v >= ancestor && v < subtree_end_[ancestor];
  }

  // Logical id among vertices of the same type (e.g. core 7 of its node, node 1234).
  int64_t id(VertexId v) const { return id_[v]; }
  // Amount held by the vertex: MiB for memory, 1 for cores, GPUs, nodes.
  int64_t capacity(VertexId v) const { return size_[v]; }
  // Execution rank (the node's index for RV1); -1 above node level.
  int32_t rank(VertexId v) const { return rank_[v]; }
  VertexStatus status(VertexId v) const { return static_cast<VertexStatus>(status_[v]); }
  const std::string& basename(VertexId v) const { return basenames_[basename_[v]]; }
  std::string name(VertexId v) const;
  // Properties of v (empty when none). Reference valid for the graph's lifetime.
  const Properties& properties(VertexId v) const { return property_sets_[props_[v]]; }

  // Vertices of type t, ascending. O(1).
  const std::vector<VertexId>& VerticesOfType(TypeId t) const { return by_type_[t]; }
  // The slice of VerticesOfType(t) that lies inside v's subtree. O(log n).
  std::pair<const VertexId*, const VertexId*> TypeRangeIn(VertexId v, TypeId t) const;
  // Number of vertices of type t in v's subtree (v included). O(log n).
  int64_t CountIn(VertexId v, TypeId t) const;
  // The nearest ancestor-or-self of v with type t, or kNoVertex.
  VertexId AncestorOfType(VertexId v, TypeId t) const;

  // Path of types/names from the root, e.g. "/cluster0/node3/socket1/core17".
  std::string Path(VertexId v) const;

  // Approximate heap bytes used by the graph (for bytes-per-vertex reporting).
  size_t MemoryBytes() const;

 private:
  friend class GraphBuilder;
  Graph() = default;

  std::vector<TypeId> type_;
  std::vector<VertexId> parent_;
  std::vector<VertexId> subtree_end_;
  std::vector<int64_t> id_;
  std::vector<int64_t> size_;
  std::vector<int32_t> rank_;
  std::vector<uint8_t> status_;
  std::vector<uint16_t> basename_;
  std::vector<uint32_t> props_;  // index into property_sets_; 0 = empty

  std::vector<std::string> type_names_;
  std::vector<std::string> basenames_;
  std::vector<Properties> property_sets_;
  std::map<VertexId, std::string> explicit_names_;
  std::vector<std::vector<VertexId>> by_type_;
};

// Builds a Graph in DFS pre-order: Open() a vertex, add its children, Close() it.
// Not thread-safe. Errors (unbalanced Open/Close, no root) are reported by Build().
class GraphBuilder {
 public:
  struct VertexSpec {
    std::string type;          // "node", "core", or any user type
    std::string basename;      // defaults to type
    int64_t id = -1;           // -1: next id among vertices of this type
    int64_t size = 1;          // capacity; MiB for memory
    int32_t rank = -1;         // -1: inherited from the parent (nodes get their node index)
    VertexStatus status = VertexStatus::kUp;
    Properties properties;     // any order; sorted on insertion
    std::string name;          // empty: basename + id
  };

  GraphBuilder();

  // Opens a vertex as the child of the currently open one (or as the root). Returns its id.
  VertexId Open(const VertexSpec& spec);
  // Fast path for bulk builders: opens a vertex of an interned type without properties.
  VertexId Open(TypeId type, int64_t id, int64_t size);
  void Close();
  // Open + Close.
  VertexId Add(const VertexSpec& spec) {
    VertexId v = Open(spec);
    Close();
    return v;
  }

  TypeId InternType(std::string_view name);
  // Reserves room for n vertices (optional; speeds up large builds).
  void Reserve(size_t n);

  // REQUIRES: called once. Fails when vertices remain open or nothing was added.
  Result<Graph> Build();

 private:
  uint16_t InternBasename(std::string_view name);
  uint32_t InternProperties(Properties properties);

  Graph graph_;
  std::vector<VertexId> open_;
  std::vector<int64_t> next_id_;         // per type
  std::vector<uint16_t> type_basename_;  // per type: its default basename (the type name)
  std::unordered_map<std::string, TypeId> type_index_;
  std::unordered_map<std::string, uint16_t> basename_index_;
  int32_t next_rank_ = 0;
  bool built_ = false;
  bool too_many_names_ = false;  // more than 65,535 types or basenames
  int extra_roots_ = 0;
};

}  // namespace converge::resource
