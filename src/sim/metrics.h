// Metrics of a finished simulation, computed from the per-job outcomes.
//
// Definitions (docs/sim.md):
//   wait        = start - submit
//   bsld        = max(1, (wait + run) / max(run, tau)), tau = 10 s, run = actual run time
//                 (after kill-at-estimate)
//   median      = the middle wait (mean of the two middle ones for an even count)
//   p95         = nearest rank: the ceil(0.95 n)-th smallest wait
//   makespan    = last end - first submit
//   utilization = sum(procs × run) / (machine procs × makespan)  (0 when makespan is 0)
// Every value is 0 for an empty job list. Pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "sim/simulator.h"

namespace converge::sim {

constexpr double kBsldTau = 10.0;

struct Metrics {
  int64_t jobs = 0;           // simulated jobs
  int64_t skipped = 0;        // not simulated: invalid records + unsatisfiable
  int64_t unsatisfiable = 0;  // of skipped: larger than the machine
  int64_t procs = 0;          // machine size in cores
  std::string policy;         // queue policy name
  double avg_wait_s = 0;
  double median_wait_s = 0;
  double p95_wait_s = 0;
  double avg_bsld = 0;
  double max_bsld = 0;
  double utilization = 0;
  int64_t makespan_s = 0;
};

// Fills jobs, procs and the wait, bounded-slowdown, utilization and makespan figures for
// `jobs` on a machine of `machine_procs` cores; the caller sets skipped, unsatisfiable and
// policy. O(n log n).
Metrics ComputeMetrics(std::span<const JobOutcome> jobs, int64_t machine_procs);

// Bounded slowdown of one job.
double BoundedSlowdown(int64_t wait, int64_t run, double tau = kBsldTau);

}  // namespace converge::sim
