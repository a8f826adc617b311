// RunningIndex: for every host, the running jobs on it with their expected ends and how
// much of each pool they hold there, sorted by end. Lets the planner compute, per host,
// when a host-shaped request could first fit there, without touching the resource state.
//
// Maintained by the Scheduler on every start and release. Not thread-safe.
#pragma once

#include <cstdint>
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

  explicit RunningIndex(const ResourceState& state) : state_(state), by_host_(state.hosts().size()) {}

  // REQUIRES: `allocation` outlives the entry (until Remove). O(items + k) for k jobs on
  // each touched host.
  void Add(int64_t job, int64_t end, const Allocation& allocation);
  void Remove(int64_t job, const Allocation& allocation);

  // Entries of host h, ascending by (end, job).
  const std::vector<Entry>& OnHost(int32_t host) const { return by_host_[host]; }

 private:
  const ResourceState& state_;
  std::vector<std::vector<Entry>> by_host_;
};

}  // namespace converge::sched
