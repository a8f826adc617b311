#include "sched/scheduler.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "sched/count_profile.h"
#include "sched/explain.h"
#include "sched/host_filter.h"
#include "sched/matcher.h"
#include "sched/planner.h"
#include "sched/request.h"
#include "sched/resource_state.h"
#include "sched/running_index.h"

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
  int queue = 0;             // index into Impl::queues_
};

struct RunningJob {
  Booking booking;
  bool unlimited = false;  // no time limit: booking.end is only the default_duration guess
  std::vector<int64_t> usage;  // units held per pool (UsageOf(booking.allocation))
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

// Claims the reservations that overlap a candidate's window, so the matcher steers around
// them, and gives them back on Clear() or destruction.
class Overlay {
 public:
  Overlay(Matcher& matcher, const ResourceState& state)
      : matcher_(matcher), state_(state), hidden_(state.pool_count(), 0) {}
  ~Overlay() { Clear(); }
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;

  // Claims exactly the bookings that start before `horizon`, except the one of `except`.
  // REQUIRES: every booking ends after now; bookings are not erased while claimed.
  void Set(const std::map<JobId, Booking>& bookings, Time horizon, JobId except) {
    for (const auto& [job, booking] : bookings) {
      if (booking.allocation.items.empty()) continue;  // holds no vertices (counted)
      bool want = booking.start < horizon && job != except;
      bool have = applied_.count(job) > 0;
      if (want == have) continue;
      std::vector<int64_t> before = RootFree();
      if (want) {
        matcher_.Claim(booking.allocation);
        applied_.emplace(job, &booking);
      } else {
        matcher_.Release(booking.allocation);
        applied_.erase(job);
      }
      std::vector<int64_t> after = RootFree();
      for (size_t p = 0; p < hidden_.size(); ++p) hidden_[p] += before[p] - after[p];
    }
  }

  void Clear() {
    for (const auto& [job, booking] : applied_) matcher_.Release(booking->allocation);
    applied_.clear();
    std::fill(hidden_.begin(), hidden_.end(), 0);
  }

  // Root free units of pool p currently hidden by claimed bookings.
  int64_t hidden(size_t p) const { return hidden_[p]; }

 private:
  std::vector<int64_t> RootFree() const {
    std::vector<int64_t> free(hidden_.size());
    for (size_t p = 0; p < free.size(); ++p) {
      free[p] = state_.Free(state_.graph().root(), static_cast<int>(p));
    }
    return free;
  }

