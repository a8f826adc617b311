#include "sched/matcher.h"

#include <algorithm>

#include "common/check.h"

namespace converge::sched {

// Enumerates candidate hosts in [first, last) in the order the match policy prefers,
// never returning the same host twice.
class Matcher::HostCursor {
 public:
  HostCursor(ResourceState& state, MatchPolicy policy, int32_t first, int32_t last,
             ResourceState::HostQuery query)
      : state_(state), policy_(policy), first_(first), last_(last), query_(std::move(query)) {
    position_ = policy == MatchPolicy::kHigh ? last : first;
    busy_phase_ = policy == MatchPolicy::kPack && !query_.need_idle;
    if (policy == MatchPolicy::kSpread) {
      auto user_accept = query_.accept;
      query_.accept = [this, user_accept](int32_t host) {
        if (std::find(tried_.begin(), tried_.end(), host) != tried_.end()) return false;
        return !user_accept || user_accept(host);
      };
    }
  }

  // Spread re-offers a host until it is excluded (other policies move past it anyway).
  void Exclude(int32_t host) {
    if (policy_ == MatchPolicy::kSpread) tried_.push_back(host);
  }

  int32_t Next() {
    switch (policy_) {
      case MatchPolicy::kFirst:
      case MatchPolicy::kLow:
        return Advance(state_.FindHost(position_, last_, false, query_), +1);
      case MatchPolicy::kHigh:
        return Advance(state_.FindHost(first_, position_, true, query_), -1);
      case MatchPolicy::kPack: {
        if (busy_phase_) {
          query_.need_busy = true;
          int32_t host = state_.FindHost(position_, last_, false, query_);
          query_.need_busy = false;
          if (host >= 0) return Advance(host, +1);
          busy_phase_ = false;
          position_ = first_;
          query_.need_idle = true;  // busy hosts were all offered already
        }
        return Advance(state_.FindHost(position_, last_, false, query_), +1);
      }
      case MatchPolicy::kSpread: {
        int pool = state_.PoolOf(resource::kCore);
        return state_.FindRoomiestHost(first_, last_, pool >= 0 ? pool : 0, query_);
      }
    }
    return -1;
  }

 private:
  int32_t Advance(int32_t host, int direction) {
    if (host >= 0) position_ = direction > 0 ? host + 1 : host;
    return host;
  }

