// Scheduler micro-benchmarks at 1,000 and 10,000 nodes: graph build, match latency per
// shape and policy (median and p99 over iterations), allocate-or-reserve on a full
// cluster, and filling the cluster with one-core jobs. Run via `make bench`.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/micro/synthetic_cluster.h"
#include "resource/readers/cluster_yaml.h"
#include "sched/matcher.h"
#include "sched/planner.h"
#include "sched/request.h"
#include "sched/resource_state.h"
#include "sched/scheduler.h"
#include "sched/testing/fixtures.h"

namespace converge::bench {
namespace {

using jobspec::ResourceRequest;
using sched::MatchPolicy;

using sched::testing::Res;
using sched::testing::Slot;
using sched::testing::Spec;

ResourceRequest Exclusive(ResourceRequest request) {
  request.exclusive = true;
  return request;
}

struct Shape {
  std::string name;
  bool gpu_graph;
  jobspec::Jobspec spec;
};

std::vector<Shape> Shapes() {
  return {
      {"1core", false, Spec({Slot(1, {Res("core", 1)})}, 3600)},
      {"1node_excl", false, Spec({Exclusive(Res("node", 1, {Slot(1, {Res("core", 1)})}))}, 3600)},
      {"4nodes_x32cores", false, Spec({Res("node", 4, {Slot(1, {Res("core", 32)})})}, 3600)},
      {"1node_8cores_4gpus", true,
       Spec({Res("node", 1, {Slot(1, {Res("core", 8), Res("gpu", 4)})})}, 3600)},
      {"128nodes_excl", false,
       Spec({Exclusive(Res("node", 128, {Slot(1, {Res("core", 1)})}))}, 3600)},
  };
}

void ReportPercentiles(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
}

double MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
      .count();
}

// A cluster with its live state, filled or empty.
struct Cluster {
  explicit Cluster(int nodes, bool gpus) : graph(BuildSyntheticCluster(nodes, gpus)) {}
  resource::Graph graph;
};

void MatchEmpty(benchmark::State& state, const Cluster* cluster, const Shape* shape,
                MatchPolicy policy) {
  sched::ResourceState resources(cluster->graph, true);
  sched::Matcher matcher(resources, policy);
  sched::Request request = sched::CompileRequest(shape->spec, resources).value();
  std::vector<double> micros;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    std::optional<sched::Allocation> allocation = matcher.Match(request, nullptr);
    double elapsed = MicrosSince(start);
    state.SetIterationTime(elapsed / 1e6);
    micros.push_back(elapsed);
    if (!allocation) {
      state.SkipWithError("no match on an empty cluster");
      break;
    }
    matcher.Release(*allocation);
  }
  ReportPercentiles(state, micros);
}

// Fills every core with a one-core job of random duration, then asks for the earliest
// start of the shape: allocate now if possible, otherwise reserve.
void ReserveWhenFull(benchmark::State& state, const Cluster* cluster, const Shape* shape,
                     MatchPolicy policy) {
  sched::ResourceState resources(cluster->graph, true);
  sched::Matcher matcher(resources, policy);
  sched::Planner planner(resources, matcher);
  sched::Request one_core =
      sched::CompileRequest(Spec({Slot(1, {Res("core", 1)})}, 0), resources).value();
  std::mt19937_64 rng(42);
  std::vector<sched::Booking> running;
  for (sched::JobId id = 0;; ++id) {
    std::optional<sched::Allocation> allocation = matcher.Match(one_core, nullptr);
    if (!allocation) break;
    int64_t end = 60 + static_cast<int64_t>(rng() % 86400);
    running.push_back({id, 0, end, std::move(*allocation)});
  }
  std::sort(running.begin(), running.end(),
            [](const sched::Booking& a, const sched::Booking& b) {
              return a.end != b.end ? a.end < b.end : a.job < b.job;
            });
  std::vector<const sched::Booking*> by_end;
  sched::RunningIndex index(resources);
  for (const sched::Booking& booking : running) {
    by_end.push_back(&booking);
    index.Add(booking.job, booking.end, booking.allocation);
  }
  sched::Request request = sched::CompileRequest(shape->spec, resources).value();
  std::vector<double> micros;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    std::optional<sched::Allocation> now = matcher.Match(request, nullptr);
    std::optional<sched::Plan> plan;
    if (!now) plan = planner.EarliestStart(request, nullptr, 0, 3600, by_end,
                                              std::span<const sched::Booking* const>(), &index);
    double elapsed = MicrosSince(start);
    state.SetIterationTime(elapsed / 1e6);
    micros.push_back(elapsed);
    if (now) matcher.Release(*now);
    if (!now && !plan) {
      state.SkipWithError("neither allocated nor reserved");
      break;
    }
  }
  state.counters["running_jobs"] = static_cast<double>(running.size());
  ReportPercentiles(state, micros);
}

void GraphBuild(benchmark::State& state, int nodes, bool gpus) {
  size_t vertices = 0, bytes = 0;
  for (auto _ : state) {
    resource::Graph graph = BuildSyntheticCluster(nodes, gpus);
    vertices = graph.size();
    bytes = graph.MemoryBytes();
    benchmark::DoNotOptimize(graph.size());
  }
  state.counters["vertices"] = static_cast<double>(vertices);
  state.counters["bytes_per_vertex"] = static_cast<double>(bytes) / vertices;
}

