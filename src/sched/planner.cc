#include "sched/planner.h"

#include <algorithm>
#include <queue>
#include <set>

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
                                           std::span<const Booking* const> reservations,
                                           RunningIndex* index, Time before) {
  Time walk_from = now;
  if (index != nullptr) {
    std::optional<Plan> fast =
        HostShapedStart(request, filter, now, duration, reservations, *index, &walk_from);
    if (fast) {
      if (fast->start < before) return fast;
      return std::nullopt;
    }
  }
  if (walk_from >= before) return std::nullopt;
  // Candidate instants, visited lazily in time order: now, then running ends (already
  // sorted) merged with reservation ends (sorted here; there are few). Only the running
  // jobs actually passed are given back, so an early answer costs little.
  // Reservations overlap [t, t + duration) once they start before t + duration and until
  // they end by t; both edges only move forward with t, so each reservation is claimed
  // and given back at most once, in start order and end order.
  const size_t count = reservations.size();
  std::vector<size_t> by_start(count), by_end(count);
  for (size_t r = 0; r < count; ++r) by_start[r] = by_end[r] = r;
  std::sort(by_start.begin(), by_start.end(), [&](size_t a, size_t b) {
    return reservations[a]->start != reservations[b]->start
               ? reservations[a]->start < reservations[b]->start
               : reservations[a]->job < reservations[b]->job;
  });
  std::sort(by_end.begin(), by_end.end(), [&](size_t a, size_t b) {
    return reservations[a]->end != reservations[b]->end
               ? reservations[a]->end < reservations[b]->end
               : reservations[a]->job < reservations[b]->job;
  });
  enum : char { kPending, kClaimed, kEnded };
  std::vector<char> overlay(count, kPending);
  size_t next_start = 0, next_end = 0;

  size_t released = 0;
  Time t = std::max(now, walk_from);
  JobId behind = -1;
  std::optional<Plan> plan;
  while (t < before) {
    while (released < running.size() && running[released]->end <= t) {
      matcher_.Release(running[released]->allocation);
      ++released;
    }
    for (; next_end < count && reservations[by_end[next_end]]->end <= t; ++next_end) {
      size_t r = by_end[next_end];
      if (overlay[r] == kClaimed) matcher_.Release(reservations[r]->allocation);
      overlay[r] = kEnded;
    }
    for (; next_start < count && reservations[by_start[next_start]]->start < t + duration;
         ++next_start) {
      size_t r = by_start[next_start];
      if (overlay[r] != kPending) continue;
      matcher_.Claim(reservations[r]->allocation);
      overlay[r] = kClaimed;
    }
    if (EnoughInTotal(state_, request)) {
      std::optional<Allocation> allocation = matcher_.Match(request, filter);
      if (allocation) {
        plan = Placed(t, std::move(*allocation), behind);
        break;
      }
    }
    // Advance to the next instant at which something ends.
    bool have_running = released < running.size();
    bool have_reservation = next_end < count;
    if (!have_running && !have_reservation) break;
    if (have_running &&
        (!have_reservation || running[released]->end <= reservations[by_end[next_end]]->end)) {
      t = running[released]->end;
      behind = running[released]->job;
    } else {
      t = reservations[by_end[next_end]]->end;
      behind = reservations[by_end[next_end]]->job;
    }
    // Several jobs may end at t: name the last of them, which completes the room.
    while (released + 1 < running.size() && running[released + 1]->end == t) {
      behind = running[released + 1]->job;
      matcher_.Release(running[released]->allocation);
      ++released;
    }
  }
  for (size_t i = 0; i < released; ++i) matcher_.Claim(running[i]->allocation);
  for (size_t r = 0; r < count; ++r) {
    if (overlay[r] == kClaimed) matcher_.Release(reservations[r]->allocation);
  }
  return plan;
}

Plan Planner::Placed(Time start, Allocation allocation, JobId behind) {
  Plan plan{start, {}, behind, std::vector<int64_t>(state_.pool_count())};
  for (int p = 0; p < state_.pool_count(); ++p) {
    plan.slack[p] = state_.Free(state_.graph().root(), p);
  }
  matcher_.Release(allocation);
  plan.allocation = std::move(allocation);
  return plan;
}

