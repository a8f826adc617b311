// RunningIndex: for every host, the running jobs on it with their expected ends and how
// much of each pool they hold there, sorted by end. Lets the planner compute, per host,
// when a host-shaped request could first fit there, without touching the resource state;
// and keeps every host ordered by when its last running job ends (when it is idle), so that
// an exclusive request finds its hosts without visiting all of them.
//
// Maintained by the Scheduler on every start and release. Not thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "sched/allocation.h"
#include "sched/resource_state.h"

namespace converge::sched {

class RunningIndex {
 public:
  struct Entry {
    int64_t end;
    int64_t job;
    const Allocation* allocation;  // the job's whole allocation (owned by the caller)
    std::vector<int64_t> usage;    // per pool, on this host
  };

  // The idle time of a host that runs nothing.
  static constexpr int64_t kIdleNow = std::numeric_limits<int64_t>::min();

  explicit RunningIndex(const ResourceState& state);

  // REQUIRES: `allocation` outlives the entry (until Remove). O(items + k) for k jobs on
  // each touched host.
  void Add(int64_t job, int64_t end, const Allocation& allocation);
  void Remove(int64_t job, const Allocation& allocation);

  // Entries of host h, ascending by (end, job).
  const std::vector<Entry>& OnHost(int32_t host) const { return by_host_[host]; }
  // Every host as (the end of its last running job, or kIdleNow; host), ascending.
  const std::set<std::pair<int64_t, int32_t>>& ByIdleTime() const { return by_idle_; }

 private:
  // Moves `host` in by_idle_ after its entries changed from ending last at `before`.
  void Reorder(int32_t host, int64_t before);
  int64_t IdleTime(int32_t host) const {
    return by_host_[host].empty() ? kIdleNow : by_host_[host].back().end;
  }

  const ResourceState& state_;
  std::vector<std::vector<Entry>> by_host_;
  std::set<std::pair<int64_t, int32_t>> by_idle_;
};

}  // namespace converge::sched
