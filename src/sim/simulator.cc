#include "sim/simulator.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <set>
#include <unordered_map>
#include <utility>

#include "jobspec/shorthand.h"

namespace converge::sim {

namespace {

using sched::Time;

ReservationTracking EffectiveTracking(const SimOptions& options) {
  if (options.reservations != ReservationTracking::kAuto) return options.reservations;
  switch (options.scheduler.queue_policy) {
    case sched::QueuePolicy::kFcfs:
      return ReservationTracking::kNone;
    case sched::QueuePolicy::kEasy:
      return ReservationTracking::kHead;
    case sched::QueuePolicy::kConservative:
      return ReservationTracking::kAll;
  }
  return ReservationTracking::kNone;
}

Result<jobspec::Jobspec> SpecFor(const SimJob& job) {
  jobspec::ShorthandOptions shorthand;
  shorthand.tasks = job.procs;
  shorthand.cores_per_task = 1;
  shorthand.duration = static_cast<double>(job.requested_time);
  shorthand.command = {"swf-job"};
  return jobspec::FromShorthand(shorthand);
}

Status Internal(const std::string& message) { return Status(Code::kInternal, message, "sim"); }

// One simulation's state: the submission order, the pending set, the end-event heap and
// the result being built. Borrows the workload, which must outlive it.
class Loop {
 public:
  Loop(const Workload& workload, const SimOptions& options, SimObserver* observer)
      : observer_(observer), tracking_(EffectiveTracking(options)), jobs_(&workload.jobs) {
    // Submission order: by submit time, ties by job id.
    order_.resize(workload.jobs.size());
    std::iota(order_.begin(), order_.end(), size_t{0});
    std::stable_sort(order_.begin(), order_.end(), [this](size_t a, size_t b) {
      const SimJob& x = (*jobs_)[a];
      const SimJob& y = (*jobs_)[b];
      return std::pair(x.submit_time, x.id) < std::pair(y.submit_time, y.id);
    });
  }

  Result<SimResult> Run(sched::Scheduler& scheduler) {
    const int64_t total = static_cast<int64_t>(order_.size());
    size_t next_submit = 0;
    constexpr Time kNever = std::numeric_limits<Time>::max();
    Time wake = kNever;  // when a reservation falls due
    while (next_submit < order_.size() || !ends_.empty() || wake != kNever) {
      Time now = wake;
      if (!ends_.empty()) now = std::min(now, ends_.top().first);
      if (next_submit < order_.size()) now = std::min(now, Job(next_submit).submit_time);
      // 1. Completions at now, in job-id order (the heap pops (time, id) ascending).
      while (!ends_.empty() && ends_.top().first == now) {
        int64_t id = ends_.top().second;
        ends_.pop();
        Status released = scheduler.Release(id, now);
        if (!released.ok()) {
          return Internal("Release(" + std::to_string(id) + ") failed: " + released.ToString());
        }
        ++finished_;
      }
      // 2. Submissions at now, in (submit time, id) order.
      while (next_submit < order_.size() && Job(next_submit).submit_time == now) {
        CONVERGE_RETURN_IF_ERROR(Submit(scheduler, next_submit));
        ++next_submit;
      }
      // 3. One scheduling pass.
      std::vector<sched::StartDecision> started = scheduler.Schedule(now);
      ++result_.schedule_calls;
      for (const sched::StartDecision& decision : started) {
        CONVERGE_RETURN_IF_ERROR(Start(decision, now));
      }
      RecordReservations(scheduler);
      std::optional<Time> due = scheduler.NextReservedStart();
      wake = due && *due > now ? *due : kNever;
      if (observer_ != nullptr) {
        observer_->AfterSchedule(now, scheduler, started);
        const auto unsatisfiable = static_cast<int64_t>(result_.unsatisfiable.size());
        observer_->OnProgress(finished_, total - unsatisfiable);
      }
      if (ends_.empty() && next_submit == order_.size() && wake == kNever &&
          !pending_.empty()) {
        return Internal(std::to_string(pending_.size()) +
                        " jobs still pending with nothing running and nothing to submit "
                        "(first: job " + std::to_string(Job(*pending_.begin()).id) + ")");
      }
    }
    std::sort(result_.jobs.begin(), result_.jobs.end(),
              [](const JobOutcome& a, const JobOutcome& b) { return a.id < b.id; });
    return std::move(result_);
  }

