#include "sched/running_index.h"

#include <algorithm>

namespace converge::sched {

RunningIndex::RunningIndex(const ResourceState& state)
    : state_(state), by_host_(state.hosts().size()) {
  for (int32_t host = 0; host < static_cast<int32_t>(by_host_.size()); ++host) {
    by_idle_.emplace_hint(by_idle_.end(), kIdleNow, host);
  }
}

void RunningIndex::Reorder(int32_t host, int64_t before) {
  const int64_t after = IdleTime(host);
  if (after == before) return;
  by_idle_.erase({before, host});
  by_idle_.emplace(after, host);
}

int64_t RunningIndex::ReadyKey(int32_t host, int pool, int64_t amount) const {
  int64_t free = state_.Capacity(state_.hosts()[host], pool);
  if (free < amount) return kNever;
  const std::vector<Entry>& entries = by_host_[host];
  for (const Entry& entry : entries) free -= entry.usage[pool];
  if (free >= amount) return kIdleNow;
  for (const Entry& entry : entries) {
    free += entry.usage[pool];
    if (free >= amount) return entry.end;
  }
  return kNever;  // not reached: with every job gone the capacity is free
}

void RunningIndex::RefreshReadyOrders(int32_t host) {
  for (const std::unique_ptr<ReadyOrder>& held : ready_orders_) {
    ReadyOrder& order = *held;
    const int64_t key = ReadyKey(host, order.pool, order.amount);
    int64_t& known = order.key[host];
    if (key == known) continue;
    if (known != kNever) order.hosts.erase({known, host});
    if (key != kNever) order.hosts.emplace(key, host);
    known = key;
  }
}

const std::set<std::pair<int64_t, int32_t>>& RunningIndex::ByReadyTime(int pool,
                                                                       int64_t amount) {
  ++asks_;
  for (const std::unique_ptr<ReadyOrder>& order : ready_orders_) {
    if (order->pool == pool && order->amount == amount) {
      order->last_asked = asks_;
      return order->hosts;
    }
  }
  if (ready_orders_.size() >= kMaxReadyOrders) {
    ready_orders_.erase(std::min_element(ready_orders_.begin(), ready_orders_.end(),
                                         [](const auto& a, const auto& b) {
                                           return a->last_asked < b->last_asked;
                                         }));
  }
  ReadyOrder& order = *ready_orders_.emplace_back(std::make_unique<ReadyOrder>(ReadyOrder{
      pool, amount, asks_, std::vector<int64_t>(by_host_.size(), kNever), {}}));
  for (int32_t host = 0; host < static_cast<int32_t>(by_host_.size()); ++host) {
    const int64_t key = ReadyKey(host, pool, amount);
    order.key[host] = key;
    if (key != kNever) order.hosts.emplace(key, host);
  }
  return order.hosts;
}

void RunningIndex::Add(int64_t job, int64_t end, const Allocation& allocation) {
  const Graph& graph = state_.graph();
  // Items are sorted by vertex, so each host's items are contiguous.
  for (size_t i = 0; i < allocation.items.size();) {
    int32_t host = state_.HostOf(allocation.items[i].vertex);
    Entry entry{end, job, &allocation, std::vector<int64_t>(state_.pool_count(), 0)};
    for (; i < allocation.items.size() && state_.HostOf(allocation.items[i].vertex) == host; ++i) {
      int pool = state_.PoolOf(graph.type(allocation.items[i].vertex));
      if (pool >= 0) entry.usage[pool] += allocation.items[i].amount;
    }
    if (host < 0) continue;
    std::vector<Entry>& entries = by_host_[host];
    const int64_t before = IdleTime(host);
    auto position = std::upper_bound(entries.begin(), entries.end(), entry,
                                     [](const Entry& a, const Entry& b) {
                                       return a.end != b.end ? a.end < b.end : a.job < b.job;
                                     });
    entries.insert(position, std::move(entry));
    Reorder(host, before);
    RefreshReadyOrders(host);
  }
}

void RunningIndex::Remove(int64_t job, const Allocation& allocation) {
  for (resource::VertexId node : allocation.nodes) {
    int32_t host = state_.HostOf(node);
    if (host < 0) continue;
    std::vector<Entry>& entries = by_host_[host];
    const int64_t before = IdleTime(host);
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [job](const Entry& entry) { return entry.job == job; }),
                  entries.end());
    Reorder(host, before);
    RefreshReadyOrders(host);
  }
}

}  // namespace converge::sched
