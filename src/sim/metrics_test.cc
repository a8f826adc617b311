#include "sim/metrics.h"

#include <vector>

#include <gtest/gtest.h>

namespace converge::sim {
namespace {

JobOutcome Outcome(int64_t id, int64_t submit, int64_t start, int64_t run, int64_t procs) {
  return JobOutcome{id, submit, start, start + run, procs, run, run, procs};
}

TEST(BoundedSlowdown, FollowsTheDefinition) {
  EXPECT_DOUBLE_EQ(BoundedSlowdown(0, 100), 1.0);
  EXPECT_DOUBLE_EQ(BoundedSlowdown(100, 100), 2.0);
  EXPECT_DOUBLE_EQ(BoundedSlowdown(20, 1), 2.1);  // (20 + 1) / max(1, 10)
  EXPECT_DOUBLE_EQ(BoundedSlowdown(5, 0), 1.0);   // 5 / 10 < 1
  EXPECT_DOUBLE_EQ(BoundedSlowdown(30, 0), 3.0);
}

TEST(ComputeMetrics, HandComputedTinySchedule) {
  // 4 procs. Job 1: 4 procs 0..100; job 2: 2 procs submitted 10, runs 100..150;
  // job 3: 2 procs submitted 20, runs 100..105.
  std::vector<JobOutcome> jobs = {Outcome(1, 0, 0, 100, 4), Outcome(2, 10, 100, 50, 2),
                                  Outcome(3, 20, 100, 5, 2)};
  Metrics m = ComputeMetrics(jobs, 4);
  EXPECT_EQ(m.jobs, 3);
  EXPECT_EQ(m.procs, 4);
  EXPECT_DOUBLE_EQ(m.avg_wait_s, (0 + 90 + 80) / 3.0);
  EXPECT_DOUBLE_EQ(m.median_wait_s, 80);
  EXPECT_DOUBLE_EQ(m.p95_wait_s, 90);
  // bsld: 1; (90+50)/50 = 2.8; (80+5)/10 = 8.5
  EXPECT_DOUBLE_EQ(m.avg_bsld, (1 + 2.8 + 8.5) / 3.0);
  EXPECT_DOUBLE_EQ(m.max_bsld, 8.5);
  EXPECT_EQ(m.makespan_s, 150);
  EXPECT_DOUBLE_EQ(m.utilization, (400.0 + 100 + 10) / (4.0 * 150));
}

TEST(ComputeMetrics, MedianOfEvenCountAndNearestRankP95) {
  std::vector<JobOutcome> jobs;
  for (int i = 0; i < 20; ++i) jobs.push_back(Outcome(i + 1, 0, i * 10, 1, 1));  // waits 0..190
  Metrics m = ComputeMetrics(jobs, 1);
  EXPECT_DOUBLE_EQ(m.median_wait_s, 95);  // (90 + 100) / 2
  EXPECT_DOUBLE_EQ(m.p95_wait_s, 180);    // the 19th smallest of 20
  jobs.push_back(Outcome(21, 0, 200, 1, 1));
  EXPECT_DOUBLE_EQ(ComputeMetrics(jobs, 1).p95_wait_s, 190);  // ceil(19.95): the 20th of 21
}

TEST(ComputeMetrics, EmptyAndZeroMakespan) {
  Metrics empty = ComputeMetrics({}, 8);
  EXPECT_EQ(empty.jobs, 0);
  EXPECT_EQ(empty.procs, 8);
  EXPECT_EQ(empty.utilization, 0);
  std::vector<JobOutcome> instant = {Outcome(1, 5, 5, 0, 2)};
  Metrics m = ComputeMetrics(instant, 8);
  EXPECT_EQ(m.makespan_s, 0);
  EXPECT_EQ(m.utilization, 0);
  EXPECT_DOUBLE_EQ(m.avg_bsld, 1);
}

}  // namespace
}  // namespace converge::sim
