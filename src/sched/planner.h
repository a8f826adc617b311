// Planner: the earliest time a request can start and keep its resources for a duration,
// given the running jobs (which free their resources at their expected end) and the
// reservations already promised (which hold theirs over [start, end)).
//
// It plans on the live ResourceState: it gives back running jobs in end order, overlays
// the reservations that overlap each candidate window, asks the matcher, and then undoes
// every change, so the state is exactly as before on return. The earliest start is
// always "now", a running job's end, or a reservation's end: only those instants free
// resources.
#pragma once

#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "sched/allocation.h"
#include "sched/matcher.h"
#include "sched/running_index.h"

namespace converge::sched {

using Time = int64_t;
using JobId = int64_t;

struct Booking {
  JobId job = 0;
  Time start = 0;
  Time end = 0;  // exclusive
  Allocation allocation;
  // A reservation's Plan::slack, kept current by its owner while it is (empty: not kept).
  std::vector<int64_t> slack;
};

struct Plan {
  Time start = 0;
  Allocation allocation;
  JobId behind = -1;  // the job whose end made room at `start` (-1 when start is now)
  // Free units of each pool in the whole graph at `start` once this plan holds its share
  // (with the reservations overlapping its window in place): what later jobs may still
  // take over `start` without moving it.
  std::vector<int64_t> slack;
};

class Planner {
 public:
  Planner(ResourceState& state, Matcher& matcher) : state_(state), matcher_(matcher) {}

  // REQUIRES: `running` sorted by end; every running end > now; the state holds exactly
  // the running allocations (no reservation overlaid). Returns nullopt when even with every
  // running job and reservation gone the request does not fit.
  // Cost: O((R + B) · (match + B)) for R running jobs and B reservations, worst case.
  //
  // Only starts earlier than `before` are looked for (a job that already holds a
  // reservation asks whether it can move earlier), which bounds the walk.
  //
  // With `index` (the same running jobs, per host), requests of the shape node[N] first get
  // a per-host answer: the time each host alone could hold one node's share, from its own
  // jobs' ends; the N-th smallest is a lower bound, checked by releasing only those hosts'
  // jobs. The hosts are read in the index's order of when they are idle (exclusive
  // requests) or first hold each pool's share (RunningIndex::ByReadyTime), only until no
  // host not read yet could be earlier: that costs O(N + ties + jobs on the hosts read)
  // instead of a walk over every end or every host.
  std::optional<Plan> EarliestStart(const Request& request, const HostFilter* filter, Time now,
                                    Time duration, std::span<const Booking* const> running,
                                    std::span<const Booking* const> reservations,
                                    RunningIndex* index = nullptr,
                                    Time before = std::numeric_limits<Time>::max());

 private:
  // The per-host fast path. Returns a plan, or nullopt with *lower_bound set to the
  // earliest instant worth walking from (now when the request has another shape).
  std::optional<Plan> HostShapedStart(const Request& request, const HostFilter* filter,
                                      Time now, Time duration,
                                      std::span<const Booking* const> reservations,
                                      RunningIndex& index, Time* lower_bound);
  // Overlays the reservations overlapping [t, t + duration); returns which were claimed.
  std::vector<char> OverlayReservations(std::span<const Booking* const> reservations, Time t,
                                        Time duration);
  void RemoveOverlay(std::span<const Booking* const> reservations,
                     const std::vector<char>& overlaid);
  // The plan for a match found at `start`; takes the matched allocation back.
  Plan Placed(Time start, Allocation allocation, JobId behind);

  ResourceState& state_;
  Matcher& matcher_;
};

}  // namespace converge::sched