 private:
  const SimJob& Job(size_t rank) const { return (*jobs_)[order_[rank]]; }

  Status Submit(sched::Scheduler& scheduler, size_t rank) {
    const SimJob& job = Job(rank);
    // Jobs of one size and estimate share one jobspec, built once.
    auto [cached, fresh] = specs_.try_emplace({job.procs, job.requested_time});
    if (fresh) {
      Result<jobspec::Jobspec> spec = SpecFor(job);
      if (!spec.ok()) {
        specs_.erase(cached);
        return Internal("job " + std::to_string(job.id) + ": no jobspec: " +
                        spec.status().ToString());
      }
      cached->second = std::move(spec).value();
    }
    sched::JobRequest request;
    request.id = job.id;
    request.priority = 0;
    request.submit_time = job.submit_time;
    request.spec = cached->second;
    Status submitted = scheduler.Submit(std::move(request));
    if (submitted.code() == Code::kUnsatisfiable) {
      result_.unsatisfiable.push_back(job.id);
      return Status::Ok();
    }
    if (!submitted.ok()) {
      return Internal("Submit(" + std::to_string(job.id) + ") failed: " + submitted.ToString());
    }
    pending_.insert(rank);
    rank_of_.emplace(job.id, rank);
    return Status::Ok();
  }

  Status Start(const sched::StartDecision& decision, Time now) {
    auto it = rank_of_.find(decision.id);
    if (it == rank_of_.end() || pending_.erase(it->second) == 0) {
      return Internal("Schedule(" + std::to_string(now) + ") started job " +
                      std::to_string(decision.id) + ", which is not pending");
    }
    const SimJob& job = Job(it->second);
    JobOutcome outcome;
    outcome.id = job.id;
    outcome.submit_time = job.submit_time;
    outcome.start_time = now;
    outcome.end_time = now + job.run_time;
    outcome.procs = job.procs;
    outcome.requested_time = job.requested_time;
    outcome.run_time = job.run_time;
    for (const sched::Allocation::Item& item : decision.allocation.items) {
      outcome.allocated_cores += item.amount;
    }
    result_.jobs.push_back(outcome);
    ends_.emplace(outcome.end_time, job.id);
    rank_of_.erase(it);
    return Status::Ok();
  }

  void Track(const sched::Scheduler& scheduler, size_t rank) {
    int64_t id = Job(rank).id;
    if (result_.first_reservation.count(id)) return;
    std::optional<Time> reserved = scheduler.ReservedStart(id);
    if (reserved) result_.first_reservation.emplace(id, *reserved);
  }

  void RecordReservations(const sched::Scheduler& scheduler) {
    if (pending_.empty()) return;
    if (tracking_ == ReservationTracking::kHead) Track(scheduler, *pending_.begin());
    if (tracking_ == ReservationTracking::kAll) {
      for (size_t rank : pending_) Track(scheduler, rank);
    }
  }

  SimObserver* observer_;
  ReservationTracking tracking_;
  const std::vector<SimJob>* jobs_;
  std::vector<size_t> order_;  // rank -> workload index, in submission order
  // Pending jobs by rank (position in submission order), so begin() is the queue head.
  std::set<size_t> pending_;
  std::unordered_map<int64_t, size_t> rank_of_;  // pending job id -> rank
  std::priority_queue<std::pair<Time, int64_t>, std::vector<std::pair<Time, int64_t>>,
                      std::greater<>>
      ends_;
  int64_t finished_ = 0;
  std::map<std::pair<int64_t, int64_t>, jobspec::Jobspec> specs_;  // (procs, estimate)
  SimResult result_;
};

}  // namespace

Result<SimResult> Simulate(const resource::Graph& graph, const Workload& workload,
                           const SimOptions& options, SimObserver* observer) {
  Result<std::unique_ptr<sched::Scheduler>> scheduler =
      sched::Scheduler::Create(graph, options.scheduler);
  if (!scheduler.ok()) return scheduler.status();
  Loop loop(workload, options, observer);
  return loop.Run(**scheduler);
}

}  // namespace converge::sim
