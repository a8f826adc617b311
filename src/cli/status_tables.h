// Human renderings of the instance-wide views: `converge queue` (GET /v1/queue) and the live
// `converge resource list` (GET /v1/resources), from the API's answers (docs/api.md). Pure:
// the current time is an argument, and missing fields read as empty or zero.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace converge::cli {

// The queue policy, job counts per active state, then one line per pending job:
// JOBID USER NAME ST START REASON (START: when the scheduler reserved resources, "in 5:00").
std::string FormatQueue(const nlohmann::json& queue, double now);

// `converge queue list`: one line per named queue of a GET /v1/queue answer (name, policy,
// started or stopped, limits, pending and running jobs), or a sentence when it has none.
std::string FormatQueueList(const nlohmann::json& queue);

// STATE NNODES NCORES NGPUS NODELIST, one line per state present (free, mixed, allocated,
// drained, down), then the free cores and GPUs.
std::string FormatLiveResources(const nlohmann::json& resources);

}  // namespace converge::cli
