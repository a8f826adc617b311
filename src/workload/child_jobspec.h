// The jobspecs (Flux canonical jobspec v1, as JSON) that workload objects run as: a JobSet's
// child jobs, a Service's process, a MiniCluster's nested instance. Pure.
//
// Every jobspec carries `attributes.system.converge` with the owning object
// ({"kind": ..., "name": ...}) and, where they apply, `pod_prefix` (tasks get POD_INDEX = their
// rank and POD_NAME = pod_prefix-rank), `needs_services` and `service`.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "benchmarks/metric.h"
#include "workload/document.h"

namespace converge::workload {

struct ChildContext {
  std::string cwd;                                 // used when the task names none
  std::map<std::string, std::string> environment;  // base environment (the applying shell's)
};

// Child job `job_index` of replicatedJob `rj` of the JobSet `document`: `parallelism` task
// slots of the task's cores/GPUs (inside one exclusive `exclusiveTopology` vertex when set),
// all started together, named <jobset>-<rj>-<index>, with JOBSET_NAME, REPLICATED_JOB_NAME,
// JOB_INDEX, REPLICATED_JOB_REPLICAS, JOB_COMPLETION_INDEX and COORDINATOR in the environment.
// Errors: kInvalidArgument for a task duration that does not parse.
Result<nlohmann::json> JobSetChildJobspec(const Document& document, size_t rj, int64_t job_index,
                                          const ChildContext& context);

// The one process of Service `document`, listening on `port` (CONVERGE_PORT).
Result<nlohmann::json> ServiceJobspec(const Document& document, int64_t port,
                                      const ChildContext& context);

// MiniCluster `document`: a job of `size` nodes running `converge_path start --nested --state
// state_dir [-- command]`.
Result<nlohmann::json> MiniClusterJobspec(const Document& document,
                                          const std::string& converge_path,
                                          const std::string& state_dir,
                                          const ChildContext& context);

// Metric `index` of MetricSet `document`, as `plan` (its plugin's) runs it: `nodes` whole
// nodes with plan.tasks_per_node tasks of plan.cores_per_task cores each, output lines
// labelled with the task's rank, PMIx for an MPI plan, named <set>-<metric>, the time limit
// the set's duration or else the plan's. Errors: kInvalidArgument for a bad duration.
Result<nlohmann::json> MetricSetJobspec(const Document& document, size_t index,
                                        const benchmarks::Plan& plan,
                                        const ChildContext& context);

// The loopback address a task reaches another task of this instance at.
inline constexpr const char* kLocalAddress = "127.0.0.1";

// The URL of a service listening on `port` of this instance: "http://127.0.0.1:PORT".
inline std::string ServiceUrl(int64_t port) {
  return "http://" + std::string(kLocalAddress) + ":" + std::to_string(port);
}

}  // namespace converge::workload