std::vector<char> Planner::OverlayReservations(std::span<const Booking* const> reservations,
                                              Time t, Time duration) {
  std::vector<char> overlaid(reservations.size(), 0);
  for (size_t r = 0; r < reservations.size(); ++r) {
    if (reservations[r]->start < t + duration && reservations[r]->end > t) {
      matcher_.Claim(reservations[r]->allocation);
      overlaid[r] = 1;
    }
  }
  return overlaid;
}

void Planner::RemoveOverlay(std::span<const Booking* const> reservations,
                            const std::vector<char>& overlaid) {
  for (size_t r = 0; r < reservations.size(); ++r) {
    if (overlaid[r]) matcher_.Release(reservations[r]->allocation);
  }
}

std::optional<Plan> Planner::HostShapedStart(const Request& request, const HostFilter* filter,
                                             Time now, Time duration,
                                             std::span<const Booking* const> reservations,
                                             RunningIndex& index, Time* lower_bound) {
  *lower_bound = now;
  const Graph& graph = state_.graph();
  if (request.roots.size() != 1 || request.roots[0].type != resource::kNode ||
      state_.HostOf(graph.root()) >= 0) {
    return std::nullopt;
  }
  const RequestNode& node = request.roots[0];
  const bool need_idle = node.exclusive || request.exclusive_hosts;
  const size_t pools = node.demand.size();
  auto effective_end = [now](int64_t end) { return std::max<Time>(end, now + 1); };

  auto usable = [&](int32_t host) {
    VertexId vertex = state_.hosts()[host];
    if (!state_.HostAvailable(host)) return false;
    if (filter != nullptr && !filter->Accepts(graph, vertex)) return false;
    for (size_t p = 0; p < pools; ++p) {
      if (state_.Capacity(vertex, static_cast<int>(p)) < node.demand[p]) return false;
    }
    return true;
  };
  // When could each host alone hold one node's share?
  std::vector<std::pair<Time, int32_t>> ready;
  if (need_idle && node.count > 0) {
    // A whole host: ready when its last job ends. Hosts in that order, up to the count-th
    // usable one and those tied with it (the check below may place on any of them).
    for (const auto& [idle, host] : index.ByIdleTime()) {
      const Time time = idle == RunningIndex::kIdleNow ? now : effective_end(idle);
      if (ready.size() >= static_cast<size_t>(node.count) && time > ready.back().first) break;
      if (usable(host)) ready.push_back({time, host});
    }
  }
  // When could `host` alone hold one node's share, from its free amounts and its jobs' ends?
  std::vector<int64_t> free(pools);
  auto ready_time = [&](int32_t host) -> std::optional<Time> {
    VertexId vertex = state_.hosts()[host];
    auto fits = [&] {
      for (size_t p = 0; p < pools; ++p) {
        if (free[p] < node.demand[p]) return false;
      }
      return true;
    };
    for (size_t p = 0; p < pools; ++p) free[p] = state_.Free(vertex, static_cast<int>(p));
    if (fits()) return now;
    for (const RunningIndex::Entry& entry : index.OnHost(host)) {
      for (size_t p = 0; p < pools; ++p) free[p] += entry.usage[p];
      if (fits()) return effective_end(entry.end);
    }
    return std::nullopt;
  };
  using Order = std::set<std::pair<int64_t, int32_t>>;
  std::vector<const Order*> orders;  // one per pool the share needs
  for (size_t p = 0; !need_idle && p < pools; ++p) {
    if (node.demand[p] > 0) {
      orders.push_back(&index.ByReadyTime(static_cast<int>(p), node.demand[p]));
    }
  }
  if (!need_idle && !orders.empty() && node.count > 0) {
    // A host is ready no earlier than its place in each order says: once the count-th
    // earliest host read so far is earlier than every order's next host, no host left
    // unread could take part (nor tie).
    std::vector<Order::const_iterator> next;
    for (const Order* order : orders) next.push_back(order->begin());
    std::vector<char> read(state_.hosts().size(), 0);
    std::priority_queue<Time> earliest;  // the count earliest ready times read, latest on top
    auto at = [&](int64_t key) { return key == RunningIndex::kIdleNow ? now : effective_end(key); };
    for (;;) {
      Time unread_from = now;
      bool all_read = false;
      for (size_t o = 0; o < orders.size(); ++o) {
        if (next[o] == orders[o]->end()) {
          all_read = true;  // every host that can ever hold this pool's share was read
          break;
        }
        unread_from = std::max(unread_from, at(next[o]->first));
      }
      if (all_read) break;
      if (earliest.size() == static_cast<size_t>(node.count) && earliest.top() < unread_from) {
        break;
      }
      for (size_t o = 0; o < orders.size(); ++o) {
        const int32_t host = (next[o]++)->second;
        if (read[host]) continue;
        read[host] = 1;
        if (!usable(host)) continue;
        std::optional<Time> time = ready_time(host);
        if (!time) continue;
        ready.push_back({*time, host});
        earliest.push(*time);
        if (earliest.size() > static_cast<size_t>(node.count)) earliest.pop();
      }
    }
  }
  for (int32_t host = 0; !need_idle && orders.empty() &&
                         host < static_cast<int32_t>(state_.hosts().size());
       ++host) {
    if (!usable(host)) continue;
    if (std::optional<Time> time = ready_time(host)) ready.push_back({*time, host});
  }
  if (node.count <= 0 || ready.size() < static_cast<size_t>(node.count)) return std::nullopt;
  auto nth = ready.begin() + (node.count - 1);
  std::nth_element(ready.begin(), nth, ready.end());
  const Time start = nth->first;
  *lower_bound = start;

  // Check it: give back the chosen hosts' jobs that end by `start`. `behind` is the last of
  // them to end (of those ending together, the highest id).
  JobId behind = -1;
  Time latest = now;
  auto note_end = [&](const RunningIndex::Entry& entry) {
    const Time end = effective_end(entry.end);
    if (end > latest || (end == latest && entry.job > behind)) {
      latest = end;
      behind = entry.job;
    }
  };
  std::vector<std::pair<int64_t, const RunningIndex::Entry*>> ended;
  Allocation emptied;  // need_idle: what the chosen hosts' leaves hold, all of it ended
  for (const auto& [time, host] : ready) {
    if (time > start) continue;
    const std::vector<RunningIndex::Entry>& entries = index.OnHost(host);
    if (!need_idle) {
      for (const RunningIndex::Entry& entry : entries) {
        if (effective_end(entry.end) > start) break;
        ended.push_back({entry.job, &entry});
        note_end(entry);
      }
      continue;
    }
    // Every job here ends by `start`: the host is emptied leaf by leaf, from the state's
    // contiguous arrays, rather than job by job from allocations scattered in memory (the
    // state holds exactly the running jobs, so the two are the same).
    for (auto entry = entries.rbegin();
         entry != entries.rend() && effective_end(entry->end) >= latest; ++entry) {
      note_end(*entry);
    }
    const VertexId vertex = state_.hosts()[host];
    for (VertexId leaf = vertex; leaf < graph.SubtreeEnd(vertex); ++leaf) {
      if (!graph.IsLeaf(leaf) || state_.PoolOf(graph.type(leaf)) < 0) continue;
      if (const int64_t used = state_.Used(leaf); used > 0) emptied.items.push_back({leaf, used});
    }
  }
  // A job on several chosen hosts is given back once.
  std::sort(ended.begin(), ended.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  ended.erase(std::unique(ended.begin(), ended.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              ended.end());
  for (const auto& [job, entry] : ended) matcher_.Release(*entry->allocation);
  matcher_.Release(emptied);
  std::vector<char> overlaid = OverlayReservations(reservations, start, duration);
  std::optional<Plan> plan;
  if (EnoughInTotal(state_, request)) {
    std::optional<Allocation> allocation = matcher_.Match(request, filter);
    if (allocation) plan = Placed(start, std::move(*allocation), start > now ? behind : -1);
  }
  RemoveOverlay(reservations, overlaid);
  matcher_.Claim(emptied);
  for (const auto& [job, entry] : ended) matcher_.Claim(*entry->allocation);
  return plan;
}

}  // namespace converge::sched
