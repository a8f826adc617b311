// Reports of a sweep: one simulation per (queue policy, match policy, machine) over the same
// workload, side by side as table cells, CSV or JSON.
//
// Pure text builders (the caller times the runs and renders the cells).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/metrics.h"

namespace converge::sim {

struct SweepRow {
  std::string policy;         // queue policy name
  std::string match;          // match policy name
  std::string machine;        // "338x1" (nodes x cores per node) or the resource file
  Metrics metrics;            // of the run (metrics.policy is policy)
  double sim_seconds = 0;
  std::string error;          // the simulation failed: why (metrics are then empty)
};

// Header row, then one row per run: policy, match, machine, procs, jobs, avg/median/p95
// wait (s), avg/max bounded slowdown, utilization (%), makespan (s), sim seconds.
std::vector<std::vector<std::string>> SweepCells(const std::vector<SweepRow>& rows);
// The same columns as CSV (RFC 4180; full precision), with a header line.
std::string SweepCsv(const std::vector<SweepRow>& rows);
// A JSON array: per run the keys of MetricsJson plus match, machine and error (when set).
std::string SweepJson(const std::vector<SweepRow>& rows);

}  // namespace converge::sim
