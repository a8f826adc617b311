// The counting oracle on hand-made cases, then the graph scheduler against it job by job:
// on a machine of single-core nodes Simulate() must start every job when the textbook
// definitions say (reference_schedule.h).
#include "sim/reference_schedule.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/check.h"
#include "sim/machine.h"
#include "sim/swf.h"
#include "sim/swf_file.h"

namespace converge::sim {
namespace {

using sched::QueuePolicy;

SimJob Job(int64_t id, int64_t submit, int64_t procs, int64_t run, int64_t estimate) {
  return SimJob{id, submit, procs, estimate, std::min(run, estimate), run > estimate};
}

std::vector<int64_t> Starts(const std::vector<JobOutcome>& jobs) {
  std::vector<int64_t> starts;
  for (const JobOutcome& job : jobs) starts.push_back(job.start_time);
  return starts;
}

std::vector<int64_t> Reference(const std::vector<SimJob>& jobs, int64_t procs,
                               QueuePolicy policy) {
  Workload workload;
  workload.jobs = jobs;
  return Starts(ReferenceSchedule(workload, {procs, policy}));
}

std::vector<JobOutcome> Graph(const Workload& workload, int64_t procs, QueuePolicy policy) {
  Result<resource::Graph> graph = BuildMachine(procs, 1);
  CHECK(graph.ok(), graph.status().ToString());
  SimOptions options;
  options.scheduler.queue_policy = policy;
  options.reservations = ReservationTracking::kNone;
  Result<SimResult> result = Simulate(*graph, workload, options);
  CHECK(result.ok(), result.status().ToString());
  return std::move(result->jobs);
}

std::vector<int64_t> GraphStarts(const std::vector<SimJob>& jobs, int64_t procs,
                                 QueuePolicy policy) {
  Workload workload;
  workload.jobs = jobs;
  return Starts(Graph(workload, procs, policy));
}

// 4 procs: job 1 holds 2 until 100; job 2 (4 procs) waits for it; job 3 fits beside job 1
// and ends by 100, so EASY and conservative backfill it.
TEST(ReferenceSchedule, BackfillsAShortJobBeforeTheShadowTime) {
  std::vector<SimJob> jobs = {Job(1, 0, 2, 100, 100), Job(2, 1, 4, 50, 50), Job(3, 2, 2, 50, 50)};
  EXPECT_EQ(Reference(jobs, 4, QueuePolicy::kFcfs), (std::vector<int64_t>{0, 100, 150}));
  EXPECT_EQ(Reference(jobs, 4, QueuePolicy::kEasy), (std::vector<int64_t>{0, 100, 2}));
  EXPECT_EQ(Reference(jobs, 4, QueuePolicy::kConservative), (std::vector<int64_t>{0, 100, 2}));
}

// 10 single-core nodes. Job 1 holds nodes 0-1 until 10, job 2 nodes 2-4 for long, job 3
// nodes 5-9 until 100. The head (job 4, 6 procs, at 11) has its shadow time at 100 with one
// extra processor, so job 5 (1 proc, long) backfills at 12. A reservation that took the
// nodes free now (0-1) first would leave job 5 nothing: it must prefer what frees up.
TEST(ReferenceSchedule, ALongBackfillUsesTheExtraProcessors) {
  std::vector<SimJob> jobs = {Job(1, 0, 2, 10, 10), Job(2, 0, 3, 1000, 1000),
                              Job(3, 0, 5, 100, 100), Job(4, 11, 6, 50, 50),
                              Job(5, 12, 1, 500, 500)};
  EXPECT_EQ(Reference(jobs, 10, QueuePolicy::kEasy), (std::vector<int64_t>{0, 0, 0, 100, 12}));
  EXPECT_EQ(GraphStarts(jobs, 10, QueuePolicy::kEasy), (std::vector<int64_t>{0, 0, 0, 100, 12}));
}

// 10 procs: job 1 holds 5 until 100; the head (job 2) needs 6, so there are 4 extra
// processors at the shadow time. Job 3 ends by it and takes 5 of the free ones; job 4 runs
// past it with 4 procs: EASY starts it, because the head still has 6 at 100.
TEST(ReferenceSchedule, ShortBackfillsLeaveTheExtraProcessors) {
  std::vector<SimJob> jobs = {Job(1, 0, 5, 100, 100), Job(2, 1, 6, 50, 50),
                              Job(3, 2, 1, 50, 50), Job(4, 3, 4, 500, 500)};
  EXPECT_EQ(Reference(jobs, 10, QueuePolicy::kEasy), (std::vector<int64_t>{0, 100, 2, 3}));
  EXPECT_EQ(GraphStarts(jobs, 10, QueuePolicy::kEasy), (std::vector<int64_t>{0, 100, 2, 3}));
}

// The extra processors are used up: two long backfills of 2 each fit 4 extra, a third does
// not.
TEST(ReferenceSchedule, ExtraProcessorsAreUsedUp) {
  std::vector<SimJob> jobs = {Job(1, 0, 6, 100, 100), Job(2, 1, 6, 50, 50),
                              Job(3, 2, 2, 500, 500), Job(4, 2, 2, 500, 500),
                              Job(5, 2, 2, 500, 500)};
  // free 4 now; at 100 free 10, head needs 6: extra 4.
  EXPECT_EQ(Reference(jobs, 10, QueuePolicy::kEasy),
            (std::vector<int64_t>{0, 100, 2, 2, 150}));
  EXPECT_EQ(GraphStarts(jobs, 10, QueuePolicy::kEasy),
            (std::vector<int64_t>{0, 100, 2, 2, 150}));
}

// Conservative compresses when a job ends early: job 1 was expected to hold 4 until 1000
// but ends at 10; job 2's reservation moves from 1000 to 10, and job 3 behind it follows.
TEST(ReferenceSchedule, ConservativeCompressesOnEarlyEnd) {
  std::vector<SimJob> jobs = {Job(1, 0, 4, 10, 1000), Job(2, 1, 4, 100, 100),
                              Job(3, 2, 4, 100, 100)};
  EXPECT_EQ(Reference(jobs, 4, QueuePolicy::kConservative),
            (std::vector<int64_t>{0, 10, 110}));
  EXPECT_EQ(GraphStarts(jobs, 4, QueuePolicy::kConservative),
            (std::vector<int64_t>{0, 10, 110}));
}

struct TraceCase {
  std::string trace;
  QueuePolicy policy;
  int64_t limit;  // records considered; -1 = all
};

void PrintTo(const TraceCase& c, std::ostream* out) {
  *out << c.trace << " " << sched::QueuePolicyName(c.policy) << " limit " << c.limit;
}

class MatchesReference : public ::testing::TestWithParam<TraceCase> {};

TEST_P(MatchesReference, EveryJobStartsWhenTheDefinitionSays) {
  const TraceCase& c = GetParam();
  Result<std::string> text = ReadTraceFile("../shared/traces/" + c.trace);
  if (!text.ok()) GTEST_SKIP() << "shared trace not available: " << text.status().ToString();
  Result<SwfTrace> trace = ParseSwf(*text);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  Workload workload = WorkloadFromSwf(*trace, {c.limit});
  const int64_t procs = TraceMachineProcs(*trace);
  std::vector<JobOutcome> expected = ReferenceSchedule(workload, {procs, c.policy});
  std::vector<JobOutcome> actual = Graph(workload, procs, c.policy);
  for (size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    ASSERT_EQ(actual[i].id, expected[i].id) << "only one of them ran job " << std::min(actual[i].id, expected[i].id);
  }
  ASSERT_EQ(actual.size(), expected.size());
  int64_t differ = 0;
  std::string first;
  for (size_t i = 0; i < actual.size(); ++i) {
    ASSERT_EQ(actual[i].id, expected[i].id);
    if (actual[i].start_time == expected[i].start_time) continue;
    if (differ++ == 0) {
      first = "job " + std::to_string(actual[i].id) + " started at " +
              std::to_string(actual[i].start_time) + ", the definition says " +
              std::to_string(expected[i].start_time);
    }
  }
  EXPECT_EQ(differ, 0) << differ << " of " << actual.size() << " jobs start elsewhen; first: "
                       << first;
}

std::vector<TraceCase> TraceCases() {
  const char* const traces[] = {"KTH-SP2-1996-2.1-cln.swf.gz", "CTC-SP2-1996-3.1-cln.swf.gz",
                                "HPC2N-2002-2.2-cln.swf.gz", "SDSC-BLUE-2000-4.2-cln.swf.gz",
                                "lublin_256.swf.gz"};
  std::vector<TraceCase> cases;
  for (const char* trace : traces) {
    cases.push_back({trace, QueuePolicy::kFcfs, -1});
    cases.push_back({trace, QueuePolicy::kEasy, -1});
    cases.push_back({trace, QueuePolicy::kConservative, 3000});
  }
  return cases;
}

std::string TraceCaseName(const ::testing::TestParamInfo<TraceCase>& info) {
  std::string name = info.param.trace.substr(0, info.param.trace.find(".swf"));
  name += std::string("_") + sched::QueuePolicyName(info.param.policy);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Shared, MatchesReference, ::testing::ValuesIn(TraceCases()),
                         TraceCaseName);

}  // namespace
}  // namespace converge::sim
