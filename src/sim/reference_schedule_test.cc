// The counting oracle on hand-made cases, and the graph scheduler beside it: on a machine
// of single-core nodes Simulate() must start every job when the textbook definitions say
// (reference_schedule.h). reference_traces_test.cc compares them on the shared traces.
#include "sim/reference_schedule.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/testing/single_core_run.h"

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

std::vector<int64_t> GraphStarts(const std::vector<SimJob>& jobs, int64_t procs,
                                 QueuePolicy policy) {
  Workload workload;
  workload.jobs = jobs;
  return Starts(testing::SimulateOnSingleCoreNodes(workload, procs, policy));
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

// Conservative: when job 1 ends early, compression moves job 4 (32 procs) behind job 5's
// reservation, to 500, and then job 5 to now. Nothing ends early after that, but job 4
// starts at 300, when job 2 ends: it fits then beside every other reservation.
TEST(ReferenceSchedule, ConservativeStartsAJobWhenItFitsBesideTheOthers) {
  std::vector<SimJob> jobs = {Job(1, 0, 16, 10, 1000), Job(2, 0, 16, 300, 300),
                              Job(4, 1, 32, 100, 100), Job(5, 2, 16, 200, 200)};
  EXPECT_EQ(Reference(jobs, 32, QueuePolicy::kConservative),
            (std::vector<int64_t>{0, 0, 300, 10}));
  EXPECT_EQ(GraphStarts(jobs, 32, QueuePolicy::kConservative),
            (std::vector<int64_t>{0, 0, 300, 10}));
}

}  // namespace
}  // namespace converge::sim
