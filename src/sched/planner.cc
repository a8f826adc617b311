#include "sched/planner.h"

#include <algorithm>

namespace converge::sched {

namespace {
bool EnoughInTotal(const ResourceState& state, const Request& request) {
  for (size_t p = 0; p < request.total_demand.size(); ++p) {
    if (state.Free(state.graph().root(), static_cast<int>(p)) < request.total_demand[p]) {
      return false;
    }
  }
  return true;
}
}  // namespace

std::optional<Plan> Planner::EarliestStart(const Request& request, const HostFilter* filter,
                                           Time now, Time duration,
                                           std::span<const Booking* const> running,
                                           std::span<const Booking* const> reservations) {
  // Candidate instants, visited lazily in time order: now, then running ends (already
  // sorted) merged with reservation ends (sorted here; there are few). Only the running
  // jobs actually passed are given back, so an early answer costs little.
  std::vector<std::pair<Time, JobId>> reservation_ends;
  reservation_ends.reserve(reservations.size());
  for (const Booking* booking : reservations) {
    reservation_ends.push_back({booking->end, booking->job});
  }
  std::sort(reservation_ends.begin(), reservation_ends.end());

  std::vector<char> overlaid(reservations.size(), 0);
  size_t released = 0;
  size_t next_reservation_end = 0;
  Time t = now;
  JobId behind = -1;
  std::optional<Plan> plan;
  while (true) {
    while (released < running.size() && running[released]->end <= t) {
      matcher_.Release(running[released]->allocation);
      ++released;
    }
    while (next_reservation_end < reservation_ends.size() &&
           reservation_ends[next_reservation_end].first <= t) {
      ++next_reservation_end;
    }
    for (size_t r = 0; r < reservations.size(); ++r) {
      bool overlaps = reservations[r]->start < t + duration && reservations[r]->end > t;
      if (overlaps == static_cast<bool>(overlaid[r])) continue;
      if (overlaps) {
        matcher_.Claim(reservations[r]->allocation);
      } else {
        matcher_.Release(reservations[r]->allocation);
      }
      overlaid[r] = overlaps;
    }
    if (EnoughInTotal(state_, request)) {
      std::optional<Allocation> allocation = matcher_.Match(request, filter);
      if (allocation) {
        matcher_.Release(*allocation);
        plan = Plan{t, std::move(*allocation), behind};
        break;
      }
    }
    // Advance to the next instant at which something ends.
    bool have_running = released < running.size();
    bool have_reservation = next_reservation_end < reservation_ends.size();
    if (!have_running && !have_reservation) break;
    if (have_running &&
        (!have_reservation || running[released]->end <= reservation_ends[next_reservation_end].first)) {
      t = running[released]->end;
      behind = running[released]->job;
    } else {
      t = reservation_ends[next_reservation_end].first;
      behind = reservation_ends[next_reservation_end].second;
    }
    // Several jobs may end at t: name the last of them, which completes the room.
    while (released + 1 < running.size() && running[released + 1]->end == t) {
      behind = running[released + 1]->job;
      matcher_.Release(running[released]->allocation);
      ++released;
    }
  }
  for (size_t i = 0; i < released; ++i) matcher_.Claim(running[i]->allocation);
  for (size_t r = 0; r < reservations.size(); ++r) {
    if (overlaid[r]) matcher_.Release(reservations[r]->allocation);
  }
  return plan;
}

}  // namespace converge::sched