  Matcher& matcher_;
  const ResourceState& state_;
  std::map<JobId, const Booking*> applied_;
  std::vector<int64_t> hidden_;
};

// Whether every slot of `request` is one unit of one pool (slot[n] -> core[1]), with no
// exclusivity: then any free units of that pool will hold it, wherever they are.
bool OneUnitSlots(const Request& request) {
  if (request.exclusive_hosts || request.roots.size() != 1) return false;
  const RequestNode& slot = request.roots[0];
  return slot.type == RequestNode::kSlot && slot.pools_only && !slot.exclusive &&
         slot.with.size() == 1 && slot.with[0].pool >= 0 && slot.with[0].count == 1 &&
         slot.with[0].with.empty();
}

int EffectiveDepth(const QueueOptions& options) {
  if (options.policy == QueuePolicy::kFcfs) return 0;
  if (options.reservation_depth >= 0) return options.reservation_depth;
  return options.policy == QueuePolicy::kEasy ? 1 : std::numeric_limits<int>::max();
}

// Conservative keeps reservations from pass to pass and only moves them earlier, so no job is
// ever delayed by a later one; depth-k policies re-plan every pass.
bool Persistent(const QueueOptions& options) {
  return EffectiveDepth(options) == std::numeric_limits<int>::max();
}

// A queue's pending jobs in order, and what its last pass left.
struct QueueState {
  QueueOptions options;
  std::map<QueueKey, JobId> order;
  bool started = true;
  // Under fcfs, the blocked job at the head of the queue after the last pass (-1: none).
  JobId fcfs_head = -1;
  // Where the last pass stopped walking the queue (NothingFitsNow), and the reservation the
  // jobs from there on wait behind; nullopt when it walked the whole queue.
  std::optional<QueueKey> cutoff;
  JobId cutoff_behind = -1;
};

std::vector<QueueState> QueuesOf(const SchedulerOptions& options) {
  std::vector<QueueState> queues;
  if (options.queues.empty()) {
    queues.push_back({QueueOptions{options.queue_policy, options.reservation_depth}});
  }
  for (const QueueOptions& queue : options.queues) queues.push_back({queue});
  return queues;
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
        running_index_(state_),
        empty_state_(graph, /*honour_status=*/false),
        empty_matcher_(empty_state_, MatchPolicy::kFirst),
        queues_(QueuesOf(options)) {
    for (int32_t host = 0; host < static_cast<int32_t>(state_.hosts().size()); ++host) {
      unavailable_hosts_ += !state_.HostAvailable(host);
    }
  }

  Status Submit(JobRequest job) {
    if (pending_.count(job.id) || running_.count(job.id)) {
      return Status::Invalid("id", "job " + std::to_string(job.id) + " is already known");
    }
    if (job.queue < 0 || job.queue >= static_cast<int>(queues_.size())) {
      return Status::Invalid("queue", "there is no queue " + std::to_string(job.queue));
    }
    Result<Request> request = CompileRequest(job.spec, state_);
    if (!request.ok()) return request.status();
    PendingJob pending;
    pending.queue = job.queue;
    pending.id = job.id;
    pending.submit = job.submit_time;
    pending.duration = request->duration > 0 ? request->duration : options_.default_duration;
    if (request->constraint) {
      Result<HostFilter> filter = HostFilter::Compile(*request->constraint);
      if (!filter.ok()) return filter.status();
      pending.filter = std::move(filter).value();
    }
    const HostFilter* filter = pending.filter ? &*pending.filter : nullptr;
    if (!CouldEverHold(*request, filter)) {
      return Status(Code::kUnsatisfiable,
                    "the whole resource graph cannot hold " + DescribeDemand(*request, state_) +
                        (filter ? " on hosts matching the constraints" : ""),
                    "resources");
    }
    pending.request = std::move(request).value();
    CountDemand(pending.request, +1);
    CountShape(pending, +1);
    QueueKey key{job.priority, next_sequence_++};
    queues_[job.queue].order.emplace(key, job.id);
    keys_.emplace(job.id, key);
    pending_.emplace(job.id, std::move(pending));
    return Status::Ok();
  }

  std::vector<StartDecision> Schedule(Time now) {
    std::vector<StartDecision> started;
    for (auto it = reservations_.begin(); it != reservations_.end();) {
      const QueueState& queue = queues_[pending_.at(it->first).queue];
      it = Persistent(queue.options) && queue.started ? std::next(it) : reservations_.erase(it);
    }
    const int counting_pool = CountingPool();
    if (counting_pool < 0) profile_.reset();
    if (counted_last_pass_ && counting_pool < 0) {
      // Counted reservations hold no vertices: the graph planner starts over.
      for (const auto& [id, booking] : reservations_) pending_.at(id).reservation.reset();
      reservations_.clear();
      room_freed_ = true;
    }
    counted_last_pass_ = counting_pool >= 0;
    Overlay overlay(matcher_, state_);
    for (size_t index = 0; index < queues_.size(); ++index) {
      QueueState& queue = queues_[index];
      queue.fcfs_head = -1;
      queue.cutoff.reset();
      queue.cutoff_behind = -1;
      if (!queue.started) continue;
      if (counting_pool >= 0) {
        CountedPass(static_cast<int>(index), counting_pool, now, started);
      } else {
        Pass(static_cast<int>(index), now, overlay, started);
      }
    }
    overlay.Clear();
    for (const StartDecision& decision : started) {
      PendingJob& job = pending_.at(decision.id);
      queues_[job.queue].order.erase(keys_.at(decision.id));
      keys_.erase(decision.id);
      CountDemand(job.request, -1);
      CountShape(job, -1);
      pending_.erase(decision.id);
    }
    room_freed_ = false;
    return started;
  }

  Status Release(JobId id, Time now) {
    auto it = running_.find(id);
    if (it == running_.end()) {
      return Status(Code::kNotFound, "job " + std::to_string(id) + " is not running");
    }
    matcher_.Release(it->second.booking.allocation);
    if (running_index_live_) running_index_.Remove(id, it->second.booking.allocation);
    if (profile_ && now < it->second.booking.end) {
      profile_->Change(now, it->second.booking.end, -it->second.usage[profile_pool_]);
    } else if (now > it->second.booking.end) {
      profile_.reset();  // past its planned end: its use there is not known exactly
    }
    if (now < it->second.booking.end) room_freed_ = true;
    running_order_.erase({it->second.booking.end, id});
    running_.erase(it);
    return Status::Ok();
  }

  Status CancelPending(JobId id) {
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      return Status(Code::kNotFound, "job " + std::to_string(id) + " is not pending");
    }
    queues_[it->second.queue].order.erase(keys_.at(id));
    keys_.erase(id);
    CountDemand(it->second.request, -1);
    CountShape(it->second, -1);
    pending_.erase(it);
    profile_.reset();
    if (reservations_.erase(id) > 0) room_freed_ = true;
    return Status::Ok();
  }

