// Summary reports of a simulation: the --json object and the human summary.
//
// Pure text builders: they return strings and write nothing. Output is deterministic for
// the same inputs (sim_seconds is passed in by the caller, which owns the clock).
#pragma once

#include <string>

#include "sim/metrics.h"

namespace converge::sim {

// One JSON object with the keys, in order: jobs, skipped, unsatisfiable, procs, policy,
// avg_wait_s, median_wait_s, p95_wait_s, avg_bsld, max_bsld, utilization, makespan_s,
// sim_seconds. Pretty-printed (2-space indent), ending in a newline.
std::string MetricsJson(const Metrics& metrics, double sim_seconds);

// A few lines for humans (same figures as the JSON).
std::string MetricsText(const Metrics& metrics, double sim_seconds);

// `value` through a printf conversion for one double (e.g. "%.2f"); under 64 characters.
std::string FormatNumber(const char* format, double value);

}  // namespace converge::sim
