// CountProfile: how many units of one pool are in use over future time, as a step function,
// for planning jobs whose units are interchangeable (Scheduler: slots of one unit each).
//
// Levels are stored at breakpoints: the level at time t is the value of the last breakpoint
// at or before t (0 before the first). Intervals are half-open, [start, end). Pure; not
// thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <vector>

namespace converge::sched {

class CountProfile {
 public:
  using Time = int64_t;

  struct Use {
    Time start;
    Time end;
    int64_t units;
  };
  // Replaces the profile with the sum of `uses`. O(n log n).
  void Assign(std::vector<Use> uses);

  // Adds (units > 0) or removes (units < 0) use over [start, end). O(log n + k) for the k
  // breakpoints inside the interval.
  void Change(Time start, Time end, int64_t units);

  // The earliest t in [from, before) at which use stays <= capacity - units over the whole
  // of [t, t + duration); `before` when there is none earlier. O(log n + breakpoints
  // walked).
  Time EarliestFit(Time from, int64_t units, Time duration, int64_t capacity,
                   Time before = std::numeric_limits<Time>::max()) const;

  // The earliest t in [from, before) with use at t <= limit; `before` when there is none.
  // O(log n + breakpoints walked).
  Time FirstAtOrBelow(Time from, int64_t limit, Time before) const;

  // The use at time t. O(log n).
  int64_t At(Time t) const;

  // Drops breakpoints before `now` (keeping the level at now). REQUIRES: nothing is
  // queried before `now` afterwards.
  void Forget(Time now);

  bool empty() const { return levels_.empty(); }

 private:
  // The breakpoint at t, created with the level in force there when absent.
  std::map<Time, int64_t>::iterator Split(Time t);

  std::map<Time, int64_t> levels_;
};

}  // namespace converge::sched
