// Workload documents: Kubernetes-style objects (apiVersion, kind, metadata, spec) that
// `converge apply` reads — JobSet, Service, MiniCluster and MetricSet — as plain value types.
//
// ParseDocuments() turns a YAML stream (documents separated by `---`) into these types and
// validates them completely before returning, so that a caller can apply all of them or none.
// Pure: no I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace converge::workload {

inline constexpr const char* kApiVersion = "converge/v1";

// Input limits of ParseDocuments / ParseDocumentJson: text longer than kMaxInputBytes, more
// than kMaxDocuments documents, or documents whose canonical JSON together exceeds
// kMaxExpandedBytes (YAML aliases can expand a small text) are refused.
inline constexpr size_t kMaxInputBytes = size_t{4} << 20;
inline constexpr size_t kMaxDocuments = 1000;
inline constexpr size_t kMaxExpandedBytes = size_t{64} << 20;

struct ObjectMeta {
  std::string name;                           // DNS-label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, <= 40
  std::map<std::string, std::string> labels;  // free-form
};

// What one task (a JobSet pod, a service process, ...) runs and holds.
struct TaskTemplate {
  std::vector<std::string> command;        // argv, non-empty
  int64_t cores = 1;                       // per task, >= 1
  int64_t gpus = 0;                        // per task, >= 0
  std::map<std::string, std::string> env;  // added to the task's environment
  std::string cwd;                         // "" = the applying client's working directory
  std::string duration;                    // time limit as jobspec accepts it ("10m"); ""=none
};

// A replicatedJob's dependency on another replicatedJob of the same JobSet.
struct DependsOn {
  enum class Status { kReady, kComplete };
  std::string name;
  Status status = Status::kComplete;
};

struct ReplicatedJob {
  std::string name;                // unique in the JobSet, DNS-label
  int64_t replicas = 1;            // child jobs, >= 1
  int64_t parallelism = 1;         // tasks (pods) per child job, all started together
  int64_t completions = 1;         // must equal parallelism (converge gang-schedules a job)
  int64_t backoff_limit = 0;       // re-runs of a failed child job before it counts as failed
  std::string exclusive_topology;  // "" or a vertex type ("rack"): one domain per child job
  std::vector<DependsOn> depends_on;
  TaskTemplate task;
};

struct JobSetSpec {
  enum class Operator { kAll, kAny };
  enum class RestartStrategy { kRecreate, kRestartJob };
  Operator success_operator = Operator::kAll;
  std::vector<std::string> success_targets;  // replicatedJob names; empty = all
  int64_t max_restarts = 0;
  RestartStrategy restart_strategy = RestartStrategy::kRecreate;
  bool in_order = false;                       // startupPolicyOrder: InOrder
  std::vector<std::string> needs_services;     // Service names that must be READY first
  std::vector<ReplicatedJob> replicated_jobs;  // non-empty
};

struct ServiceSpec {
  enum class Restart { kAlways, kOnFailure, kNever };
  TaskTemplate task;        // command and resources of the one service process
  int64_t port = 0;         // 0 = assigned by the instance ("auto")
  std::string health_http;  // "" = READY once running; else a path such as "/healthz"
  Restart restart = Restart::kAlways;
};

struct MiniClusterSpec {
  int64_t size = 1;                  // nodes of the nested instance
  int64_t cores = 0;                 // cores per node; 0 = whole nodes
  std::vector<std::string> command;  // empty = stays up until deleted
};

// MetricSet (docs/metricset.md): benchmarks (src/benchmarks plugins) run on `nodes` nodes, one
// job per metric, one after the other; their output parsed into typed values, checked
// against `expect`.
struct MetricCheck {
  std::string metric;  // "PLUGIN.VALUE" ("sysbench.events_per_s")
  enum class Op { kGe, kGt, kLe, kLt } op = Op::kGe;
  double value = 0;     // the threshold, unless `baseline` is set
  double baseline = 0;  // > 0: the threshold is baseline × the mean of earlier runs' values
};
struct MetricRun {
  std::string name;                           // a plugin name
  std::map<std::string, std::string> options;  // the plugin's options, as text
};
struct MetricSetSpec {
  int64_t nodes = 1;
  std::vector<MetricRun> metrics;  // non-empty; run in order
  std::vector<MetricCheck> expect;
  bool drain_on_failure = false;   // a node that fails a check is drained (owner's sets only)
  std::string duration;            // time limit of each metric's job ("10m"); "" = the plugin's
};

enum class Kind { kJobSet, kService, kMiniCluster, kMetricSet };
const char* KindName(Kind kind);  // "JobSet", ...
// Accepts the kind names and their lowercase/plural forms ("jobset", "jobsets", "js" too).
Result<Kind> ParseKind(std::string_view text);

struct Document {
  Kind kind = Kind::kJobSet;
  ObjectMeta metadata;
  std::variant<JobSetSpec, ServiceSpec, MiniClusterSpec, MetricSetSpec> spec;
  // The document as canonical JSON (keys sorted, status dropped): equal strings mean equal
  // specs, which is how apply recognises a document it has already applied.
  std::string canonical;
};

// Parses and validates every document of `text`. Errors are kInvalidArgument with an empty
// where() and a message "<source>: document N (Kind name): field.path: rule", e.g.
// "w.yaml: document 2 (JobSet train): spec.replicatedJobs[0].replicas: must be >= 1".
// N counts the non-empty documents from 1 (a document that is only `---` is skipped); the
// "(Kind name)" part shows what is known of the document; YAML syntax errors read
// "w.yaml: document 2: line 14, column 3: invalid YAML: ..." with the line in the whole
// text. "<source>: " is left out when `source` is empty.
// Rules: apiVersion converge/v1; known kind; unknown fields refused; names unique per kind
// within the stream; dependsOn names exist and have no cycle; successPolicy targets exist;
// at least one document. A top-level `status` is accepted and ignored.
// Never throws; hostile input is bounded by the limits above. O(size of text).
Result<std::vector<Document>> ParseDocuments(std::string_view text, std::string_view source);

// The same for one JSON object (the API's body form); errors name "document 1".
Result<Document> ParseDocumentJson(std::string_view json_text, std::string_view source);

}  // namespace converge::workload
