#include "sim/simulator.h"

#include <vector>

#include <gtest/gtest.h>

#include "sim/machine.h"
#include "sim/metrics.h"
#include "sim/report_csv.h"
#include "sim/validate_schedule.h"

namespace converge::sim {
namespace {

using sched::QueuePolicy;

SimJob Job(int64_t id, int64_t submit, int64_t procs, int64_t run, int64_t estimate) {
  return SimJob{id, submit, procs, estimate, std::min(run, estimate), run > estimate};
}

resource::Graph Machine(int64_t nodes, int64_t cores = 1) {
  Result<resource::Graph> graph = BuildMachine(nodes, cores);
  CHECK(graph.ok(), graph.status().ToString());
  return std::move(graph).value();
}

SimResult RunSim(const resource::Graph& graph, const std::vector<SimJob>& jobs, QueuePolicy policy,
              sched::MatchPolicy match = sched::MatchPolicy::kFirst,
              SimObserver* observer = nullptr) {
  Workload workload;
  workload.jobs = jobs;
  SimOptions options;
  options.scheduler.queue_policy = policy;
  options.scheduler.match_policy = match;
  Result<SimResult> result = Simulate(graph, workload, options, observer);
  CHECK(result.ok(), result.status().ToString());
  return std::move(result).value();
}

std::vector<int64_t> Starts(const SimResult& result) {
  std::vector<int64_t> starts;
  for (const JobOutcome& job : result.jobs) starts.push_back(job.start_time);
  return starts;
}

std::vector<std::string> Validate(const SimResult& result, int64_t procs, QueuePolicy policy) {
  return ValidateSchedule({result.jobs, procs, policy, &result.first_reservation});
}

TEST(BuildMachine, ClusterOfSingleCoreNodes) {
  resource::Graph graph = Machine(3, 2);
  EXPECT_EQ(graph.size(), 1 + 3 * 3);
  EXPECT_EQ(graph.VerticesOfType(resource::kNode).size(), 3u);
  EXPECT_EQ(graph.VerticesOfType(resource::kCore).size(), 6u);
  EXPECT_EQ(graph.Path(graph.VerticesOfType(resource::kCore).back()), "/cluster0/node2/core1");
  EXPECT_FALSE(BuildMachine(0, 1).ok());
  EXPECT_FALSE(BuildMachine(1, 0).ok());
  EXPECT_FALSE(BuildMachine(int64_t{1} << 40, 1).ok());
}

// 4 procs. Job 1 (2 procs, 100 s) runs from 0; job 2 (4 procs) arrives at 1 and must wait
// for it; job 3 (2 procs, 50 s) arrives at 2 and fits in the hole before 100.
std::vector<SimJob> ThreeJobs() {
  return {Job(1, 0, 2, 100, 100), Job(2, 1, 4, 50, 50), Job(3, 2, 2, 50, 50)};
}

TEST(Simulate, FcfsWaitsInOrder) {
  resource::Graph graph = Machine(4);
  SimResult result = RunSim(graph, ThreeJobs(), QueuePolicy::kFcfs);
  EXPECT_EQ(Starts(result), (std::vector<int64_t>{0, 100, 150}));
  Metrics metrics = ComputeMetrics(result.jobs, 4);
  EXPECT_DOUBLE_EQ(metrics.avg_wait_s, (0 + 99 + 148) / 3.0);
  EXPECT_EQ(metrics.makespan_s, 200);
  EXPECT_DOUBLE_EQ(metrics.utilization, (200.0 + 200 + 100) / (4 * 200));
  EXPECT_TRUE(Validate(result, 4, QueuePolicy::kFcfs).empty());
}

TEST(Simulate, EasyBackfillsIntoTheHole) {
  resource::Graph graph = Machine(4);
  SimResult result = RunSim(graph, ThreeJobs(), QueuePolicy::kEasy);
  EXPECT_EQ(Starts(result), (std::vector<int64_t>{0, 100, 2}));
  Metrics metrics = ComputeMetrics(result.jobs, 4);
  EXPECT_DOUBLE_EQ(metrics.avg_wait_s, (0 + 99 + 0) / 3.0);
  EXPECT_DOUBLE_EQ(metrics.avg_bsld, (1 + (99 + 50) / 50.0 + 1) / 3.0);
  EXPECT_EQ(metrics.makespan_s, 150);
  // Job 2 became the head at t=1 and was promised t=100.
  ASSERT_EQ(result.first_reservation.count(2), 1u);
  EXPECT_EQ(result.first_reservation.at(2), 100);
  EXPECT_TRUE(Validate(result, 4, QueuePolicy::kEasy).empty());
}

TEST(Simulate, ConservativeBackfillsToo) {
  resource::Graph graph = Machine(4);
  SimResult result = RunSim(graph, ThreeJobs(), QueuePolicy::kConservative);
  EXPECT_EQ(Starts(result), (std::vector<int64_t>{0, 100, 2}));
  EXPECT_TRUE(Validate(result, 4, QueuePolicy::kConservative).empty());
}

TEST(Simulate, EasyDoesNotBackfillPastTheReservation) {
  // Job 3 would run until 152 on the 2 free procs, past job 2's reservation at 100.
  resource::Graph graph = Machine(4);
  std::vector<SimJob> jobs = {Job(1, 0, 2, 100, 100), Job(2, 1, 4, 50, 50),
                              Job(3, 2, 2, 150, 150)};
  SimResult result = RunSim(graph, jobs, QueuePolicy::kEasy);
  EXPECT_EQ(Starts(result), (std::vector<int64_t>{0, 100, 150}));
}

TEST(Simulate, KilledAtEstimateAndPlannedByEstimate) {
  // Job 1 asks 100 s but ran 500 in the trace: killed at 100, so job 2 starts at 100.
  resource::Graph graph = Machine(2);
  std::vector<SimJob> jobs = {Job(1, 0, 2, 500, 100), Job(2, 0, 2, 10, 10)};
  SimResult result = RunSim(graph, jobs, QueuePolicy::kFcfs);
  EXPECT_EQ(Starts(result), (std::vector<int64_t>{0, 100}));
  EXPECT_EQ(result.jobs[0].end_time, 100);
  EXPECT_EQ(result.jobs[0].run_time, 100);
}

TEST(Simulate, ZeroRunTimeEndsAtTheSameInstant) {
  resource::Graph graph = Machine(4);
  std::vector<SimJob> jobs = {Job(1, 0, 4, 0, 0), Job(2, 0, 4, 10, 10), Job(3, 10, 4, 0, 5)};
  SimResult result = RunSim(graph, jobs, QueuePolicy::kFcfs);
  EXPECT_EQ(Starts(result), (std::vector<int64_t>{0, 0, 10}));
  EXPECT_EQ(result.jobs[0].end_time, 0);
  EXPECT_EQ(result.jobs[2].end_time, 10);
  EXPECT_TRUE(Validate(result, 4, QueuePolicy::kFcfs).empty());
}

TEST(Simulate, SameTimeEventsReleaseBeforeSubmitBeforeSchedule) {
  // At t=100 job 1 ends and job 2 arrives: job 2 starts at once on the freed procs.
  resource::Graph graph = Machine(2);
  std::vector<SimJob> jobs = {Job(1, 0, 2, 100, 100), Job(2, 100, 2, 10, 10)};
  SimResult result = RunSim(graph, jobs, QueuePolicy::kFcfs);
  EXPECT_EQ(Starts(result), (std::vector<int64_t>{0, 100}));
}

TEST(Simulate, SameSubmitTimeTiesBreakByJobId) {
  // Trace order 5, 3: at equal submit times job 3 is submitted (and started) first.
  resource::Graph graph = Machine(1);
  std::vector<SimJob> jobs = {Job(5, 0, 1, 10, 10), Job(3, 0, 1, 10, 10)};
  SimResult result = RunSim(graph, jobs, QueuePolicy::kFcfs);
  ASSERT_EQ(result.jobs.size(), 2u);
  EXPECT_EQ(result.jobs[0].id, 3);  // job-id order
  EXPECT_EQ(result.jobs[0].start_time, 0);
  EXPECT_EQ(result.jobs[1].start_time, 10);
}

TEST(Simulate, JobsLargerThanTheMachineAreUnsatisfiable) {
  resource::Graph graph = Machine(4);
  std::vector<SimJob> jobs = {Job(1, 0, 8, 10, 10), Job(2, 0, 4, 10, 10), Job(3, 5, 5, 1, 1)};
  SimResult result = RunSim(graph, jobs, QueuePolicy::kEasy);
  EXPECT_EQ(result.unsatisfiable, (std::vector<int64_t>{1, 3}));
  ASSERT_EQ(result.jobs.size(), 1u);
  EXPECT_EQ(result.jobs[0].id, 2);
}

TEST(Simulate, EmptyWorkload) {
  resource::Graph graph = Machine(4);
  SimResult result = RunSim(graph, {}, QueuePolicy::kEasy);
  EXPECT_TRUE(result.jobs.empty());
  EXPECT_EQ(result.schedule_calls, 0);
}

class Recorder : public SimObserver {
 public:
  void AfterSchedule(sched::Time now, const sched::Scheduler& scheduler,
                     std::span<const sched::StartDecision> started) override {
    passes.push_back(now);
    if (now == 1) reserved_at_1 = scheduler.ReservedStart(2);
  }
  void OnProgress(int64_t finished, int64_t total) override {
    last_finished = finished;
    last_total = total;
  }
  std::vector<sched::Time> passes;
  std::optional<sched::Time> reserved_at_1;
  int64_t last_finished = -1, last_total = -1;
};

TEST(Simulate, ObserverSeesEveryPass) {
  resource::Graph graph = Machine(4);
  Recorder recorder;
  RunSim(graph, ThreeJobs(), QueuePolicy::kEasy, sched::MatchPolicy::kFirst, &recorder);
  // Events: submits at 0, 1, 2; ends at 52 (job 3), 100 (job 1), 150 (job 2).
  EXPECT_EQ(recorder.passes, (std::vector<sched::Time>{0, 1, 2, 52, 100, 150}));
  EXPECT_EQ(recorder.reserved_at_1, 100);
  EXPECT_EQ(recorder.last_finished, 3);
  EXPECT_EQ(recorder.last_total, 3);
}

// A deterministic pseudo-random workload (LCG; no global state).
std::vector<SimJob> RandomJobs(int count, int64_t max_procs, uint64_t seed) {
  std::vector<SimJob> jobs;
  uint64_t state = seed;
  auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  };
  int64_t submit = 0;
  for (int i = 0; i < count; ++i) {
    submit += static_cast<int64_t>(next(50));
    int64_t procs = 1 + static_cast<int64_t>(next(static_cast<uint64_t>(max_procs)));
    int64_t estimate = 1 + static_cast<int64_t>(next(2000));
    int64_t run = static_cast<int64_t>(next(static_cast<uint64_t>(estimate) * 5 / 4 + 1));
    jobs.push_back(Job(i + 1, submit, procs, run, estimate));
  }
  return jobs;
}

TEST(Simulate, RandomWorkloadsAreValidUnderEveryPolicy) {
  for (int64_t cores : {1, 4}) {
    resource::Graph graph = Machine(16 / cores, cores);
    for (QueuePolicy policy :
         {QueuePolicy::kFcfs, QueuePolicy::kEasy, QueuePolicy::kConservative}) {
      for (sched::MatchPolicy match : {sched::MatchPolicy::kFirst, sched::MatchPolicy::kHigh,
                                       sched::MatchPolicy::kPack, sched::MatchPolicy::kSpread}) {
        // Conservative re-plans every pending job each pass: keep its queues shorter.
        const int count = policy == QueuePolicy::kConservative ? 100 : 300;
        for (uint64_t seed : {1, 2, 3}) {
          SimResult result = RunSim(graph, RandomJobs(count, 16, seed), policy, match);
          EXPECT_EQ(result.jobs.size(), static_cast<size_t>(count));
          std::vector<std::string> violations = Validate(result, 16, policy);
          EXPECT_TRUE(violations.empty())
              << sched::QueuePolicyName(policy) << "/" << sched::MatchPolicyName(match)
              << " seed " << seed << " cores/node " << cores << ": " << violations[0];
        }
      }
    }
  }
}

TEST(Simulate, Deterministic) {
  resource::Graph graph = Machine(16);
  for (QueuePolicy policy : {QueuePolicy::kFcfs, QueuePolicy::kEasy, QueuePolicy::kConservative}) {
    std::vector<SimJob> jobs = RandomJobs(policy == QueuePolicy::kConservative ? 150 : 500, 16, 42);
    SimResult first = RunSim(graph, jobs, policy);
    SimResult second = RunSim(graph, jobs, policy);
    EXPECT_EQ(JobsCsv(first.jobs), JobsCsv(second.jobs));
    EXPECT_EQ(first.first_reservation, second.first_reservation);
  }
}

TEST(Simulate, BackfillingBeatsFcfsOnAverageWait) {
  resource::Graph graph = Machine(16);
  std::vector<SimJob> jobs = RandomJobs(500, 16, 7);
  double fcfs = ComputeMetrics(RunSim(graph, jobs, QueuePolicy::kFcfs).jobs, 16).avg_wait_s;
  double easy = ComputeMetrics(RunSim(graph, jobs, QueuePolicy::kEasy).jobs, 16).avg_wait_s;
  EXPECT_LT(easy, fcfs);
}

}  // namespace
}  // namespace converge::sim
