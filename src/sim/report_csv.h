// Per-job CSV report (--jobs-csv).
#pragma once

#include <span>
#include <string>

#include "sim/simulator.h"

namespace converge::sim {

// Header `job_id,submit_time,start_time,end_time,procs,requested_time,run_time`, then one
// row per job in the order given (Simulate returns them in job-id order). Times in
// seconds, as integers. Pure; deterministic.
std::string JobsCsv(std::span<const JobOutcome> jobs);

}  // namespace converge::sim
