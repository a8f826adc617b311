// Validity checker for a simulated schedule: properties every correct run must have,
// checked from the outcomes alone (plus the reservations the simulator recorded).
//
//   capacity      at no instant do running jobs hold more procs than the machine has
//                 (sweep over sorted events; at equal times ends come before starts)
//   allocation    each job's allocation holds exactly its procs in cores
//   causality     no job starts before it was submitted; end = start + run time
//   fcfs order    (fcfs only) jobs start in submission order: by submit time, ties by id
//   reservations  (jobs in first_reservation) no job starts after the first reservation
//                 it was given: EASY's promise to the queue head, conservative's to all
// Pure.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "sched/policy.h"
#include "sim/simulator.h"

namespace converge::sim {

struct ScheduleCheck {
  std::span<const JobOutcome> jobs;
  int64_t machine_procs = 0;
  sched::QueuePolicy policy = sched::QueuePolicy::kFcfs;
  // Job id -> first reservation recorded (SimResult::first_reservation); may be null.
  const std::map<int64_t, int64_t>* first_reservation = nullptr;
};

// Returns one sentence per violation (at most `max_violations`, then a "... and N more"
// line); empty when the schedule is valid. O(n log n).
std::vector<std::string> ValidateSchedule(const ScheduleCheck& check,
                                          size_t max_violations = 20);

}  // namespace converge::sim
