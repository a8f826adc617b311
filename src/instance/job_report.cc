#include "instance/job_report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "instance/job_json.h"
#include "sim/metrics.h"
#include "sim/report_svg.h"

namespace converge::instance {
namespace {

int64_t CoresIn(const sched::Allocation& allocation, const resource::Graph& graph) {
  int64_t cores = 0;
  for (const auto& item : allocation.items) {
    if (graph.type(item.vertex) == resource::kCore) cores += item.amount;
  }
  return cores;
}

int64_t MachineCores(const resource::Graph& graph) {
  int64_t cores = 0;
  for (resource::VertexId core : graph.VerticesOfType(resource::kCore)) {
    cores += graph.capacity(core);
  }
  return cores;
}

}  // namespace

int64_t JobReport::CoresOf(const Job& job, const resource::Graph& graph) {
  if (job.active) return job.active->allocation ? CoresIn(*job.active->allocation, graph) : 0;
  auto [it, added] = inactive_cores_.try_emplace(job.record.id, 0);
  if (added && !job.record.allocation.empty()) {
    nlohmann::json json = nlohmann::json::parse(job.record.allocation, nullptr, false);
    Result<sched::Allocation> allocation = AllocationFromJson(json);
    if (allocation.ok()) it->second = CoresIn(*allocation, graph);
  }
  return it->second;
}

nlohmann::ordered_json JobReport::Build(const JobManager& jobs, double now) {
  JobFilter all;
  all.limit = std::numeric_limits<size_t>::max();
  std::vector<const Job*> list = std::move(jobs.List(all)).value();
  double origin = now;
  for (const Job* job : list) origin = std::min(origin, job->record.submit_time);
  origin = std::floor(origin);
  auto seconds = [origin](double time) {
    return static_cast<int64_t>(std::llround(time - origin));
  };

  std::vector<sim::JobOutcome> started, charted;
  int64_t running = 0, pending = 0;
  for (const Job* job : list) {
    const store::JobRecord& record = job->record;
    sim::JobOutcome outcome;
    outcome.id = record.id;
    outcome.submit_time = seconds(record.submit_time);
    if (record.start_time > 0) {
      const bool ended = job->state == JobState::kInactive && record.end_time > 0;
      if (!ended) ++running;
      outcome.start_time = std::max(outcome.submit_time, seconds(record.start_time));
      outcome.end_time = std::max(outcome.start_time, seconds(ended ? record.end_time : now));
      outcome.run_time = outcome.end_time - outcome.start_time;
      outcome.procs = CoresOf(*job, jobs.graph());
      outcome.allocated_cores = outcome.procs;
      started.push_back(outcome);
    } else {
      // Never started: in the queue until it ended (canceled), or until now.
      const bool ended = job->state == JobState::kInactive;
      if (!ended) ++pending;
      outcome.start_time = std::max(outcome.submit_time,
                                    seconds(ended && record.end_time > 0 ? record.end_time : now));
      outcome.end_time = outcome.start_time;
    }
    charted.push_back(outcome);
  }
  const int64_t cores = MachineCores(jobs.graph());
  const sim::Metrics metrics = sim::ComputeMetrics(started, cores);
  // In this order on the page (an ordered object keeps it through the JSON text).
  nlohmann::ordered_json summary = {{"jobs", metrics.jobs},
                                    {"running", running},
                                    {"pending", pending},
                                    {"cores", cores},
                                    {"avg_wait_s", metrics.avg_wait_s},
                                    {"median_wait_s", metrics.median_wait_s},
                                    {"p95_wait_s", metrics.p95_wait_s},
                                    {"avg_bsld", metrics.avg_bsld},
                                    {"max_bsld", metrics.max_bsld},
                                    {"utilization", metrics.utilization},
                                    {"makespan_s", metrics.makespan_s}};
  nlohmann::ordered_json report;
  report["summary"] = std::move(summary);
  report["svg"] = sim::UtilizationSvg(charted, cores, {.title = "", .bins = 300});
  return report;
}

}  // namespace converge::instance
