#include "sched/scheduler.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "sched/explain.h"
#include "sched/host_filter.h"
#include "sched/matcher.h"
#include "sched/planner.h"
#include "sched/request.h"
#include "sched/resource_state.h"

namespace converge::sched {

namespace {

struct PendingJob {
  JobId id = 0;
  Time submit = 0;
  Time duration = 0;  // planning duration (> 0)
  Request request;
  std::optional<HostFilter> filter;
  // Outcome of the last Schedule() for this job.
  std::optional<Plan> reservation;
  JobId queued_behind = -1;  // the job holding the last reservation slot, when not reserved
};

struct RunningJob {
  Booking booking;
};

// Queue order: higher priority first, then submission order.
struct QueueKey {
  int64_t priority;
  uint64_t sequence;
  bool operator<(const QueueKey& other) const {
    if (priority != other.priority) return priority > other.priority;
    return sequence < other.sequence;
  }
};

int EffectiveDepth(const SchedulerOptions& options) {
  if (options.queue_policy == QueuePolicy::kFcfs) return 0;
  if (options.reservation_depth >= 0) return options.reservation_depth;
  return options.queue_policy == QueuePolicy::kEasy ? 1 : std::numeric_limits<int>::max();
}

}  // namespace

class Scheduler::Impl {
 public:
  Impl(const resource::Graph& graph, SchedulerOptions options)
      : graph_(graph),
        options_(options),
        state_(graph, /*honour_status=*/true),
        matcher_(state_, options.match_policy),
        planner_(state_, matcher_),
        empty_state_(graph, /*honour_status=*/false),
        empty_matcher_(empty_state_, MatchPolicy::kFirst) {}

  Status Submit(JobRequest job) {
    if (pending_.count(job.id) || running_.count(job.id)) {
      return Status::Invalid("id", "job " + std::to_string(job.id) + " is already known");
    }
    Result<Request> request = CompileRequest(job.spec, state_);
    if (!request.ok()) return request.status();
    PendingJob pending;
    pending.id = job.id;
    pending.submit = job.submit_time;
    pending.duration = request->duration > 0 ? request->duration : options_.default_duration;
    if (request->constraint) {
      Result<HostFilter> filter = HostFilter::Compile(*request->constraint);
      if (!filter.ok()) return filter.status();
      pending.filter = std::move(filter).value();
    }
    const HostFilter* filter = pending.filter ? &*pending.filter : nullptr;
    std::optional<Allocation> fits = empty_matcher_.Match(*request, filter);
    if (!fits) {
      return Status(Code::kUnsatisfiable,
                    "the whole resource graph cannot hold " + DescribeDemand(*request, state_) +
                        (filter ? " on hosts matching the constraints" : ""),
                    "resources");
    }
    empty_matcher_.Release(*fits);
    pending.request = std::move(request).value();
    QueueKey key{job.priority, next_sequence_++};
    queue_.emplace(key, job.id);
    keys_.emplace(job.id, key);
    pending_.emplace(job.id, std::move(pending));
    return Status::Ok();
  }

  std::vector<StartDecision> Schedule(Time now) {
    std::vector<StartDecision> started;
    std::vector<Booking> reservations;
    std::vector<char> overlaid;
    const int depth = EffectiveDepth(options_);
    JobId head_blocker = -1;
    // Overlays the reservations that begin before `horizon` (all end after now).
    auto set_horizon = [&](Time horizon) {
      for (size_t r = 0; r < reservations.size(); ++r) {
        bool want = reservations[r].start < horizon;
        if (want == static_cast<bool>(overlaid[r])) continue;
        if (want) {
          matcher_.Claim(reservations[r].allocation);
        } else {
          matcher_.Release(reservations[r].allocation);
        }
        overlaid[r] = want;
      }
    };

    std::vector<JobId> order;
    order.reserve(queue_.size());
    for (const auto& [key, id] : queue_) order.push_back(id);
    bool blocked = false;
    for (JobId id : order) {
      PendingJob& job = pending_.at(id);
      job.reservation.reset();
      job.queued_behind = -1;
      if (blocked) {  // fcfs: nobody passes the blocked head
        job.queued_behind = head_blocker;
        continue;
      }
      std::optional<Allocation> allocation;
      set_horizon(now + job.duration);
      if (EnoughFreeNow(job.request)) {
        allocation = matcher_.Match(job.request, job.filter ? &*job.filter : nullptr);
      }
      if (allocation) {
        StartDecision decision{id, now, now + job.duration, std::move(*allocation)};
        running_order_.insert({decision.expected_end, id});
        running_.emplace(id, RunningJob{Booking{id, now, decision.expected_end,
                                                decision.allocation}});
        started.push_back(std::move(decision));
        continue;
      }
      if (options_.queue_policy == QueuePolicy::kFcfs) {
        blocked = true;
        head_blocker = id;
        continue;
      }
      if (static_cast<int>(reservations.size()) >= depth) {
        job.queued_behind = reservations.empty() ? -1 : reservations.back().job;
        continue;
      }
      set_horizon(std::numeric_limits<Time>::min());
      std::vector<const Booking*> running = RunningByEnd(now);
      std::optional<Plan> plan =
          planner_.EarliestStart(job.request, job.filter ? &*job.filter : nullptr, now,
                                 job.duration, running, reservations);
      if (!plan) continue;  // nothing will ever free enough (e.g. hosts down)
      reservations.push_back(Booking{id, plan->start, plan->start + job.duration,
                                     plan->allocation});
      overlaid.push_back(0);
      job.reservation = std::move(plan);
    }
    set_horizon(std::numeric_limits<Time>::min());
    for (const StartDecision& decision : started) {
      queue_.erase(keys_.at(decision.id));
      keys_.erase(decision.id);
      pending_.erase(decision.id);
    }
    last_schedule_ = now;
    return started;
  }

