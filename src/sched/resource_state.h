// ResourceState: how much of every leaf resource is in use, with subtree aggregates kept
// current so that the matcher answers "does this subtree still have 4 free GPUs" in O(1)
// and "which node can host this slot" in O(log nodes).
//
// Use is additive and signed: Apply(vertex, +amount) claims, Apply(vertex, -amount) gives
// back, in any order. Planning relies on this: it overlays reservations and subtracts
// running jobs that will have ended, then takes them all back. A leaf's free amount is
// max(0, capacity - used), so overlapping claims never show negative free space.
//
// "Pools" are the leaf types of the graph (core, gpu, memory, user leaf types); each gets
// a dense index. Aggregates are kept per pool for every vertex. Hosts are the node
// vertices (or the root when the graph has no nodes); a segment tree over hosts, in graph
// order, stores per-pool maxima for fast host searches.
//
// Not thread-safe. References the graph, which must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "resource/graph.h"

namespace converge::sched {

using resource::Graph;
using resource::VertexId;

class ResourceState {
 public:
  // `honour_status`: hosts marked down or drained in the graph are unavailable. Pass false
  // for a state used only to decide whether a request could ever fit.
  ResourceState(const Graph& graph, bool honour_status);

  const Graph& graph() const { return graph_; }
  int pool_count() const { return static_cast<int>(pool_types_.size()); }
  // Dense pool index of graph type t, or -1 when t is not a leaf type.
  int PoolOf(resource::TypeId t) const { return t < pool_of_type_.size() ? pool_of_type_[t] : -1; }
  resource::TypeId PoolType(int pool) const { return pool_types_[pool]; }

  // Free amount of `pool` in v's subtree. O(1).
  int64_t Free(VertexId v, int pool) const { return free_[Slot(v, pool)]; }
  // Total capacity of `pool` in v's subtree. O(1).
  int64_t Capacity(VertexId v, int pool) const { return capacity_[Slot(v, pool)]; }
  // True when no leaf in v's subtree is in use. O(1).
  bool Idle(VertexId v) const { return busy_leaves_[v] == 0; }
  int64_t Used(VertexId leaf) const { return used_[leaf]; }
  int64_t LeafFree(VertexId leaf) const;

  // Claims (amount > 0) or gives back (amount < 0) part of a leaf. REQUIRES: leaf is a leaf.
  void Apply(VertexId leaf, int64_t amount);

  // Hosts (node vertices, or the root), ascending; host index = position in this list.
  const std::vector<VertexId>& hosts() const { return hosts_; }
  // Host indices [first, last) lying inside v's subtree.
  std::pair<int32_t, int32_t> HostRangeIn(VertexId v) const;
  // Host index of the host containing v (or v itself), or -1 when v lies above hosts.
  int32_t HostOf(VertexId v) const { return host_of_vertex_[v]; }
  bool HostAvailable(int32_t host) const { return available_[host] != 0; }
  void SetHostAvailable(int32_t host, bool available);

  // Finds the host in [first, last) nearest to `from` in the search direction (ascending
  // from `first` when !reverse, descending from `last - 1` when reverse) that is
  // available, has free >= demand[p] for every pool, is idle if `need_idle`, is not idle
  // if `need_busy`, and satisfies `accept` (may be empty). Returns -1 when none.
  // O(log hosts) per candidate examined.
  struct HostQuery {
    std::span<const int64_t> demand;  // per pool; may be empty (= no demand)
    bool need_idle = false;
    bool need_busy = false;
    std::function<bool(int32_t host)> accept;
  };
  int32_t FindHost(int32_t first, int32_t last, bool reverse, const HostQuery& query);
  // The host in [first, last) satisfying `query` with the most free units of `pool` (ties:
  // lowest index). Returns -1 when none.
  int32_t FindRoomiestHost(int32_t first, int32_t last, int pool, const HostQuery& query);

 private:
  size_t Slot(VertexId v, int pool) const { return static_cast<size_t>(v) * pools_ + pool; }
  void MarkHostDirty(VertexId v);
  void FlushHosts();
  void RefreshSegment(size_t seg);
  bool HostFits(int32_t host, const HostQuery& query) const;
  bool SegmentMayFit(size_t seg, const HostQuery& query) const;
  int32_t FindInSegment(size_t seg, int32_t lo, int32_t hi, int32_t first, int32_t last,
                        bool reverse, const HostQuery& query);

  const Graph& graph_;
  std::vector<int> pool_of_type_;
  std::vector<resource::TypeId> pool_types_;
  size_t pools_ = 0;

  std::vector<int64_t> used_;        // per vertex (leaves only meaningful)
  std::vector<int64_t> free_;        // per vertex × pool
  std::vector<int64_t> capacity_;    // per vertex × pool
  std::vector<int32_t> busy_leaves_;  // per vertex

  std::vector<VertexId> hosts_;
  std::vector<int32_t> host_of_vertex_;  // host index of each vertex, or -1 above hosts
  std::vector<uint8_t> available_;
  std::vector<int32_t> dirty_hosts_;
  std::vector<uint8_t> host_dirty_;
  // Changes since the last flush that gave room back (releases, hosts coming up).
  int64_t loosened_ = 0;
  static constexpr size_t kMaxStaleHosts = 64;

  // Segment tree over hosts (1-based heap layout, size 2*leaves). Per segment and pool:
  // max free among available hosts, and among available non-idle hosts; plus the number
  // of available idle hosts. -1 means "no host".
  size_t seg_leaves_ = 1;
  std::vector<int64_t> seg_max_;
  std::vector<int64_t> seg_busy_max_;
  std::vector<int32_t> seg_idle_;
  // FlushHosts scratch: segments queued for refresh, per level.
  std::vector<uint8_t> seg_marked_;
  std::vector<size_t> flush_level_;
  std::vector<size_t> next_level_;
};

}  // namespace converge::sched
