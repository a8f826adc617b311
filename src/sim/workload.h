// Workload: the jobs a simulation replays, derived from an SWF trace by fixed rules.
//
// The rules (also in `converge sim --help` and docs/sim.md):
//   processors = allocated processors (field 5), or requested processors (field 8) when
//                field 5 is missing (< 0);
//   run time   = field 4;
//   estimate   = requested time (field 9), or the run time when field 9 is missing (< 0);
//   a job whose run time exceeds its estimate is killed at the estimate;
//   skipped (counted, not simulated): run time < 0, no processors (<= 0), submit time < 0,
//   any time beyond kMaxSimTime, or a job number already seen.
// Pure; value types only.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/swf.h"

namespace converge::sim {

// Times beyond this (about 31,700 years) are treated as garbage, so that no sum of two
// times can overflow.
constexpr int64_t kMaxSimTime = 1'000'000'000'000;

struct SimJob {
  int64_t id = 0;              // SWF job number
  int64_t submit_time = 0;     // seconds
  int64_t procs = 0;           // processors (cores) requested
  int64_t requested_time = 0;  // the estimate, seconds (0: none; planned as unlimited)
  int64_t run_time = 0;        // actual run time after kill-at-estimate: min(run, estimate)
  bool killed = false;         // the trace's run time exceeded the estimate
};

struct Workload {
  std::vector<SimJob> jobs;   // in trace order
  int64_t records = 0;        // records considered (after --limit)
  int64_t skipped_invalid = 0;
};

struct WorkloadOptions {
  int64_t limit = -1;  // consider only the first `limit` records of the trace; -1 = all
};

// Applies the rules above to the trace's records.
Workload WorkloadFromSwf(const SwfTrace& trace, const WorkloadOptions& options = {});

// The machine size the trace declares: MaxProcs, else MaxNodes; 0 when it has neither.
int64_t TraceMachineProcs(const SwfTrace& trace);

}  // namespace converge::sim