  ResourceState& state_;
  MatchPolicy policy_;
  int32_t first_;
  int32_t last_;
  ResourceState::HostQuery query_;
  int32_t position_ = 0;
  bool busy_phase_ = false;
  std::vector<int32_t> tried_;
};

std::optional<Allocation> Matcher::Match(const Request& request, const HostFilter* filter) {
  request_ = &request;
  filter_ = filter;
  items_.clear();
  slot_hosts_.clear();
  for (size_t p = 0; p < request.total_demand.size(); ++p) {
    if (request.total_demand[p] > state_.Free(state_.graph().root(), static_cast<int>(p))) {
      return std::nullopt;  // not enough free anywhere: skip the search
    }
  }
  if (!MatchList(request.roots, state_.graph().root())) {
    RollbackTo({0, 0});
    return std::nullopt;
  }
  Allocation allocation;
  if (request.exclusive_hosts) {
    std::vector<int32_t> hosts;
    for (const Allocation::Item& item : items_) hosts.push_back(state_.HostOf(item.vertex));
    std::sort(hosts.begin(), hosts.end());
    hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
    for (int32_t host : hosts) {
      if (host >= 0) TakeWhole(state_.hosts()[host]);
    }
    allocation.exclusive = true;
  }
  std::sort(items_.begin(), items_.end(),
            [](const Allocation::Item& a, const Allocation::Item& b) { return a.vertex < b.vertex; });
  // Merge repeated claims on one pool vertex (memory taken by two slots).
  for (const Allocation::Item& item : items_) {
    if (!allocation.items.empty() && allocation.items.back().vertex == item.vertex) {
      allocation.items.back().amount += item.amount;
    } else {
      allocation.items.push_back(item);
    }
    int32_t host = state_.HostOf(item.vertex);
    VertexId host_vertex = host >= 0 ? state_.hosts()[host] : state_.graph().root();
    if (allocation.nodes.empty() || allocation.nodes.back() != host_vertex) {
      allocation.nodes.push_back(host_vertex);
    }
  }
  allocation.slot_hosts = slot_hosts_;
  items_.clear();
  slot_hosts_.clear();
  return allocation;
}

void Matcher::Release(const Allocation& allocation) {
  for (const Allocation::Item& item : allocation.items) state_.Apply(item.vertex, -item.amount);
}

void Matcher::Claim(const Allocation& allocation) {
  for (const Allocation::Item& item : allocation.items) state_.Apply(item.vertex, item.amount);
}

void Matcher::RollbackTo(Mark mark) {
  while (items_.size() > mark.items) {
    state_.Apply(items_.back().vertex, -items_.back().amount);
    items_.pop_back();
  }
  slot_hosts_.resize(mark.slot_hosts);
}

void Matcher::Take(VertexId leaf, int64_t amount) {
  state_.Apply(leaf, amount);
  items_.push_back({leaf, amount});
}

void Matcher::TakeWhole(VertexId container) {
  const Graph& graph = state_.graph();
  for (VertexId v = container; v < graph.SubtreeEnd(container); ++v) {
    if (!graph.IsLeaf(v) || state_.PoolOf(graph.type(v)) < 0) continue;
    int64_t free = state_.LeafFree(v);
    if (free > 0) Take(v, free);
  }
}

bool Matcher::MatchList(const std::vector<RequestNode>& list, VertexId scope) {
  for (const RequestNode& node : list) {
    if (!MatchNode(node, scope)) return false;
  }
  return true;
}

bool Matcher::MatchNode(const RequestNode& node, VertexId scope) {
  if (node.type == RequestNode::kSlot) return MatchSlots(node, scope);
  if (node.pool >= 0) return TakePool(node, scope);
  if (node.type == resource::kNode && state_.HostOf(scope) < 0) return MatchHosts(node, scope);
  return MatchContainers(node, scope);
}

bool Matcher::HostUsable(VertexId v) const {
  int32_t host = state_.HostOf(v);
  if (host < 0) return true;
  if (!state_.HostAvailable(host)) return false;
  return filter_ == nullptr || filter_->Accepts(state_.graph(), state_.hosts()[host]);
}

bool Matcher::FitsIn(const RequestNode& node, VertexId v) const {
  for (size_t p = 0; p < node.demand.size(); ++p) {
    if (state_.Free(v, static_cast<int>(p)) < node.demand[p]) return false;
  }
  return true;
}

bool Matcher::MatchHosts(const RequestNode& node, VertexId scope) {
  auto [first, last] = state_.HostRangeIn(scope);
  ResourceState::HostQuery query;
  query.demand = node.demand;
  query.need_idle = node.exclusive || request_->exclusive_hosts;
  if (filter_ != nullptr) {
    query.accept = [this](int32_t host) {
      return filter_->Accepts(state_.graph(), state_.hosts()[host]);
    };
  }
  HostCursor cursor(state_, policy_, first, last, query);
  int64_t found = 0;
  while (found < node.count) {
    int32_t host = cursor.Next();
    if (host < 0) return false;
    cursor.Exclude(host);  // a host counts once toward node.count
    VertexId vertex = state_.hosts()[host];
    Mark mark = Here();
    if (!MatchList(node.with, vertex)) {
      RollbackTo(mark);
      continue;
    }
    if (node.exclusive) TakeWhole(vertex);
    ++found;
  }
  return true;
}

bool Matcher::MatchContainers(const RequestNode& node, VertexId scope) {
  const Graph& graph = state_.graph();
  auto [begin, end] = graph.TypeRangeIn(scope, static_cast<resource::TypeId>(node.type));
  int64_t found = 0;
  auto consider = [&](VertexId v) {
    if (v == scope && scope != graph.root()) return false;
    if (!FitsIn(node, v) || !HostUsable(v)) return false;
    if (node.exclusive && !state_.Idle(v)) return false;
    Mark mark = Here();
    if (!MatchList(node.with, v)) {
      RollbackTo(mark);
      return false;
    }
    if (node.exclusive) TakeWhole(v);
    return true;
  };
  if (policy_ == MatchPolicy::kHigh) {
    for (const VertexId* it = end; it != begin && found < node.count;) {
      if (consider(*--it)) ++found;
    }
  } else {
    for (const VertexId* it = begin; it != end && found < node.count; ++it) {
      if (consider(*it)) ++found;
    }
  }
  return found == node.count;
}

bool Matcher::TakePool(const RequestNode& node, VertexId scope) {
  const Graph& graph = state_.graph();
  const int pool = node.pool;
  int64_t remaining = node.count;
  if (state_.Free(scope, pool) < remaining) return false;
  if (policy_ == MatchPolicy::kHigh) {
    auto [begin, end] = graph.TypeRangeIn(scope, static_cast<resource::TypeId>(node.type));
    for (const VertexId* it = end; it != begin && remaining > 0;) {
      VertexId leaf = *--it;
      int64_t free = state_.LeafFree(leaf);
      if (free <= 0 || !graph.IsLeaf(leaf) || !HostUsable(leaf)) continue;
      int64_t take = std::min(free, remaining);
      Take(leaf, take);
      remaining -= take;
    }
    return remaining == 0;
  }
  // Pre-order walk that skips every subtree without free units of the pool.
  const VertexId end = graph.SubtreeEnd(scope);
  for (VertexId v = scope; v < end && remaining > 0;) {
    if (state_.Free(v, pool) == 0) {
      v = graph.SubtreeEnd(v);
      continue;
    }
    int32_t host = state_.HostOf(v);
    if (host >= 0 && state_.hosts()[host] == v && !HostUsable(v)) {
      v = graph.SubtreeEnd(v);
      continue;
    }
    if (graph.IsLeaf(v)) {
      int64_t take = std::min(state_.LeafFree(v), remaining);
      Take(v, take);
      remaining -= take;
    }
    ++v;
  }
  return remaining == 0;
}

bool Matcher::PlaceSlotOnHost(const RequestNode& slot, VertexId host) {
  const Graph& graph = state_.graph();
  // Locality: the whole slot inside one socket when one can hold it.
  auto [begin, end] = graph.TypeRangeIn(host, resource::kSocket);
  bool reverse = policy_ == MatchPolicy::kHigh;
  for (ptrdiff_t i = 0; i < end - begin; ++i) {
    VertexId socket = reverse ? *(end - 1 - i) : *(begin + i);
    if (!FitsIn(slot, socket)) continue;
    Mark mark = Here();
    if (MatchList(slot.with, socket)) return true;
    RollbackTo(mark);
  }
  Mark mark = Here();
  if (MatchList(slot.with, host)) return true;
  RollbackTo(mark);
  return false;
}

bool Matcher::OneUnitEach(const RequestNode& slot) {
  return slot.pools_only && !slot.exclusive && slot.with.size() == 1 &&
         slot.with[0].pool >= 0 && slot.with[0].count == 1 && slot.with[0].with.empty();
}

bool Matcher::TakeUnitSlots(const RequestNode& slot, int32_t first, int32_t last,
                            const ResourceState::HostQuery& query) {
  const Graph& graph = state_.graph();
  const int pool = slot.with[0].pool;
  int64_t remaining = slot.count;
  for (int32_t position = first; remaining > 0;) {
    const int32_t host = state_.FindHost(position, last, /*reverse=*/false, query);
    if (host < 0) return false;
    position = host + 1;
    const VertexId vertex = state_.hosts()[host];
    const VertexId end = graph.SubtreeEnd(vertex);
    for (VertexId v = vertex; v < end && remaining > 0;) {
      if (state_.Free(v, pool) == 0) {
        v = graph.SubtreeEnd(v);
        continue;
      }
      if (graph.IsLeaf(v)) {
        const int64_t take = std::min(state_.LeafFree(v), remaining);
        Take(v, take);
        slot_hosts_.insert(slot_hosts_.end(), static_cast<size_t>(take), vertex);
        remaining -= take;
      }
      ++v;
    }
  }
  return true;
}

bool Matcher::MatchSlots(const RequestNode& slot, VertexId scope) {
  const Graph& graph = state_.graph();
  if (!slot.pools_only) {
    // The slot groups containers (e.g. slot -> node[1]); each slot is placed as a unit.
    for (int64_t i = 0; i < slot.count; ++i) {
      size_t first_item = items_.size();
      if (!MatchList(slot.with, scope)) return false;
      VertexId host = first_item < items_.size() ? items_[first_item].vertex : scope;
      int32_t host_index = state_.HostOf(host);
      slot_hosts_.push_back(host_index >= 0 ? state_.hosts()[host_index] : graph.root());
    }
    return true;
  }
  int32_t scope_host = state_.HostOf(scope);
  if (scope_host >= 0) {
    VertexId host = state_.hosts()[scope_host];
    if (!HostUsable(host)) return false;
    for (int64_t i = 0; i < slot.count; ++i) {
      bool placed = scope == host ? PlaceSlotOnHost(slot, host) : MatchList(slot.with, scope);
      if (!placed) return false;
      slot_hosts_.push_back(host);
    }
    return true;
  }
  auto [first, last] = state_.HostRangeIn(scope);
  ResourceState::HostQuery query;
  query.demand = slot.demand;
  query.need_idle = request_->exclusive_hosts;
  if (filter_ != nullptr) {
    query.accept = [this](int32_t host) {
      return filter_->Accepts(state_.graph(), state_.hosts()[host]);
    };
  }
  if (OneUnitEach(slot) && (policy_ == MatchPolicy::kFirst || policy_ == MatchPolicy::kLow)) {
    return TakeUnitSlots(slot, first, last, query);
  }
  HostCursor cursor(state_, policy_, first, last, query);
  int64_t remaining = slot.count;
  const bool one_per_host = policy_ == MatchPolicy::kSpread;
  while (remaining > 0) {
    int32_t host = cursor.Next();
    if (host < 0) return false;
    VertexId vertex = state_.hosts()[host];
    int64_t placed = 0;
    while (remaining > 0 && FitsIn(slot, vertex) && PlaceSlotOnHost(slot, vertex)) {
      slot_hosts_.push_back(vertex);
      --remaining;
      ++placed;
      if (one_per_host) break;
    }
    if (placed == 0) cursor.Exclude(host);
  }
  return true;
}

}  // namespace converge::sched
