// RunningIndex: for every host, the running jobs on it with their expected ends and how
// much of each pool they hold there, sorted by end. Lets the planner compute, per host,
// when a host-shaped request could first fit there, without touching the resource state;
// and keeps every host ordered by when its last running job ends (when it is idle), so that
// an exclusive request finds its hosts without visiting all of them; and, for the few amounts
// of one pool that requests ask for, every host ordered by when it first holds that amount
// free, so that other host-shaped requests do not visit all of them either.
//
// Maintained by the Scheduler on every start and release. Not thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
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

  // Every host whose `pool` can ever hold `amount` units, as (the end of the running job after
  // which its running jobs leave `amount` free, or kIdleNow when they do now; host),
  // ascending. Counts only the jobs in this index. REQUIRES: amount > 0. The first call for
  // a (pool, amount) costs O(hosts · jobs per host); the order is then kept by Add and Remove
  // (O(log hosts + jobs on the host) each) for the kMaxReadyOrders pairs asked for last; the
  // set returned stays valid until kMaxReadyOrders other pairs have been asked for.
  const std::set<std::pair<int64_t, int32_t>>& ByReadyTime(int pool, int64_t amount);
  static constexpr size_t kMaxReadyOrders = 8;

 private:
  // Moves `host` in by_idle_ after its entries changed from ending last at `before`.
  void Reorder(int32_t host, int64_t before);
  int64_t IdleTime(int32_t host) const {
    return by_host_[host].empty() ? kIdleNow : by_host_[host].back().end;
  }

  // The hosts by when they first hold `amount` of `pool` free (ByReadyTime).
  struct ReadyOrder {
    int pool;
    int64_t amount;
    uint64_t last_asked;
    std::vector<int64_t> key;  // per host; kNever when the host's capacity is too small
    std::set<std::pair<int64_t, int32_t>> hosts;
  };
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  int64_t ReadyKey(int32_t host, int pool, int64_t amount) const;
  // Brings `host` up to date in every ReadyOrder after its entries changed.
  void RefreshReadyOrders(int32_t host);

  const ResourceState& state_;
  std::vector<std::vector<Entry>> by_host_;
  std::set<std::pair<int64_t, int32_t>> by_idle_;
  std::vector<std::unique_ptr<ReadyOrder>> ready_orders_;
  uint64_t asks_ = 0;
};

}  // namespace converge::sched