  Status Restore(JobRequest job, Allocation allocation, Time start) {
    if (pending_.count(job.id) || running_.count(job.id)) {
      return Status::Invalid("id", "job " + std::to_string(job.id) + " is already known");
    }
    Result<Request> request = CompileRequest(job.spec, state_);
    if (!request.ok()) return request.status();
    for (const Allocation::Item& item : allocation.items) {
      if (item.vertex < 0 || item.vertex >= static_cast<VertexId>(graph_.size()) ||
          !graph_.IsLeaf(item.vertex) || state_.PoolOf(graph_.type(item.vertex)) < 0 ||
          item.amount <= 0 ||
          state_.LeafFree(item.vertex) < item.amount) {
        return Status::Invalid("allocation", "vertex " + std::to_string(item.vertex) +
                                                 " is not a free leaf of this graph");
      }
    }
    const Time duration = request->duration > 0 ? request->duration : options_.default_duration;
    matcher_.Claim(allocation);
    profile_.reset();
    const Time end = start + duration;
    running_order_.insert({end, job.id});
    std::vector<int64_t> usage = UsageOf(allocation);
    auto [entry, inserted] =
        running_.emplace(job.id, RunningJob{Booking{job.id, start, end, std::move(allocation)},
                                            request->duration <= 0, std::move(usage)});
    if (running_index_live_) running_index_.Add(job.id, end, entry->second.booking.allocation);
    return Status::Ok();
  }

  Status SetQueueStarted(int index, bool started) {
    if (index < 0 || index >= static_cast<int>(queues_.size())) {
      return Status(Code::kNotFound, "there is no queue " + std::to_string(index));
    }
    QueueState& queue = queues_[index];
    if (queue.started == started) return Status::Ok();
    queue.started = started;
    profile_.reset();
    if (started) {
      room_freed_ = true;
      return Status::Ok();
    }
    for (const auto& [key, id] : queue.order) {  // a stopped queue holds nothing for later
      pending_.at(id).reservation.reset();
      reservations_.erase(id);
    }
    queue.cutoff.reset();
    queue.fcfs_head = -1;
    return Status::Ok();
  }

  Status SetHostAvailable(VertexId host, bool available) {
    if (host < 0 || host >= static_cast<VertexId>(graph_.size())) {
      return Status(Code::kNotFound, "vertex " + std::to_string(host) + " does not exist");
    }
    const int32_t index = state_.HostOf(host);
    if (index < 0 || state_.hosts()[index] != host) {
      return Status(Code::kNotFound, graph_.name(host) + " is not a host");
    }
    if (state_.HostAvailable(index) == available) return Status::Ok();
    state_.SetHostAvailable(index, available);
    unavailable_hosts_ += available ? -1 : 1;
    profile_.reset();
    if (available) room_freed_ = true;
    if (!available) reservations_.clear();  // plans may have used the host
    return Status::Ok();
  }

