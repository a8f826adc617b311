#include "sim/reference_schedule.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <limits>
#include <list>
#include <map>
#include <numeric>
#include <queue>
#include <set>
#include <unordered_map>
#include <utility>

namespace converge::sim {

namespace {

using sched::QueuePolicy;
using Time = int64_t;

// Processors in use over time, as changes at instants: used(t) = sum of deltas at <= t.
class Profile {
 public:
  void Add(Time start, Time end, int64_t procs) {
    Change(start, procs);
    Change(end, -procs);
  }
  void Remove(Time start, Time end, int64_t procs) { Add(start, end, -procs); }

  // The earliest t >= now with used <= capacity - procs over all of [t, t + duration).
  // REQUIRES: every interval ends, so that use falls to 0 eventually.
  Time EarliestFit(Time now, int64_t procs, Time duration, int64_t capacity) const {
    const int64_t limit = capacity - procs;
    int64_t used = 0;
    auto it = deltas_.begin();
    for (; it != deltas_.end() && it->first <= now; ++it) used += it->second;
    bool fits = used <= limit;
    Time candidate = now;
    for (; it != deltas_.end(); ++it) {
      if (fits && it->first >= candidate + duration) return candidate;
      used += it->second;
      if (used > limit) {
        fits = false;
      } else if (!fits) {
        fits = true;
        candidate = it->first;
      }
    }
    return candidate;
  }

 private:
  void Change(Time at, int64_t delta) {
    auto [it, inserted] = deltas_.emplace(at, delta);
    if (!inserted && (it->second += delta) == 0) deltas_.erase(it);
  }
  std::map<Time, int64_t> deltas_;
};

class ReferenceLoop {
 public:
  ReferenceLoop(const Workload& workload, const ReferenceOptions& options)
      : jobs_(workload.jobs), options_(options) {
    order_.resize(jobs_.size());
    std::iota(order_.begin(), order_.end(), size_t{0});
    std::stable_sort(order_.begin(), order_.end(), [this](size_t a, size_t b) {
      return std::pair(jobs_[a].submit_time, jobs_[a].id) <
             std::pair(jobs_[b].submit_time, jobs_[b].id);
    });
    free_ = options.procs;
  }

  std::vector<JobOutcome> Run() {
    size_t next = 0;
    while (next < order_.size() || !ends_.empty() || !reserved_.empty()) {
      Time now = std::numeric_limits<Time>::max();
      if (!ends_.empty()) now = ends_.top().first;
      if (next < order_.size()) now = std::min(now, jobs_[order_[next]].submit_time);
      for (const auto& [index, start] : reserved_) now = std::min(now, start);
      while (!ends_.empty() && ends_.top().first == now) {
        End(ends_.top().second, now);
        ends_.pop();
      }
      for (; next < order_.size() && jobs_[order_[next]].submit_time == now; ++next) {
        if (jobs_[order_[next]].procs <= options_.procs) queue_.push_back(order_[next]);
      }
      switch (options_.policy) {
        case QueuePolicy::kFcfs:
          StartInOrder(now);
          break;
        case QueuePolicy::kEasy:
          Easy(now);
          break;
        case QueuePolicy::kConservative:
          Conservative(now);
          break;
      }
      room_freed_ = false;
    }
    std::sort(outcomes_.begin(), outcomes_.end(),
              [](const JobOutcome& a, const JobOutcome& b) { return a.id < b.id; });
    return std::move(outcomes_);
  }

 private:
  struct Running {
    Time start;
    Time expected_end;
  };

  Time Duration(const SimJob& job) const {
    return job.requested_time > 0 ? job.requested_time : options_.default_duration;
  }

  void End(size_t index, Time now) {
    const Running running = running_.at(index);
    if (now < running.expected_end) room_freed_ = true;
    free_ += jobs_[index].procs;
    by_end_.erase(by_end_.find({running.expected_end, index}));
    running_.erase(index);
  }

