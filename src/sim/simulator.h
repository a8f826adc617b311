// Simulator: replays a Workload through the real sched::Scheduler with a virtual clock.
//
// A discrete-event loop over two kinds of events: job submission (at the job's submit
// time) and job end (start + run time, where the run time was already cut at the
// estimate). At each event time t, in this order:
//   1. every job ending at t is released (Release(id, t)), in job-id order;
//   2. every job submitted at t is submitted, in (submit time, job id) order;
//   3. Schedule(t) is called once; each started job gets an end event at t + run time.
// When a reservation falls due at an instant with no end or submission, the loop wakes then
// and runs step 3 alone (Scheduler::NextReservedStart).
// A job with run time 0 ends at the instant it starts: its end is processed at the same
// t in the next round (steps 1-3 again, with Schedule(t) called again).
//
// Pure and deterministic: no clock, no I/O. The same graph, workload and options give the
// same result. Not thread-safe; one call runs one simulation.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "common/status.h"
#include "resource/graph.h"
#include "sched/scheduler.h"
#include "sim/workload.h"

namespace converge::sim {

// Which reservations the simulator records for the validity checker (see
// validate_schedule.h): the first reservation each tracked job was given.
enum class ReservationTracking {
  kAuto,  // by queue policy: fcfs none, easy the queue head, conservative every pending job
  kNone,
  kHead,  // after each Schedule(), the head of the pending queue
  kAll,   // after each Schedule(), every pending job (O(pending) per pass)
};

struct SimOptions {
  // The scheduler under test; its queue and match policies decide the run.
  sched::SchedulerOptions scheduler;
  // Reservations to record in SimResult::first_reservation.
  ReservationTracking reservations = ReservationTracking::kAuto;
};

// What happened to one simulated job.
struct JobOutcome {
  int64_t id = 0;
  int64_t submit_time = 0;
  int64_t start_time = 0;
  int64_t end_time = 0;
  int64_t procs = 0;
  int64_t requested_time = 0;
  int64_t run_time = 0;         // end_time - start_time
  int64_t allocated_cores = 0;  // cores in the scheduler's allocation (should equal procs)
};

struct SimResult {
  std::vector<JobOutcome> jobs;  // every started job, in job-id order
  // Jobs Submit() rejected as kUnsatisfiable (larger than the machine), in trace order.
  std::vector<int64_t> unsatisfiable;
  // Job id -> the first reserved start seen for it (per SimOptions::reservations).
  std::map<int64_t, int64_t> first_reservation;
  int64_t schedule_calls = 0;
};

// Hooks for progress reporting and tests. Default implementations do nothing.
class SimObserver {
 public:
  virtual ~SimObserver() = default;
  // After each Schedule(now): the jobs it started, and the scheduler to query.
  virtual void AfterSchedule(sched::Time now, const sched::Scheduler& scheduler,
                             std::span<const sched::StartDecision> started) {}
  // After each event time: jobs finished so far out of the total submitted.
  virtual void OnProgress(int64_t finished, int64_t total) {}
};

// Runs the workload to completion on `graph`. Each job is submitted as
// JobRequest{id, priority 0, submit_time, FromShorthand(tasks = procs, cores_per_task = 1,
// duration = estimate)}. Errors: kInvalidArgument for bad scheduler options; kInternal
// when the scheduler misbehaves (rejects a job for another reason than kUnsatisfiable,
// starts an unknown job, fails a Release, or leaves jobs pending with nothing running).
// `observer` may be null; it is not owned.
Result<SimResult> Simulate(const resource::Graph& graph, const Workload& workload,
                           const SimOptions& options, SimObserver* observer = nullptr);

}  // namespace converge::sim
