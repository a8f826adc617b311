// JobManager::WriteMetrics: the job, scheduler, resource and store families of GET /metrics
// (docs/metrics.md). Counters and histograms come from JobMetrics; gauges are counted here
// from the manager's state, once per scrape: O(jobs + graph vertices).
#include "instance/job_metrics.h"

#include "instance/job_manager.h"

namespace converge::instance {

namespace {

using metrics::Labels;
using metrics::TextFormat;
using metrics::Type;

constexpr double kBytesPerMib = 1024.0 * 1024.0;
constexpr JobState kStates[] = {JobState::kNew,   JobState::kDepend,  JobState::kPriority,
                                JobState::kSched, JobState::kRun,     JobState::kCleanup,
                                JobState::kInactive};
constexpr const char* kNodeStates[] = {"free", "mixed", "allocated", "drained", "down"};
constexpr const char* kPendingKinds[] = {"dependency", "singleton",     "begin-time",
                                         "workload",   "held",          "priority",
                                         "stopping",   "queue-stopped", "reserved",
                                         "resources"};

// free, allocated, drained, down: where a node's resource of `total` with `idle` unused goes.
struct ByState {
  double free = 0, allocated = 0, drained = 0, down = 0;
  void Add(const std::string& node_state, double total, double idle) {
    allocated += total - idle;
    (node_state == "down" ? down : node_state == "drained" ? drained : free) += idle;
  }
  void Write(TextFormat& out) const {
    out.Sample({{"state", "free"}}, free);
    out.Sample({{"state", "allocated"}}, allocated);
    out.Sample({{"state", "drained"}}, drained);
    out.Sample({{"state", "down"}}, down);
  }
};

}  // namespace

void JobManager::WriteMetrics(TextFormat& out) const {
  // Jobs by state and queue, and pending jobs by why they wait.
  std::map<std::pair<std::string, JobState>, int64_t> by_state;
  for (const QueueConfig& queue : queues_.queues()) {
    for (JobState state : kStates) by_state[{queue.name, state}] = 0;
  }
  std::map<std::string, int64_t> pending_by_kind;
  for (const char* kind : kPendingKinds) pending_by_kind[kind] = 0;
  int64_t reservations = 0;
  for (const auto& [id, job] : jobs_) {
    ++by_state[{job.record.queue, job.state}];
    if (job.state == JobState::kInactive || job.state == JobState::kRun ||
        job.state == JobState::kCleanup || job.state == JobState::kNew) {
      continue;
    }
    const std::string kind = PendingKind(job);
    if (!kind.empty()) ++pending_by_kind[kind];
    reservations += kind == "reserved";
  }
  out.Family("converge_jobs", Type::kGauge, "Jobs held by the instance, by state and queue.");
  for (const auto& [key, count] : by_state) {
    out.Sample({{"state", JobStateName(key.second)}, {"queue", key.first}},
               static_cast<double>(count));
  }
  out.Family("converge_job_transitions_total", Type::kCounter,
             "Times jobs entered each state since the instance started.");
  for (JobState state : kStates) {
    out.Sample({{"state", JobStateName(state)}},
               static_cast<double>(metrics_.transitions[static_cast<size_t>(state)]));
  }
  out.Family("converge_jobs_submitted_total", Type::kCounter, "Jobs accepted, by queue.");
  for (const auto& [queue, count] : metrics_.submitted) {
    out.Sample({{"queue", queue}}, static_cast<double>(count));
  }
  out.Family("converge_jobs_ended_total", Type::kCounter,
             "Jobs that became inactive, by queue and result "
             "(completed, failed, canceled, timeout).");
  for (const auto& [key, count] : metrics_.ended) {
    out.Sample({{"queue", key.first}, {"result", key.second}}, static_cast<double>(count));
  }
  out.Family("converge_job_wait_seconds", Type::kHistogram,
             "Time from submit to start of the jobs started, by queue.");
  for (const auto& [queue, histogram] : metrics_.waits) out.Sample({{"queue", queue}}, histogram);
  out.Family("converge_job_run_seconds", Type::kHistogram,
             "Time from start to end of the jobs that ended after starting.");
  out.Sample({}, metrics_.run_seconds);
  out.Family("converge_job_submit_duration_seconds", Type::kHistogram,
             "Time from a submit's arrival until its jobs are durable.");
  out.Sample({}, metrics_.submit_seconds);
  out.Family("converge_scheduler_pass_duration_seconds", Type::kHistogram,
             "Time of one scheduling pass.");
  out.Sample({}, metrics_.pass_seconds);
  out.Family("converge_scheduler_pending_jobs", Type::kGauge,
             "Pending jobs by why they wait (docs/metrics.md lists the reasons).");
  for (const auto& [kind, count] : pending_by_kind) {
    out.Sample({{"reason", kind}}, static_cast<double>(count));
  }
  out.Single("converge_scheduler_reservations", Type::kGauge,
             "Pending jobs with a start time planned by the last pass.",
             static_cast<double>(reservations));
  if (!queues_.queues().empty() && !queues_.queues().front().name.empty()) {
    out.Family("converge_queue_started", Type::kGauge, "1 when the named queue is started.");
    for (const QueueConfig& queue : queues_.queues()) {
      out.Sample({{"queue", queue.name}}, stopped_queues_.count(queue.name) ? 0 : 1);
    }
  }

  // Resources: the whole graph, then node by node.
  std::map<std::string, int64_t> nodes_by_state;
  for (const char* state : kNodeStates) nodes_by_state[state] = 0;
  ByState cores, gpus, memory;
  std::vector<std::pair<const std::string*, NodeUsage>> usages;
  usages.reserve(nodes_by_name_.size());
  for (const auto& [name, node] : nodes_by_name_) {
    NodeUsage usage = UsageOf(name, node);
    ++nodes_by_state[usage.state];
    cores.Add(usage.state, static_cast<double>(usage.cores), static_cast<double>(usage.cores_free));
    gpus.Add(usage.state, static_cast<double>(usage.gpus), static_cast<double>(usage.gpus_free));
    memory.Add(usage.state, static_cast<double>(usage.memory_mib) * kBytesPerMib,
               static_cast<double>(usage.memory_free_mib) * kBytesPerMib);
    usages.emplace_back(&name, std::move(usage));
  }
  out.Family("converge_nodes", Type::kGauge, "Nodes by state.");
  for (const char* state : kNodeStates) {
    out.Sample({{"state", state}}, static_cast<double>(nodes_by_state[state]));
  }
  out.Family("converge_cores", Type::kGauge,
             "Cores by state: allocated to running jobs, or idle on a usable (free), drained or "
             "down node.");
  cores.Write(out);
  out.Family("converge_gpus", Type::kGauge, "GPUs by state, as converge_cores.");
  gpus.Write(out);
  out.Family("converge_memory_bytes", Type::kGauge, "Memory by state, as converge_cores.");
  memory.Write(out);
  out.Family("converge_node_state", Type::kGauge, "1 for each node's current state.");
  for (const auto& [name, usage] : usages) out.Sample({{"node", *name}, {"state", usage.state}}, 1);
  out.Family("converge_node_cores", Type::kGauge, "Cores of each node.");
  for (const auto& [name, usage] : usages) {
    out.Sample({{"node", *name}}, static_cast<double>(usage.cores));
  }
  out.Family("converge_node_cores_allocated", Type::kGauge,
             "Cores of each node held by running jobs.");
  for (const auto& [name, usage] : usages) {
    out.Sample({{"node", *name}}, static_cast<double>(usage.cores - usage.cores_free));
  }
  out.Family("converge_node_gpus", Type::kGauge, "GPUs of each node that has any.");
  for (const auto& [name, usage] : usages) {
    if (usage.gpus > 0) out.Sample({{"node", *name}}, static_cast<double>(usage.gpus));
  }
  out.Family("converge_node_gpus_allocated", Type::kGauge,
             "GPUs of each node that has any, held by running jobs.");
  for (const auto& [name, usage] : usages) {
    if (usage.gpus > 0) {
      out.Sample({{"node", *name}}, static_cast<double>(usage.gpus - usage.gpus_free));
    }
  }
  out.Family("converge_node_memory_bytes", Type::kGauge, "Memory of each node.");
  for (const auto& [name, usage] : usages) {
    out.Sample({{"node", *name}}, static_cast<double>(usage.memory_mib) * kBytesPerMib);
  }
  out.Family("converge_node_memory_allocated_bytes", Type::kGauge,
             "Memory of each node held by running jobs.");
  for (const auto& [name, usage] : usages) {
    out.Sample({{"node", *name}},
               static_cast<double>(usage.memory_mib - usage.memory_free_mib) * kBytesPerMib);
  }

  // The store.
  out.Family("converge_store_commit_duration_seconds", Type::kHistogram,
             "Time from the start of a commit until it is durable and acted upon.");
  out.Sample({}, metrics_.commit_seconds);
  out.Family("converge_store_commit_rows", Type::kHistogram,
             "Rows (job records, events, jobspecs) written per commit.");
  out.Sample({}, metrics_.commit_rows);
  out.Single("converge_store_degraded", Type::kGauge,
             "1 while commits fail and are retried (work that needs one is refused).",
             degraded_.empty() ? 0 : 1);
}

}  // namespace converge::instance