  void Start(size_t index, Time now) {
    const SimJob& job = jobs_[index];
    const Time expected_end = now + Duration(job);
    free_ -= job.procs;
    running_.emplace(index, Running{now, expected_end});
    by_end_.insert({expected_end, index});
    ends_.emplace(now + job.run_time, index);
    JobOutcome outcome;
    outcome.id = job.id;
    outcome.submit_time = job.submit_time;
    outcome.start_time = now;
    outcome.end_time = now + job.run_time;
    outcome.procs = job.procs;
    outcome.requested_time = job.requested_time;
    outcome.run_time = job.run_time;
    outcome.allocated_cores = job.procs;
    outcomes_.push_back(outcome);
  }

  // Starts jobs from the head while they fit; returns the first that does not.
  std::list<size_t>::iterator StartInOrder(Time now) {
    auto it = queue_.begin();
    while (it != queue_.end() && jobs_[*it].procs <= free_) {
      Start(*it, now);
      it = queue_.erase(it);
    }
    return it;
  }

  void Easy(Time now) {
    auto head = StartInOrder(now);
    if (head == queue_.end()) return;
    const int64_t need = jobs_[*head].procs;
    // Shadow time: the first expected end at which the head fits; every job expected to
    // end by then counts toward the extra processors.
    int64_t available = free_;
    Time shadow = now;
    for (auto it = by_end_.begin(); it != by_end_.end() && available < need;) {
      shadow = std::max(it->first, now + 1);
      for (; it != by_end_.end() && std::max(it->first, now + 1) == shadow; ++it) {
        available += jobs_[it->second].procs;
      }
    }
    int64_t extra = available - need;
    for (auto it = std::next(head); it != queue_.end() && free_ > 0;) {
      const SimJob& job = jobs_[*it];
      const bool ends_by_shadow = now + Duration(job) <= shadow;
      if (job.procs <= free_ && (ends_by_shadow || job.procs <= extra)) {
        if (!ends_by_shadow) extra -= job.procs;
        Start(*it, now);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Conservative(Time now) {
    Profile profile;
    for (const auto& [index, running] : running_) {
      profile.Add(running.start, std::max(running.expected_end, now + 1), jobs_[index].procs);
    }
    for (const auto& [index, start] : reserved_) {
      profile.Add(start, start + Duration(jobs_[index]), jobs_[index].procs);
    }
    for (auto it = queue_.begin(); it != queue_.end();) {
      const size_t index = *it;
      const SimJob& job = jobs_[index];
      const Time duration = Duration(job);
      auto reservation = reserved_.find(index);
      if (reservation != reserved_.end() && room_freed_) {
        profile.Remove(reservation->second, reservation->second + duration, job.procs);
        reservation->second = std::min(
            reservation->second, profile.EarliestFit(now, job.procs, duration, options_.procs));
        profile.Add(reservation->second, reservation->second + duration, job.procs);
      } else if (reservation == reserved_.end()) {
        Time start = profile.EarliestFit(now, job.procs, duration, options_.procs);
        reservation = reserved_.emplace(index, start).first;
        profile.Add(start, start + duration, job.procs);
      } else {
        // No compression, but the job starts now if it fits now beside every other
        // reservation (one of them may have moved away).
        profile.Remove(reservation->second, reservation->second + duration, job.procs);
        if (profile.EarliestFit(now, job.procs, duration, options_.procs) == now) {
          reservation->second = now;
        }
        profile.Add(reservation->second, reservation->second + duration, job.procs);
      }
      if (reservation->second == now) {
        reserved_.erase(reservation);
        Start(index, now);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }

  const std::vector<SimJob>& jobs_;
  ReferenceOptions options_;
  std::vector<size_t> order_;
  std::list<size_t> queue_;  // waiting jobs (indices into jobs_), in queue order
  std::unordered_map<size_t, Running> running_;
  std::multiset<std::pair<Time, size_t>> by_end_;  // running jobs by expected end
  std::unordered_map<size_t, Time> reserved_;      // conservative: job -> reserved start
  std::priority_queue<std::pair<Time, size_t>, std::vector<std::pair<Time, size_t>>,
                      std::greater<>>
      ends_;
  int64_t free_ = 0;
  bool room_freed_ = false;
  std::vector<JobOutcome> outcomes_;
};

}  // namespace

std::vector<JobOutcome> ReferenceSchedule(const Workload& workload,
                                          const ReferenceOptions& options) {
  return ReferenceLoop(workload, options).Run();
}

}  // namespace converge::sim