// Loads the same clusters from the few-line cluster file a user would write.
void GraphLoadYaml(benchmark::State& state, int nodes, bool gpus) {
  std::string yaml = "cluster: { name: bench }\nnodes:\n  - { count: " + std::to_string(nodes) +
                     ", sockets: 2, cores_per_socket: 16" +
                     (gpus ? ", gpus_per_socket: 2, memory_per_socket: 128GiB" : "") + " }\n";
  size_t vertices = 0, bytes = 0;
  for (auto _ : state) {
    Result<resource::Graph> graph = resource::ReadClusterYaml(yaml);
    if (!graph.ok()) {
      state.SkipWithError(graph.status().ToString().c_str());
      break;
    }
    vertices = graph->size();
    bytes = graph->MemoryBytes();
  }
  state.counters["vertices"] = static_cast<double>(vertices);
  state.counters["bytes_per_vertex"] = vertices ? static_cast<double>(bytes) / vertices : 0;
}

// Fills the cluster with one-core jobs through the matcher alone.
void FillWithMatcher(benchmark::State& state, const Cluster* cluster) {
  sched::Request request;
  int64_t jobs = 0;
  for (auto _ : state) {
    sched::ResourceState resources(cluster->graph, true);
    sched::Matcher matcher(resources, MatchPolicy::kFirst);
    request = sched::CompileRequest(Spec({Slot(1, {Res("core", 1)})}, 0), resources).value();
    jobs = 0;
    while (matcher.Match(request, nullptr)) ++jobs;
  }
  state.counters["jobs"] = static_cast<double>(jobs);
}

// Fills the cluster through the Scheduler: submit every job, then one Schedule() pass. The
// time counts those two; the scheduler's teardown after it is reported apart (teardown_ms).
void FillWithScheduler(benchmark::State& state, const Cluster* cluster) {
  int64_t started = 0;
  double teardown_ms = 0;
  const int64_t cores = cluster->graph.CountIn(cluster->graph.root(), resource::kCore);
  jobspec::Jobspec spec = Spec({Slot(1, {Res("core", 1)})}, 3600);
  for (auto _ : state) {
    auto scheduler = sched::Scheduler::Create(cluster->graph,
                                              {.queue_policy = sched::QueuePolicy::kFcfs})
                         .value();
    for (int64_t id = 0; id < cores; ++id) {
      if (!scheduler->Submit({id, 0, 0, spec}).ok()) state.SkipWithError("submit failed");
    }
    started = static_cast<int64_t>(scheduler->Schedule(0).size());
    state.PauseTiming();
    auto start = std::chrono::steady_clock::now();
    scheduler.reset();
    teardown_ms = MicrosSince(start) / 1000;
    state.ResumeTiming();
  }
  state.counters["jobs"] = static_cast<double>(started);
  state.counters["teardown_ms"] = teardown_ms;
}

}  // namespace
}  // namespace converge::bench

int main(int argc, char** argv) {
  using namespace converge::bench;
  benchmark::Initialize(&argc, argv);
  const std::vector<MatchPolicy> policies = {MatchPolicy::kFirst, MatchPolicy::kLow,
                                             MatchPolicy::kHigh, MatchPolicy::kPack,
                                             MatchPolicy::kSpread};
  static const std::vector<Shape> shapes = Shapes();
  std::vector<std::unique_ptr<Cluster>> clusters;
  for (int nodes : {1000, 10000}) {
    for (bool gpus : {false, true}) {
      std::string suffix = std::to_string(nodes) + (gpus ? "/gpu" : "/cpu");
      benchmark::RegisterBenchmark(("graph_build/" + suffix).c_str(), GraphBuild, nodes, gpus)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("graph_load_yaml/" + suffix).c_str(), GraphLoadYaml, nodes,
                                   gpus)
          ->Unit(benchmark::kMillisecond);
      clusters.push_back(std::make_unique<Cluster>(nodes, gpus));
      const Cluster* cluster = clusters.back().get();
      for (const Shape& shape : shapes) {
        if (shape.gpu_graph != gpus) continue;
        for (MatchPolicy policy : policies) {
          std::string name = shape.name + "/" + converge::sched::MatchPolicyName(policy) + "/" +
                             std::to_string(nodes);
          benchmark::RegisterBenchmark(("match/" + name).c_str(), MatchEmpty, cluster, &shape,
                                       policy)
              ->UseManualTime()
              ->Unit(benchmark::kMicrosecond);
          benchmark::RegisterBenchmark(("reserve_full/" + name).c_str(), ReserveWhenFull, cluster,
                                       &shape, policy)
              ->UseManualTime()
              ->Unit(benchmark::kMicrosecond)
              ->Iterations(200);
        }
      }
      if (nodes == 10000 && !gpus) {
        benchmark::RegisterBenchmark("fill_320k_one_core/matcher", FillWithMatcher, cluster)
            ->Unit(benchmark::kMillisecond)
            ->Iterations(1);
        benchmark::RegisterBenchmark("fill_320k_one_core/scheduler", FillWithScheduler, cluster)
            ->Unit(benchmark::kMillisecond)
            ->Iterations(1);
      }
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
