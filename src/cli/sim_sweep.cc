#include "cli/sim_sweep.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "sim/machine.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace converge::cli {

namespace {

sim::SweepRow RunOne(const sim::Workload& workload, const SweepRun& run) {
  sim::SweepRow row;
  row.policy = sched::QueuePolicyName(run.policy);
  row.match = sched::MatchPolicyName(run.match);
  row.machine = run.machine;
  std::optional<resource::Graph> built;
  if (run.graph == nullptr) {
    Result<resource::Graph> graph = sim::BuildMachine(run.nodes, run.cores_per_node);
    if (!graph.ok()) {
      row.error = graph.status().ToString();
      return row;
    }
    built = std::move(graph).value();
  }
  const resource::Graph& graph = run.graph != nullptr ? *run.graph : *built;
  sim::SimOptions options;
  options.scheduler.queue_policy = run.policy;
  options.scheduler.match_policy = run.match;
  options.reservations = sim::ReservationTracking::kNone;
  const auto begin = std::chrono::steady_clock::now();
  Result<sim::SimResult> result = sim::Simulate(graph, workload, options);
  row.sim_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (!result.ok()) {
    row.error = result.status().ToString();
    return row;
  }
  row.metrics = sim::ComputeMetrics(result->jobs, sim::CoreCount(graph));
  row.metrics.unsatisfiable = static_cast<int64_t>(result->unsatisfiable.size());
  row.metrics.skipped = workload.skipped_invalid + row.metrics.unsatisfiable;
  row.metrics.policy = row.policy;
  return row;
}

}  // namespace

std::vector<sim::SweepRow> RunSweep(const sim::Workload& workload,
                                    const std::vector<SweepRun>& runs, int threads) {
  std::vector<sim::SweepRow> rows(runs.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < runs.size(); i = next++) rows[i] = RunOne(workload, runs[i]);
  };
  const size_t workers = std::min<size_t>(std::max(threads, 1), runs.size());
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
  return rows;
}

}  // namespace converge::cli
