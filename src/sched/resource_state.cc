#include "sched/resource_state.h"

#include <algorithm>
#include <queue>
#include <tuple>

#include "common/check.h"

namespace converge::sched {

ResourceState::ResourceState(const Graph& graph, bool honour_status) : graph_(graph) {
  const int32_t n = graph.size();
  pool_of_type_.assign(graph.type_count(), -1);
  for (int t = 0; t < graph.type_count(); ++t) {
    for (VertexId v : graph.VerticesOfType(static_cast<resource::TypeId>(t))) {
      if (graph.IsLeaf(v)) {
        pool_of_type_[t] = static_cast<int>(pool_types_.size());
        pool_types_.push_back(static_cast<resource::TypeId>(t));
        break;
      }
    }
  }
  pools_ = pool_types_.size();
  used_.assign(n, 0);
  free_.assign(static_cast<size_t>(n) * pools_, 0);
  busy_leaves_.assign(n, 0);
  // Leaves first, then fold children into parents: reverse pre-order visits children first.
  for (VertexId v = n - 1; v >= 0; --v) {
    if (graph.IsLeaf(v)) {
      int pool = pool_of_type_[graph.type(v)];
      if (pool >= 0) free_[Slot(v, pool)] = graph.capacity(v);
    }
    VertexId parent = graph.parent(v);
    if (parent != resource::kNoVertex) {
      for (size_t p = 0; p < pools_; ++p) free_[Slot(parent, p)] += free_[Slot(v, p)];
    }
  }
  capacity_ = free_;

  hosts_ = graph.VerticesOfType(resource::kNode);
  if (hosts_.empty()) hosts_.push_back(graph.root());
  host_of_vertex_.assign(n, -1);
  for (size_t h = 0; h < hosts_.size(); ++h) {
    VertexId host = hosts_[h];
    for (VertexId v = host; v < graph.SubtreeEnd(host); ++v) {
      host_of_vertex_[v] = static_cast<int32_t>(h);
    }
  }
  available_.assign(hosts_.size(), 1);
  if (honour_status) {
    for (size_t h = 0; h < hosts_.size(); ++h) {
      available_[h] = graph.status(hosts_[h]) == resource::VertexStatus::kUp;
    }
  }
  host_dirty_.assign(hosts_.size(), 0);

  while (seg_leaves_ < hosts_.size()) seg_leaves_ *= 2;
  seg_max_.assign(2 * seg_leaves_ * pools_, -1);
  seg_busy_max_.assign(2 * seg_leaves_ * pools_, -1);
  seg_idle_.assign(2 * seg_leaves_, 0);
  seg_marked_.assign(2 * seg_leaves_, 0);
  for (size_t h = 0; h < hosts_.size(); ++h) RefreshSegment(seg_leaves_ + h);
  for (size_t seg = seg_leaves_ - 1; seg >= 1; --seg) RefreshSegment(seg);
}

int64_t ResourceState::LeafFree(VertexId leaf) const {
  return std::max<int64_t>(0, graph_.capacity(leaf) - used_[leaf]);
}

void ResourceState::Apply(VertexId leaf, int64_t amount) {
  CHECK(graph_.IsLeaf(leaf), "ResourceState::Apply on a non-leaf vertex");
  int pool = pool_of_type_[graph_.type(leaf)];
  const int64_t capacity = graph_.capacity(leaf);
  const int64_t old_used = used_[leaf];
  const int64_t new_used = old_used + amount;
  CHECK(new_used >= 0, "ResourceState::Apply gave back more than was claimed");
  used_[leaf] = new_used;
  const int64_t free_delta =
      std::max<int64_t>(0, capacity - new_used) - std::max<int64_t>(0, capacity - old_used);
  const int32_t busy_delta = (new_used > 0 ? 1 : 0) - (old_used > 0 ? 1 : 0);
  if (free_delta == 0 && busy_delta == 0) return;
  for (VertexId v = leaf; v != resource::kNoVertex; v = graph_.parent(v)) {
    free_[Slot(v, pool)] += free_delta;
    busy_leaves_[v] += busy_delta;
  }
  MarkHostDirty(leaf);
  if (free_delta > 0 || busy_delta < 0) ++loosened_;
}

void ResourceState::MarkHostDirty(VertexId v) {
  int32_t host = host_of_vertex_[v];
  if (host < 0 || host_dirty_[host]) return;
  host_dirty_[host] = 1;
  dirty_hosts_.push_back(host);
}

void ResourceState::SetHostAvailable(int32_t host, bool available) {
  available_[host] = available;
  MarkHostDirty(hosts_[host]);
  ++loosened_;
}

std::pair<int32_t, int32_t> ResourceState::HostRangeIn(VertexId v) const {
  auto first = std::lower_bound(hosts_.begin(), hosts_.end(), v);
  auto last = std::lower_bound(first, hosts_.end(), graph_.SubtreeEnd(v));
  if (first == last && host_of_vertex_[v] >= 0) {
    // v lies inside a host: the range is that host alone.
    return {host_of_vertex_[v], host_of_vertex_[v] + 1};
  }
  return {static_cast<int32_t>(first - hosts_.begin()), static_cast<int32_t>(last - hosts_.begin())};
}

void ResourceState::RefreshSegment(size_t seg) {
  int64_t* max = &seg_max_[seg * pools_];
  int64_t* busy = &seg_busy_max_[seg * pools_];
  if (seg >= seg_leaves_) {
    size_t host = seg - seg_leaves_;
    bool present = host < hosts_.size() && available_[host];
    VertexId v = present ? hosts_[host] : 0;
    bool idle = present && busy_leaves_[v] == 0;
    for (size_t p = 0; p < pools_; ++p) {
      max[p] = present ? free_[Slot(v, p)] : -1;
      busy[p] = present && !idle ? free_[Slot(v, p)] : -1;
    }
    seg_idle_[seg] = idle ? 1 : 0;
    return;
  }
  const size_t left = 2 * seg, right = 2 * seg + 1;
  for (size_t p = 0; p < pools_; ++p) {
    max[p] = std::max(seg_max_[left * pools_ + p], seg_max_[right * pools_ + p]);
    busy[p] = std::max(seg_busy_max_[left * pools_ + p], seg_busy_max_[right * pools_ + p]);
  }
  seg_idle_[seg] = seg_idle_[left] + seg_idle_[right];
}

void ResourceState::FlushHosts() {
  loosened_ = 0;
  if (dirty_hosts_.empty()) return;
  const bool rebuild = dirty_hosts_.size() > seg_leaves_ / 8;
  flush_level_.clear();
  for (int32_t host : dirty_hosts_) {
    host_dirty_[host] = 0;
    const size_t leaf = seg_leaves_ + host;
    RefreshSegment(leaf);
    if (!rebuild && leaf > 1 && !seg_marked_[leaf / 2]) {
      seg_marked_[leaf / 2] = 1;
      flush_level_.push_back(leaf / 2);
    }
  }
  dirty_hosts_.clear();
  if (rebuild) {
    for (size_t seg = seg_leaves_ - 1; seg >= 1; --seg) RefreshSegment(seg);
    return;
  }
  // Refresh each ancestor once, level by level (the leaves all lie at one depth), however
  // many dirty hosts share it.
  while (!flush_level_.empty()) {
    next_level_.clear();
    for (size_t seg : flush_level_) {
      seg_marked_[seg] = 0;
      RefreshSegment(seg);
      if (seg > 1 && !seg_marked_[seg / 2]) {
        seg_marked_[seg / 2] = 1;
        next_level_.push_back(seg / 2);
      }
    }
    flush_level_.swap(next_level_);
  }
}

bool ResourceState::HostFits(int32_t host, const HostQuery& query) const {
  if (!available_[host]) return false;
  VertexId v = hosts_[host];
  bool idle = busy_leaves_[v] == 0;
  if (query.need_idle && !idle) return false;
  if (query.need_busy && idle) return false;
  for (size_t p = 0; p < query.demand.size(); ++p) {
    if (free_[Slot(v, p)] < query.demand[p]) return false;
  }
  return !query.accept || query.accept(host);
}

bool ResourceState::SegmentMayFit(size_t seg, const HostQuery& query) const {
  const int64_t* max = query.need_busy ? &seg_busy_max_[seg * pools_] : &seg_max_[seg * pools_];
  if (pools_ > 0 && max[0] < 0) return false;  // no (busy) available host below
  if (query.need_idle && seg_idle_[seg] == 0) return false;
  for (size_t p = 0; p < query.demand.size(); ++p) {
    if (query.demand[p] > 0 && max[p] < query.demand[p]) return false;
  }
  return true;
}

int32_t ResourceState::FindInSegment(size_t seg, int32_t lo, int32_t hi, int32_t first,
                                     int32_t last, bool reverse, const HostQuery& query) {
  if (hi <= first || lo >= last || !SegmentMayFit(seg, query)) return -1;
  if (seg >= seg_leaves_) {
    int32_t host = lo;
    return HostFits(host, query) ? host : -1;
  }
  int32_t mid = lo + (hi - lo) / 2;
  if (!reverse) {
    int32_t found = FindInSegment(2 * seg, lo, mid, first, last, reverse, query);
    return found >= 0 ? found : FindInSegment(2 * seg + 1, mid, hi, first, last, reverse, query);
  }
  int32_t found = FindInSegment(2 * seg + 1, mid, hi, first, last, reverse, query);
  return found >= 0 ? found : FindInSegment(2 * seg, lo, mid, first, last, reverse, query);
}

int32_t ResourceState::FindHost(int32_t first, int32_t last, bool reverse,
                                const HostQuery& query) {
  CHECK(query.demand.empty() || query.demand.size() == pools_, "HostQuery demand size");
  // Segments that only lost room since the last flush overstate it, which a forward or
  // backward search tolerates (every host found is checked against live counts); room
  // that came back, or a search for busy hosts, needs exact segments.
  if (loosened_ > 0 || query.need_busy || dirty_hosts_.size() > kMaxStaleHosts) FlushHosts();
  if (first >= last) return -1;
  // Finger search: start at the end of the range the search begins from and climb only as
  // far as needed, so consecutive searches (slot after slot) cost O(1) amortised.
  size_t seg = seg_leaves_ + (reverse ? last - 1 : first);
  int32_t start = reverse ? last - 1 : first;
  if (SegmentMayFit(seg, query) && HostFits(start, query)) return start;
  size_t width = 1;
  while (true) {
    bool at_edge = reverse ? (seg % 2 == 0) : (seg % 2 == 1);
    while (at_edge) {
      seg /= 2;
      width *= 2;
      if (seg <= 1) return -1;
      at_edge = reverse ? (seg % 2 == 0) : (seg % 2 == 1);
    }
    if (seg <= 1) return -1;  // the root has no siblings
    seg = reverse ? seg - 1 : seg + 1;
    int32_t lo = static_cast<int32_t>(seg * width - seg_leaves_);
    int32_t hi = lo + static_cast<int32_t>(width);
    if (reverse ? hi <= first : lo >= last) return -1;
    int32_t found = FindInSegment(seg, lo, hi, first, last, reverse, query);
    if (found >= 0) return found;
  }
}

int32_t ResourceState::FindRoomiestHost(int32_t first, int32_t last, int pool,
                                        const HostQuery& query) {
  CHECK(query.demand.empty() || query.demand.size() == pools_, "HostQuery demand size");
  FlushHosts();
  if (first >= last) return -1;
  // Best-first over segments: a segment's max bounds every host below it, so the first
  // host popped that fits is the roomiest. Key: (max free desc, segment start asc).
  using Entry = std::tuple<int64_t, int32_t, size_t, int32_t>;  // -max, lo, seg, hi
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> frontier;
  auto push = [&](size_t seg, int32_t lo, int32_t hi) {
    if (hi <= first || lo >= last || !SegmentMayFit(seg, query)) return;
    int64_t bound = seg_max_[seg * pools_ + pool];
    frontier.emplace(-bound, lo, seg, hi);
  };
  push(1, 0, static_cast<int32_t>(seg_leaves_));
  while (!frontier.empty()) {
    auto [neg_bound, lo, seg, hi] = frontier.top();
    frontier.pop();
    if (seg >= seg_leaves_) {
      if (HostFits(lo, query)) return lo;
      continue;
    }
    int32_t mid = lo + (hi - lo) / 2;
    push(2 * seg, lo, mid);
    push(2 * seg + 1, mid, hi);
  }
  return -1;
}

}  // namespace converge::sched