  Result<std::string> WhyPending(JobId id, Time now) {
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      return Status(Code::kNotFound, "job " + std::to_string(id) + " is not pending");
    }
    const PendingJob& job = it->second;
    const QueueState& queue = queues_[job.queue];
    if (!queue.started) return std::string("its queue is stopped");
    const bool cut = BeyondCutoff(id);
    const std::optional<Plan>& reservation = cut ? kNoPlan : job.reservation;
    PendingFacts facts;
    facts.now = now;
    facts.reserved_start = reservation ? std::optional<Time>(reservation->start) : std::nullopt;
    facts.reserved_behind = reservation ? reservation->behind : -1;
    facts.behind_unlimited = Unlimited(facts.reserved_behind);
    facts.queued_behind = cut ? queue.cutoff_behind : job.queued_behind;
    facts.fcfs = queue.options.policy == QueuePolicy::kFcfs;
    if (facts.fcfs && id != queue.fcfs_head) facts.queued_behind = queue.fcfs_head;
    facts.reservation_depth = EffectiveDepth(queue.options);
    return ExplainPending(job.request, job.filter ? &*job.filter : nullptr, state_, facts);
  }

  // Whether `id` (running or pending) has no time limit, so that its planned end is a guess.
  bool Unlimited(JobId id) const {
    if (auto running = running_.find(id); running != running_.end()) {
      return running->second.unlimited;
    }
    auto pending = pending_.find(id);
    return pending != pending_.end() && pending->second.request.duration <= 0;
  }

  std::optional<Time> ReservedStart(JobId id) const {
    auto it = pending_.find(id);
    if (it == pending_.end() || !it->second.reservation || BeyondCutoff(id)) return std::nullopt;
    return it->second.reservation->start;
  }

  std::optional<Time> NextReservedStart() const {
    std::optional<Time> earliest;
    for (const auto& [id, booking] : reservations_) {
      if (BeyondCutoff(id)) continue;
      if (!earliest || booking.start < *earliest) earliest = booking.start;
    }
    return earliest;
  }

  size_t pending_count() const { return pending_.size(); }
  size_t running_count() const { return running_.size(); }

 private:
  inline static const std::optional<Plan> kNoPlan;

  // Walks `queue`'s jobs in order: starts what fits now (into `started`) and reserves for the
  // first ones that do not, as its policy says.
  void Pass(int index, Time now, Overlay& overlay, std::vector<StartDecision>& started) {
    QueueState& queue = queues_[index];
    const int depth = EffectiveDepth(queue.options);
    const bool persistent = depth == std::numeric_limits<int>::max();
    int reserved = 0;  // this queue's reservations
    for (const auto& [id, booking] : reservations_) reserved += pending_.at(id).queue == index;
    JobId last_reserved = -1;
    // The queue is not modified during the pass: started jobs leave it afterwards.
    for (const auto& [key, id] : queue.order) {
      // Once every reservation slot is taken and nothing can start now, the rest of the queue
      // can only wait behind the last reservation: recorded once (cutoff), not job by job.
      if (!persistent && reserved >= depth && NothingFitsNow(overlay)) {
        queue.cutoff = key;
        queue.cutoff_behind = last_reserved;
        break;
      }
      PendingJob& job = pending_.at(id);
      const HostFilter* filter = job.filter ? &*job.filter : nullptr;
      job.queued_behind = -1;
      if (!persistent) job.reservation.reset();
      auto own = reservations_.find(id);
      std::optional<Allocation> allocation;
      if (CouldFitWithout(overlay, job.request) && !SlackForbids(job, now)) {
        overlay.Set(reservations_, now + job.duration, id);
        if (EnoughFreeNow(job.request)) allocation = matcher_.Match(job.request, filter);
        if (allocation && !WithinSlack(job, *allocation, now)) {  // held more than it asked
          matcher_.Release(*allocation);
          allocation.reset();
        }
        if (!allocation && !persistent) {
          overlay.Clear();
          allocation = BackfillWithoutDelay(job, filter, now);
        }
      }
      if (allocation) {
        overlay.Clear();
        if (own != reservations_.end()) {
          reservations_.erase(own);
          --reserved;
        }
        job.reservation.reset();
        UseSlack(job, UsageOf(*allocation), now);
        StartNow(job, now, std::move(*allocation), started);
        continue;
      }
      if (queue.options.policy == QueuePolicy::kFcfs) {
        queue.fcfs_head = id;  // nobody passes the blocked head
        break;
      }
      const bool is_reserved = own != reservations_.end();
      if (!is_reserved && reserved >= depth) {
        job.queued_behind = last_reserved;
        continue;
      }
      last_reserved = id;
      if (is_reserved && !room_freed_) continue;  // nothing ended early: it cannot move earlier
      overlay.Clear();
      std::vector<const Booking*> others;
      for (const auto& [other, booking] : reservations_) {
        if (other != id) others.push_back(&booking);
      }
      const Time before = is_reserved ? own->second.start : std::numeric_limits<Time>::max();
      std::optional<Plan> plan =
          Countable(job, depth)
              ? CountedStart(job.request, now)
              : planner_.EarliestStart(job.request, filter, now, job.duration, RunningByEnd(now),
                                       others, &LiveRunningIndex(), before);
      if (is_reserved && (!plan || plan->start >= own->second.start)) continue;  // keep it
      if (!plan) continue;  // nothing will ever free enough (e.g. hosts down)
      if (!is_reserved) ++reserved;
      // Slack is kept current only within one pass, so persistent reservations keep none.
      reservations_[id] = Booking{id, plan->start, plan->start + job.duration, plan->allocation,
                                  persistent ? std::vector<int64_t>() : std::move(plan->slack)};
      plan->slack.clear();
      job.reservation = std::move(plan);
    }
  }

  // Starts `job` now on resources that reservations overlapping its run hold, when each of
  // them can still be placed at its start beside it: EASY's "a later job may use the extra
  // processors" on any graph, whatever vertices the reservation happened to pick. Tried only
  // when every such reservation has the slack (free units at its start) for the job's
  // demand, so on single-core nodes it succeeds whenever it is tried. On success the
  // reservations move to their new placements. REQUIRES: no overlay applied.
  std::optional<Allocation> BackfillWithoutDelay(const PendingJob& job, const HostFilter* filter,
                                                 Time now) {
    std::vector<JobId> affected;
    for (const auto& [holder, booking] : reservations_) {
      if (holder == job.id || booking.start >= now + job.duration) continue;
      if (booking.slack.empty()) return std::nullopt;
      for (size_t p = 0; p < job.request.total_demand.size(); ++p) {
        if (job.request.total_demand[p] > booking.slack[p]) return std::nullopt;
      }
      affected.push_back(holder);
    }
    if (affected.empty()) return std::nullopt;
    std::optional<Allocation> allocation = matcher_.Match(job.request, filter);
    if (!allocation) return std::nullopt;
    const std::vector<const Booking*> running = RunningByEnd(now);
    std::vector<std::pair<JobId, Allocation>> replaced;  // old placements, to undo
    for (JobId holder : affected) {
      Booking& booking = reservations_.at(holder);
      const PendingJob& waiting = pending_.at(holder);
      std::vector<const Booking*> others;
      for (const auto& [other, other_booking] : reservations_) {
        if (other != holder) others.push_back(&other_booking);
      }
      std::optional<Plan> plan = planner_.EarliestStart(
          waiting.request, waiting.filter ? &*waiting.filter : nullptr, booking.start,
          waiting.duration, running, others, nullptr, booking.start + 1);
      if (!plan) {
        for (auto& [undo, placement] : replaced) {
          reservations_.at(undo).allocation = std::move(placement);
        }
        matcher_.Release(*allocation);
        return std::nullopt;
      }
      replaced.emplace_back(holder, std::move(booking.allocation));
      booking.allocation = std::move(plan->allocation);
    }
    for (const auto& [holder, placement] : replaced) {
      pending_.at(holder).reservation->allocation = reservations_.at(holder).allocation;
    }
    return allocation;
  }

  // Whether some reservation overlapping `job`'s run has less slack than the job's demand:
  // then it cannot start now on any resources without delaying that reservation (a job
  // beside the reservation would also be free at its start, inside the slack).
  bool SlackForbids(const PendingJob& job, Time now) const {
    for (const auto& [holder, booking] : reservations_) {
      if (holder == job.id || booking.start >= now + job.duration || booking.slack.empty()) {
        continue;
      }
      for (size_t p = 0; p < job.request.total_demand.size(); ++p) {
        if (job.request.total_demand[p] > booking.slack[p]) return true;
      }
    }
    return false;
  }

  // Whether `allocation`, held by `job` from now, leaves every reservation that begins
  // before the job's planned end its slack (an exclusive job holds more than it demands).
  bool WithinSlack(const PendingJob& job, const Allocation& allocation, Time now) const {
    std::vector<int64_t> usage;
    for (const auto& [holder, booking] : reservations_) {
      if (holder == job.id || booking.start >= now + job.duration || booking.slack.empty()) {
        continue;
      }
      if (usage.empty()) usage = UsageOf(allocation);
      for (size_t p = 0; p < usage.size(); ++p) {
        if (usage[p] > booking.slack[p]) return false;
      }
    }
    return true;
  }

  // A job started now still runs at the start of every reservation that begins before its
  // planned end: those reservations have what it holds less slack.
  void UseSlack(const PendingJob& job, const std::vector<int64_t>& usage, Time now) {
    for (auto& [holder, booking] : reservations_) {
      if (holder == job.id || booking.start >= now + job.duration) continue;
      for (size_t p = 0; p < booking.slack.size(); ++p) booking.slack[p] -= usage[p];
    }
  }

  // Units held per pool.
  std::vector<int64_t> UsageOf(const Allocation& allocation) const {
    std::vector<int64_t> usage(state_.pool_count(), 0);
    for (const Allocation::Item& item : allocation.items) {
      usage[state_.PoolOf(graph_.type(item.vertex))] += item.amount;
    }
    return usage;
  }

  // Whether `job`'s reservation can be planned by counting alone: its slots are one unit of
  // one pool each, with no constraint or exclusivity, on a graph whose hosts are all up, so
  // that any free units of that pool will do; and it is the only reservation (one queue,
  // depth 1), so that slack alone keeps it (the reservation then holds no vertices).
  bool Countable(const PendingJob& job, int depth) const {
    if (depth != 1 || queues_.size() != 1 || job.filter || unavailable_hosts_ > 0) return false;
    return OneUnitSlots(job.request);
  }

  // Whether the whole graph, empty and with every host up, could hold `request`. Slots of
  // one unit need only that many units anywhere; other shapes are matched on the empty state.
  bool CouldEverHold(const Request& request, const HostFilter* filter) {
    if (filter == nullptr && OneUnitSlots(request)) {
      const int pool = request.roots[0].with[0].pool;
      return empty_state_.Capacity(graph_.root(), pool) >= request.total_demand[pool];
    }
    std::optional<Allocation> fits = empty_matcher_.Match(request, filter);
    if (fits) empty_matcher_.Release(*fits);
    return fits.has_value();
  }

  // The earliest instant by which enough units of the request's pool are free — free now
  // plus what running jobs give back by their expected ends (a job past its end counts as
  // ending at now + 1) — with the slack left then. For Countable() requests only.
  std::optional<Plan> CountedStart(const Request& request, Time now) const {
    const int pool = request.roots[0].with[0].pool;
    const int64_t need = request.total_demand[pool];
    int64_t free = state_.Free(graph_.root(), pool);
    Plan plan{now, {}, -1, std::vector<int64_t>(state_.pool_count(),
                                                std::numeric_limits<int64_t>::max())};
    auto it = running_order_.begin();
    while (free < need) {
      if (it == running_order_.end()) return std::nullopt;
      plan.start = std::max(it->first, now + 1);
      for (; it != running_order_.end() && std::max(it->first, now + 1) == plan.start; ++it) {
        free += running_.at(it->second).usage[pool];
        plan.behind = it->second;
      }
    }
    plan.slack[pool] = free - need;
    return plan;
  }

  // The per-host index of running jobs, built the first time a plan needs it and kept from
  // then on (a workload whose plans never need it never pays for it).
  RunningIndex& LiveRunningIndex() {
    if (!running_index_live_) {
      for (const auto& [id, running] : running_) {
        running_index_.Add(id, running.booking.end, running.booking.allocation);
      }
      running_index_live_ = true;
    }
    return running_index_;
  }

  // Records `job` as running from now on `allocation`.
  void StartNow(const PendingJob& job, Time now, Allocation allocation,
                std::vector<StartDecision>& started) {
    StartDecision decision{job.id, now, now + job.duration, std::move(allocation)};
    running_order_.insert({decision.expected_end, job.id});
    auto [entry, inserted] = running_.emplace(
        job.id, RunningJob{Booking{job.id, now, decision.expected_end, decision.allocation},
                           job.request.duration <= 0, UsageOf(decision.allocation)});
    if (running_index_live_) {
      running_index_.Add(job.id, decision.expected_end, entry->second.booking.allocation);
    }
    started.push_back(std::move(decision));
  }

  // The pool whose units every pending job's one-unit slots use, when conservative can plan
  // by counting: one queue, every host up, and every pending job OneUnitSlots() of that one
  // pool with no constraint. -1 otherwise.
  int CountingPool() const {
    if (queues_.size() != 1 || !Persistent(queues_[0].options) || unavailable_hosts_ > 0 ||
        other_shapes_ > 0 || one_unit_pools_.size() != 1) {
      return -1;
    }
    return one_unit_pools_.begin()->first;
  }

  // Which of CountingPool()'s tallies `job` falls in.
  void CountShape(const PendingJob& job, int delta) {
    if (job.filter || !OneUnitSlots(job.request)) {
      other_shapes_ += delta;
      return;
    }
    const int pool = job.request.roots[0].with[0].pool;
    if ((one_unit_pools_[pool] += delta) == 0) one_unit_pools_.erase(pool);
  }

  // Conservative by counting (CountingPool() >= 0): a profile of the pool's use over time,
  // from the running jobs and every reservation, in which each job in queue order takes the
  // earliest window that fits — the textbook definition, exact because any units will do.
  // Without an early end since the last pass (room_freed_) a reserved job only checks
  // whether it fits now. Reservations then hold no vertices.
  void CountedPass(int index, int pool, Time now, std::vector<StartDecision>& started) {
    const int64_t capacity = state_.Capacity(graph_.root(), pool);
    const bool overdue = !running_order_.empty() && running_order_.begin()->first <= now;
    if (!profile_ || profile_pool_ != pool || overdue) {
      std::vector<CountProfile::Use> uses;
      uses.reserve(running_order_.size() + reservations_.size());
      for (const auto& [end, id] : running_order_) {
        uses.push_back({now, std::max(end, now + 1), running_.at(id).usage[pool]});
      }
      for (const auto& [id, booking] : reservations_) {
        uses.push_back({booking.start, booking.end, pending_.at(id).request.total_demand[pool]});
      }
      profile_.emplace();
      profile_->Assign(std::move(uses));
      profile_pool_ = pool;
    }
    profile_->Forget(now);
    CountProfile& profile = *profile_;
    for (const auto& [key, id] : queues_[index].order) {
      PendingJob& job = pending_.at(id);
      const int64_t need = job.request.total_demand[pool];
      auto own = reservations_.find(id);
      Time start;
      if (own != reservations_.end()) {
        const Time due = own->second.start;
        Time before = due;  // only earlier starts are looked for
        Time from = now;
        if (due > now) {
          // Without an early end it can only move to now; with one, only to where the units
          // are free (its own use begins at `due`, so it is not in the way before).
          if (!room_freed_) before = now + 1;
          from = profile.FirstAtOrBelow(now, capacity - need, before);
          if (from >= before) continue;  // it keeps its reservation
        }
        profile.Change(due, own->second.end, -need);
        start = due > now ? profile.EarliestFit(from, need, job.duration, capacity, before) : now;
        if (start >= before) start = due;  // nothing earlier: keep it
      } else {
        start = profile.EarliestFit(now, need, job.duration, capacity);
      }
      std::optional<Allocation> allocation;
      if (start == now) allocation = matcher_.Match(job.request, nullptr);
      if (start == now && !allocation) {  // the state disagrees with the counts: wait
        start = profile.EarliestFit(now + 1, need, job.duration, capacity);
      }
      profile.Change(start, start + job.duration, need);
      if (allocation) {
        if (own != reservations_.end()) reservations_.erase(own);
        job.reservation.reset();
        StartNow(job, now, std::move(*allocation), started);
        continue;
      }
      reservations_[id] = Booking{id, start, start + job.duration, {}, {}};
      job.reservation = Plan{start, {}, -1, {}};
    }
  }

  // Pending jobs demanding each pool (demanders_[p]: how many want some of pool p).
  void CountDemand(const Request& request, int delta) {
    if (demanders_.size() < request.total_demand.size()) {
      demanders_.resize(request.total_demand.size(), 0);
    }
    for (size_t p = 0; p < request.total_demand.size(); ++p) {
      if (request.total_demand[p] > 0) demanders_[p] += delta;
    }
  }

  // No pending job can start now: some pool that every pending job demands has nothing free
  // (counting what the overlay hides: reservations are not in use now).
  bool NothingFitsNow(const Overlay& overlay) const {
    for (size_t p = 0; p < demanders_.size(); ++p) {
      if (demanders_[p] == static_cast<int64_t>(pending_.size()) &&
          state_.Free(graph_.root(), static_cast<int>(p)) + overlay.hidden(p) <= 0) {
        return true;
      }
    }
    return false;
  }

  // Whether the last pass stopped before job `id` (it waits behind its queue's cutoff_behind).
  bool BeyondCutoff(JobId id) const {
    auto key = keys_.find(id);
    if (key == keys_.end()) return false;
    const QueueState& queue = queues_[pending_.at(id).queue];
    return queue.cutoff && !(key->second < *queue.cutoff);
  }

  bool EnoughFreeNow(const Request& request) const {
    for (size_t p = 0; p < request.total_demand.size(); ++p) {
      if (state_.Free(graph_.root(), static_cast<int>(p)) < request.total_demand[p]) return false;
    }
    return true;
  }

  // Quick rejection on totals: could the job fit if no reservation were overlaid?
  bool CouldFitWithout(const Overlay& overlay, const Request& request) const {
    for (size_t p = 0; p < request.total_demand.size(); ++p) {
      int64_t free = state_.Free(graph_.root(), static_cast<int>(p)) + overlay.hidden(p);
      if (free < request.total_demand[p]) return false;
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
  RunningIndex running_index_;  // only while running_index_live_ (LiveRunningIndex)
  bool running_index_live_ = false;
  ResourceState empty_state_;
  Matcher empty_matcher_;

  std::unordered_map<JobId, QueueKey> keys_;
  std::unordered_map<JobId, PendingJob> pending_;
  std::unordered_map<JobId, RunningJob> running_;
  std::set<std::pair<Time, JobId>> running_order_;
  std::vector<Booking> overdue_;
  // Reservations by job; kept across passes only under conservative.
  std::map<JobId, Booking> reservations_;
  // Whether resources came back earlier than planned since the last pass.
  bool room_freed_ = true;
  uint64_t next_sequence_ = 0;
  std::vector<int64_t> demanders_;  // CountDemand()
  int64_t unavailable_hosts_ = 0;   // hosts down or drained
  // Pending jobs by shape (CountShape): one-unit slots per pool, and every other shape.
  std::map<int, int64_t> one_unit_pools_;
  int64_t other_shapes_ = 0;
  bool counted_last_pass_ = false;  // the last pass was a CountedPass
  // CountedPass's profile of profile_pool_, kept from pass to pass: running jobs over
  // [start, planned end) and every reservation. Reset whenever it would need more than a
  // release's early end to stay true; the next CountedPass rebuilds it.
  std::optional<CountProfile> profile_;
  int profile_pool_ = -1;
  std::vector<QueueState> queues_;
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
Status Scheduler::Restore(JobRequest request, Allocation allocation, Time start) {
  return impl_->Restore(std::move(request), std::move(allocation), start);
}
Status Scheduler::SetQueueStarted(int queue, bool started) {
  return impl_->SetQueueStarted(queue, started);
}
Status Scheduler::SetHostAvailable(resource::VertexId host, bool available) {
  return impl_->SetHostAvailable(host, available);
}
Result<std::string> Scheduler::WhyPending(JobId id, Time now) const {
  return impl_->WhyPending(id, now);
}
std::optional<Time> Scheduler::ReservedStart(JobId id) const { return impl_->ReservedStart(id); }
std::optional<Time> Scheduler::NextReservedStart() const {
  return impl_->NextReservedStart();
}
size_t Scheduler::pending_count() const { return impl_->pending_count(); }
size_t Scheduler::running_count() const { return impl_->running_count(); }

}  // namespace converge::sched
