#include "sched/running_index.h"

#include <algorithm>

namespace converge::sched {

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
    auto position = std::upper_bound(entries.begin(), entries.end(), entry,
                                     [](const Entry& a, const Entry& b) {
                                       return a.end != b.end ? a.end < b.end : a.job < b.job;
                                     });
    entries.insert(position, std::move(entry));
  }
}

void RunningIndex::Remove(int64_t job, const Allocation& allocation) {
  for (resource::VertexId node : allocation.nodes) {
    int32_t host = state_.HostOf(node);
    if (host < 0) continue;
    std::vector<Entry>& entries = by_host_[host];
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [job](const Entry& entry) { return entry.job == job; }),
                  entries.end());
  }
}

}  // namespace converge::sched
