#include "sim/workload.h"

#include <gtest/gtest.h>

namespace converge::sim {
namespace {

SwfRecord Record(int64_t id, int64_t submit, int64_t run, int64_t alloc, int64_t req_procs,
                 int64_t req_time) {
  SwfRecord record;
  record.job_number = id;
  record.submit_time = submit;
  record.run_time = run;
  record.allocated_procs = alloc;
  record.requested_procs = req_procs;
  record.requested_time = req_time;
  return record;
}

TEST(WorkloadFromSwf, AppliesTheRules) {
  SwfTrace trace;
  trace.records = {
      Record(1, 0, 100, 4, 8, 200),    // allocated procs win over requested
      Record(2, 5, 100, -1, 8, 200),   // allocated missing: requested procs
      Record(3, 6, 100, 2, -1, -1),    // no requested time: estimate = run time
      Record(4, 7, 500, 2, -1, 300),   // runs past its estimate: killed at 300
      Record(5, 8, -1, 2, -1, 300),    // no run time: skipped
      Record(6, 9, 10, -1, -1, 300),   // no processors: skipped
      Record(7, 9, 10, 0, 4, 300),     // zero allocated processors: skipped
      Record(8, 10, 0, 1, -1, 0),      // run time 0 is fine
      Record(1, 11, 5, 1, -1, 10),     // duplicate job number: skipped
      Record(9, -1, 5, 1, -1, 10),     // no submit time: skipped
  };
  Workload workload = WorkloadFromSwf(trace);
  EXPECT_EQ(workload.records, 10);
  EXPECT_EQ(workload.skipped_invalid, 5);
  ASSERT_EQ(workload.jobs.size(), 5u);
  EXPECT_EQ(workload.jobs[0].procs, 4);
  EXPECT_EQ(workload.jobs[0].requested_time, 200);
  EXPECT_EQ(workload.jobs[0].run_time, 100);
  EXPECT_FALSE(workload.jobs[0].killed);
  EXPECT_EQ(workload.jobs[1].procs, 8);
  EXPECT_EQ(workload.jobs[2].requested_time, 100);
  EXPECT_EQ(workload.jobs[3].run_time, 300);
  EXPECT_TRUE(workload.jobs[3].killed);
  EXPECT_EQ(workload.jobs[4].id, 8);
  EXPECT_EQ(workload.jobs[4].run_time, 0);
}

TEST(WorkloadFromSwf, LimitTakesTheFirstRecords) {
  SwfTrace trace;
  trace.records = {Record(1, 0, -1, 1, 1, 1), Record(2, 0, 1, 1, 1, 1), Record(3, 0, 1, 1, 1, 1)};
  Workload workload = WorkloadFromSwf(trace, {.limit = 2});
  EXPECT_EQ(workload.records, 2);
  EXPECT_EQ(workload.skipped_invalid, 1);
  ASSERT_EQ(workload.jobs.size(), 1u);
  EXPECT_EQ(workload.jobs[0].id, 2);
  EXPECT_EQ(WorkloadFromSwf(trace, {.limit = 0}).jobs.size(), 0u);
}

TEST(WorkloadFromSwf, AbsurdTimesAreSkipped) {
  SwfTrace trace;
  trace.records = {Record(1, kMaxSimTime + 1, 1, 1, 1, 1),
                   Record(2, 0, INT64_MAX, 1, 1, -1)};
  Workload workload = WorkloadFromSwf(trace);
  EXPECT_EQ(workload.skipped_invalid, 2);
}

TEST(TraceMachineProcs, PrefersMaxProcsThenMaxNodes) {
  SwfTrace trace;
  EXPECT_EQ(TraceMachineProcs(trace), 0);
  trace.max_nodes = 144;
  EXPECT_EQ(TraceMachineProcs(trace), 144);
  trace.max_procs = 1152;
  EXPECT_EQ(TraceMachineProcs(trace), 1152);
}

}  // namespace
}  // namespace converge::sim
