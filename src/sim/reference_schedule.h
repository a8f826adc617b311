// ReferenceSchedule: the textbook queue policies on a machine of interchangeable
// processors, written by counting processors only. It is the test oracle for the graph
// scheduler: on a machine of single-core nodes, Simulate() must start every job at the
// same instant as this does (docs/scheduler.md states the definitions).
//
//   fcfs          jobs start in queue order while they fit; nobody passes the head.
//   easy          (Lifka; Mu'alem & Feitelson 2001) jobs start in queue order while they
//                 fit. The first that does not is the head. Its shadow time is the
//                 earliest expected end of running jobs at which enough processors are
//                 free for it; the extra processors are those free at the shadow time
//                 (every job expected to end by then has ended) beyond the head's need. A
//                 later job starts now if it fits now and either is expected to end by
//                 the shadow time or needs no more than the extra processors, which it
//                 then uses up.
//   conservative  every waiting job holds a reservation at the earliest time it fits
//                 beside the running jobs and every other reservation, for its whole
//                 estimate; a job starts when its reservation is now, or in any pass
//                 where it fits now beside every other reservation. When a job ends
//                 before its estimate, the queue is compressed: each waiting job, in
//                 queue order, moves to the earliest time it now fits (never later).
//
// The event loop is Simulate()'s: at each time, jobs ending then are released, jobs
// submitted then join the queue (by submit time, then id), and one pass runs. A job's
// planning duration is its estimate, or `default_duration` when it has none (as the
// scheduler plans jobs without a time limit). Jobs larger than the machine are left out.
//
// Pure and deterministic. Cost per pass: fcfs and easy O(queue + running log running);
// conservative O(queue × profile) when compressing, so it suits tests, not sweeps.
#pragma once

#include <cstdint>
#include <vector>

#include "sched/policy.h"
#include "sim/simulator.h"
#include "sim/workload.h"

namespace converge::sim {

struct ReferenceOptions {
  int64_t procs = 0;  // machine size (> 0)
  sched::QueuePolicy policy = sched::QueuePolicy::kEasy;
  int64_t default_duration = 365 * 24 * 3600;
};

// Every job that fits the machine, in job-id order.
std::vector<JobOutcome> ReferenceSchedule(const Workload& workload,
                                          const ReferenceOptions& options);

}  // namespace converge::sim
