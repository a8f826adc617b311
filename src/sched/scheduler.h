// Scheduler: the queue of pending jobs, the resource state, and the policy that decides
// which jobs start now and which hold reservations for later.
//
// Pure and deterministic: no I/O and no clock of its own; every call carries the current
// time. The same inputs in the same order produce the same decisions. Not thread-safe:
// one owner (the simulator's loop or the instance's event loop) drives it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "jobspec/jobspec.h"
#include "resource/graph.h"
#include "sched/allocation.h"
#include "sched/policy.h"

namespace converge::sched {

using JobId = int64_t;
using Time = int64_t;  // seconds since an arbitrary epoch chosen by the caller

// A named queue's own policy (SchedulerOptions::queues).
struct QueueOptions {
  QueuePolicy policy = QueuePolicy::kEasy;
  int reservation_depth = -1;  // as SchedulerOptions::reservation_depth
};

struct SchedulerOptions {
  QueuePolicy queue_policy = QueuePolicy::kEasy;  // fcfs, easy or conservative
  // Pending jobs (in priority order) that may hold reservations; -1 = the policy's default
  // (fcfs 0, easy 1, conservative unlimited). Values between give "depth-k" backfilling.
  int reservation_depth = -1;
  MatchPolicy match_policy = MatchPolicy::kFirst;
  // Duration assumed for jobs whose jobspec has none (0 = unlimited); used for planning.
  Time default_duration = 365 * 24 * 3600;
  // Queues, each with its own policy, scheduled in this order over the one resource state:
  // every pass walks queue 0's jobs first, then queue 1's, ... A reservation of any queue
  // holds its resources against the backfill of every other. Empty: one queue with
  // queue_policy and reservation_depth.
  std::vector<QueueOptions> queues;
};

struct JobRequest {
  JobId id = 0;
  int64_t priority = 0;  // higher runs first; ties break on submit order
  Time submit_time = 0;
  jobspec::Jobspec spec;
  int queue = 0;  // index into SchedulerOptions::queues
};

// A job the scheduler decided to start now.
struct StartDecision {
  JobId id = 0;
  Time start = 0;
  Time expected_end = 0;  // start + duration (planning horizon)
  Allocation allocation;
};

class Scheduler {
 public:
  static Result<std::unique_ptr<Scheduler>> Create(const resource::Graph& graph,
                                                   SchedulerOptions options);
  ~Scheduler();

  // Adds a job to the pending queue. Errors: kInvalidArgument (the jobspec cannot be
  // compiled to a request), kUnsatisfiable (the whole graph could never hold it; the
  // message says which part), kInvalidArgument for a duplicate id.
  Status Submit(JobRequest request);

  // Decides which pending jobs start at `now`, allocates them and returns them in start
  // order. REQUIRES: now is not earlier than any previous call's now.
  std::vector<StartDecision> Schedule(Time now);

  // Frees the resources of a running job (it completed, failed or was canceled).
  Status Release(JobId id, Time now);
  // Removes a pending job from the queue.
  Status CancelPending(JobId id);
  // Re-admits a job that was already running with `allocation` since `start` (an instance
  // restarting with jobs still running). Errors: kInvalidArgument (duplicate id, a vertex
  // that is not a leaf of this graph, or resources the allocation names are not free).
  Status Restore(JobRequest request, Allocation allocation, Time start);
  // Stops (started = false) or starts queue `queue`: a stopped queue's jobs stay pending and
  // hold no reservations; its running jobs go on. Errors: kNotFound for no such queue.
  Status SetQueueStarted(int queue, bool started);
  // Drains (available = false) or undrains a host: a drained host takes no new work, while
  // jobs already on it keep running. `host` is a node vertex (or the root of a graph without
  // nodes). Errors: kNotFound when `host` is not a host.
  Status SetHostAvailable(resource::VertexId host, bool available);

  // Why is `id` not running? A sentence for humans, e.g. "waiting for 2 of 4 nodes with
  // 4 free GPUs; reserved to start at t+1800 s behind job 17". kNotFound if not pending.
  Result<std::string> WhyPending(JobId id, Time now) const;
  // The start time reserved for a pending job at the last Schedule(), if any.
  std::optional<Time> ReservedStart(JobId id) const;
  // The earliest start any reservation holds after the last Schedule(). A reservation may
  // fall due at an instant when nothing ends (conservative compression moved what it
  // waited for): the owner calls Schedule() again then. O(reservations).
  std::optional<Time> NextReservedStart() const;

  size_t pending_count() const;
  size_t running_count() const;

 private:
  class Impl;
  explicit Scheduler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace converge::sched
