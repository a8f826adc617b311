#include "sched/count_profile.h"

#include <algorithm>
#include <iterator>

namespace converge::sched {

std::map<CountProfile::Time, int64_t>::iterator CountProfile::Split(Time t) {
  auto it = levels_.lower_bound(t);
  if (it != levels_.end() && it->first == t) return it;
  const int64_t level = it == levels_.begin() ? 0 : std::prev(it)->second;
  return levels_.emplace_hint(it, t, level);
}

void CountProfile::Assign(std::vector<Use> uses) {
  std::vector<std::pair<Time, int64_t>> changes;
  changes.reserve(2 * uses.size());
  for (const Use& use : uses) {
    if (use.start >= use.end || use.units == 0) continue;
    changes.push_back({use.start, use.units});
    changes.push_back({use.end, -use.units});
  }
  std::sort(changes.begin(), changes.end());
  levels_.clear();
  int64_t level = 0;
  for (size_t i = 0; i < changes.size();) {
    const Time at = changes[i].first;
    const int64_t before = level;
    for (; i < changes.size() && changes[i].first == at; ++i) level += changes[i].second;
    if (level != before) levels_.emplace_hint(levels_.end(), at, level);
  }
}

void CountProfile::Change(Time start, Time end, int64_t units) {
  if (start >= end || units == 0) return;
  auto first = Split(start);
  auto last = Split(end);
  for (auto it = first; it != last; ++it) it->second += units;
  // Merge breakpoints that no longer change the level, at both edges.
  auto merge = [this](std::map<Time, int64_t>::iterator it) {
    const int64_t before = it == levels_.begin() ? 0 : std::prev(it)->second;
    if (it->second == before) levels_.erase(it);
  };
  merge(last);
  merge(first);
}

CountProfile::Time CountProfile::EarliestFit(Time from, int64_t units, Time duration,
                                             int64_t capacity, Time before) const {
  const int64_t limit = capacity - units;
  auto it = levels_.upper_bound(from);
  const int64_t level = it == levels_.begin() ? 0 : std::prev(it)->second;
  bool fits = level <= limit;
  Time candidate = from;
  for (; it != levels_.end(); ++it) {
    if (fits && it->first >= candidate + duration) return candidate;
    if (!fits && it->first >= before) return before;
    if (it->second > limit) {
      fits = false;
    } else if (!fits) {
      fits = true;
      candidate = it->first;
    }
  }
  return fits && candidate < before ? candidate : before;
}

CountProfile::Time CountProfile::FirstAtOrBelow(Time from, int64_t limit, Time before) const {
  auto it = levels_.upper_bound(from);
  if ((it == levels_.begin() ? 0 : std::prev(it)->second) <= limit) return std::min(from, before);
  for (; it != levels_.end() && it->first < before; ++it) {
    if (it->second <= limit) return it->first;
  }
  return before;
}

int64_t CountProfile::At(Time t) const {
  auto it = levels_.upper_bound(t);
  return it == levels_.begin() ? 0 : std::prev(it)->second;
}

void CountProfile::Forget(Time now) {
  auto it = levels_.upper_bound(now);
  if (it == levels_.begin()) return;
  auto at = std::prev(it);  // the level in force at now
  const int64_t level = at->second;
  levels_.erase(levels_.begin(), at);
  if (level == 0) levels_.erase(levels_.begin());
}

}  // namespace converge::sched