  Status Release(JobId id, Time now) {
    auto it = running_.find(id);
    if (it == running_.end()) {
      return Status(Code::kNotFound, "job " + std::to_string(id) + " is not running");
    }
    matcher_.Release(it->second.booking.allocation);
    running_order_.erase({it->second.booking.end, id});
    running_.erase(it);
    return Status::Ok();
  }

  Status CancelPending(JobId id) {
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      return Status(Code::kNotFound, "job " + std::to_string(id) + " is not pending");
    }
    queue_.erase(keys_.at(id));
    keys_.erase(id);
    pending_.erase(it);
    return Status::Ok();
  }

  Result<std::string> WhyPending(JobId id, Time now) {
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      return Status(Code::kNotFound, "job " + std::to_string(id) + " is not pending");
    }
    const PendingJob& job = it->second;
    PendingFacts facts;
    facts.now = now;
    facts.reserved_start = job.reservation ? std::optional<Time>(job.reservation->start)
                                           : std::nullopt;
    facts.reserved_behind = job.reservation ? job.reservation->behind : -1;
    facts.queued_behind = job.queued_behind;
    facts.fcfs = options_.queue_policy == QueuePolicy::kFcfs;
    facts.reservation_depth = EffectiveDepth(options_);
    return ExplainPending(job.request, job.filter ? &*job.filter : nullptr, state_, facts);
  }

  std::optional<Time> ReservedStart(JobId id) const {
    auto it = pending_.find(id);
    if (it == pending_.end() || !it->second.reservation) return std::nullopt;
    return it->second.reservation->start;
  }

  size_t pending_count() const { return pending_.size(); }
  size_t running_count() const { return running_.size(); }

 private:
  bool EnoughFreeNow(const Request& request) const {
    for (size_t p = 0; p < request.total_demand.size(); ++p) {
      if (state_.Free(graph_.root(), static_cast<int>(p)) < request.total_demand[p]) return false;
    }
    return true;
  }

  // Running jobs by expected end; a job past its expected end is taken to end at now + 1.
  std::vector<const Booking*> RunningByEnd(Time now) {
    overdue_.clear();
    std::vector<const Booking*> result;
    result.reserve(running_order_.size());
    for (const auto& [end, id] : running_order_) {
      const Booking& booking = running_.at(id).booking;
      if (end > now) {
        result.push_back(&booking);
      } else {
        overdue_.push_back(booking);
        overdue_.back().end = now + 1;
      }
    }
    std::vector<const Booking*> merged;
    merged.reserve(result.size() + overdue_.size());
    for (const Booking& booking : overdue_) merged.push_back(&booking);
    merged.insert(merged.end(), result.begin(), result.end());
    return merged;
  }

  const resource::Graph& graph_;
  SchedulerOptions options_;
  ResourceState state_;
  Matcher matcher_;
  Planner planner_;
  ResourceState empty_state_;
  Matcher empty_matcher_;

  std::map<QueueKey, JobId> queue_;
  std::unordered_map<JobId, QueueKey> keys_;
  std::unordered_map<JobId, PendingJob> pending_;
  std::unordered_map<JobId, RunningJob> running_;
  std::set<std::pair<Time, JobId>> running_order_;
  std::vector<Booking> overdue_;
  uint64_t next_sequence_ = 0;
  Time last_schedule_ = 0;
};

Result<std::unique_ptr<Scheduler>> Scheduler::Create(const resource::Graph& graph,
                                                     SchedulerOptions options) {
  if (options.default_duration <= 0) {
    return Status::Invalid("default_duration", "must be > 0");
  }
  return std::unique_ptr<Scheduler>(new Scheduler(std::make_unique<Impl>(graph, options)));
}

Scheduler::Scheduler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scheduler::~Scheduler() = default;

Status Scheduler::Submit(JobRequest request) { return impl_->Submit(std::move(request)); }
std::vector<StartDecision> Scheduler::Schedule(Time now) { return impl_->Schedule(now); }
Status Scheduler::Release(JobId id, Time now) { return impl_->Release(id, now); }
Status Scheduler::CancelPending(JobId id) { return impl_->CancelPending(id); }
Result<std::string> Scheduler::WhyPending(JobId id, Time now) const {
  return impl_->WhyPending(id, now);
}
std::optional<Time> Scheduler::ReservedStart(JobId id) const { return impl_->ReservedStart(id); }
size_t Scheduler::pending_count() const { return impl_->pending_count(); }
size_t Scheduler::running_count() const { return impl_->running_count(); }

}  // namespace converge::sched
