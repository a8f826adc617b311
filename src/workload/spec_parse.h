// The per-kind spec readers: one JSON `spec` mapping -> one validated spec value.
// Errors are kInvalidArgument Statuses whose where() is the field path from the document
// root ("spec.replicatedJobs[0].replicas") and whose message is the rule. Pure.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "jobspec/limits.h"
#include "workload/document.h"

namespace converge::workload {

// Limits of the JobSet rules (jobspec/limits.h; see docs/formats/workload.md).
inline constexpr int64_t kMaxReplicas = jobspec::kMaxReplicas;
inline constexpr int64_t kMaxParallelism = jobspec::kMaxParallelism;

// JobSet: replicatedJobs non-empty with unique DNS-label names; replicas 1..1000;
// parallelism 1..10000; replicas summed over replicated jobs <= 10000 (kMaxJobSetChildJobs);
// completions == parallelism; backoffLimit, maxRestarts >= 0;
// dependsOn names exist, are not the job itself and form no cycle; successPolicy targets
// exist; enums exact.
Result<JobSetSpec> ParseJobSetSpec(const nlohmann::json& spec);

// Service: command required; port "auto" or 1024..65535; healthCheck.httpGet.path starts
// with '/'; restartPolicy Always|OnFailure|Never.
Result<ServiceSpec> ParseServiceSpec(const nlohmann::json& spec);

// MiniCluster: size >= 1 (required); cores >= 0; command optional.
Result<MiniClusterSpec> ParseMiniClusterSpec(const nlohmann::json& spec);

// MetricSet: nodes 1..1024; metrics non-empty, each a registered plugin whose options its
// MakePlan accepts for `nodes`; expect[].metric "PLUGIN.VALUE" naming a plugin of the set,
// op >= > <= <, exactly one of value and baseline (> 0); duration as jobspec's.
Result<MetricSetSpec> ParseMetricSetSpec(const nlohmann::json& spec);

}  // namespace converge::workload
