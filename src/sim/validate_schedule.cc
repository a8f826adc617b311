#include "sim/validate_schedule.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace converge::sim {

namespace {

class Collector {
 public:
  explicit Collector(size_t limit) : limit_(limit) {}
  void Add(std::string violation) {
    if (list_.size() < limit_) {
      list_.push_back(std::move(violation));
    } else {
      ++dropped_;
    }
  }
  std::vector<std::string> Finish() {
    if (dropped_ > 0) list_.push_back("... and " + std::to_string(dropped_) + " more");
    return std::move(list_);
  }

 private:
  size_t limit_;
  size_t dropped_ = 0;
  std::vector<std::string> list_;
};

std::string JobName(int64_t id) { return "job " + std::to_string(id); }

void CheckJobs(const ScheduleCheck& check, Collector& out) {
  for (const JobOutcome& job : check.jobs) {
    if (job.start_time < job.submit_time) {
      out.Add(JobName(job.id) + " starts at " + std::to_string(job.start_time) +
              ", before its submission at " + std::to_string(job.submit_time));
    }
    if (job.end_time != job.start_time + job.run_time || job.run_time < 0) {
      out.Add(JobName(job.id) + " ends at " + std::to_string(job.end_time) +
              ", not start + run time");
    }
    if (job.allocated_cores != job.procs) {
      out.Add(JobName(job.id) + " was allocated " + std::to_string(job.allocated_cores) +
              " cores for " + std::to_string(job.procs) + " procs");
    }
  }
}

void CheckCapacity(const ScheduleCheck& check, Collector& out) {
  // (time, delta, id): ends (negative delta) sort before starts at equal times.
  std::vector<std::tuple<int64_t, int64_t, int64_t>> events;
  events.reserve(check.jobs.size() * 2);
  for (const JobOutcome& job : check.jobs) {
    if (job.end_time == job.start_time) continue;  // holds nothing for any instant
    events.emplace_back(job.start_time, job.procs, job.id);
    events.emplace_back(job.end_time, -job.procs, job.id);
  }
  std::sort(events.begin(), events.end());
  int64_t running = 0;
  int64_t reported_until = -1;
  for (const auto& [time, delta, id] : events) {
    running += delta;
    if (running > check.machine_procs && time > reported_until) {
      out.Add("at t=" + std::to_string(time) + " running jobs hold " + std::to_string(running) +
              " procs, more than the machine's " + std::to_string(check.machine_procs) +
              " (" + JobName(id) + " started)");
      reported_until = time;
    }
  }
}

void CheckFcfsOrder(const ScheduleCheck& check, Collector& out) {
  std::vector<const JobOutcome*> order;
  order.reserve(check.jobs.size());
  for (const JobOutcome& job : check.jobs) order.push_back(&job);
  std::sort(order.begin(), order.end(), [](const JobOutcome* a, const JobOutcome* b) {
    return std::pair(a->submit_time, a->id) < std::pair(b->submit_time, b->id);
  });
  for (size_t i = 1; i < order.size(); ++i) {
    if (order[i]->start_time < order[i - 1]->start_time) {
      out.Add("fcfs: " + JobName(order[i]->id) + " (submitted " +
              std::to_string(order[i]->submit_time) + ") starts at " +
              std::to_string(order[i]->start_time) + ", before earlier " +
              JobName(order[i - 1]->id) + " at " + std::to_string(order[i - 1]->start_time));
    }
  }
}

void CheckReservations(const ScheduleCheck& check, Collector& out) {
  if (check.first_reservation == nullptr) return;
  for (const JobOutcome& job : check.jobs) {
    auto it = check.first_reservation->find(job.id);
    if (it == check.first_reservation->end()) continue;
    if (job.start_time > it->second) {
      out.Add(std::string(sched::QueuePolicyName(check.policy)) + ": " + JobName(job.id) +
              " starts at " + std::to_string(job.start_time) +
              ", after its first reservation at " + std::to_string(it->second));
    }
  }
}

}  // namespace

std::vector<std::string> ValidateSchedule(const ScheduleCheck& check, size_t max_violations) {
  Collector out(max_violations);
  CheckJobs(check, out);
  CheckCapacity(check, out);
  if (check.policy == sched::QueuePolicy::kFcfs) CheckFcfsOrder(check, out);
  CheckReservations(check, out);
  return out.Finish();
}

}  // namespace converge::sim
