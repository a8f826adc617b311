#include "sim/validate_schedule.h"

#include <vector>

#include <gtest/gtest.h>

namespace converge::sim {
namespace {

JobOutcome Outcome(int64_t id, int64_t submit, int64_t start, int64_t run, int64_t procs) {
  return JobOutcome{id, submit, start, start + run, procs, run, run, procs};
}

std::vector<std::string> Check(const std::vector<JobOutcome>& jobs, int64_t procs,
                               sched::QueuePolicy policy,
                               const std::map<int64_t, int64_t>* reservations = nullptr) {
  return ValidateSchedule({jobs, procs, policy, reservations});
}

TEST(ValidateSchedule, AcceptsAValidSchedule) {
  // Back to back at t=100: the end of job 1 comes before the starts.
  std::vector<JobOutcome> jobs = {Outcome(1, 0, 0, 100, 4), Outcome(2, 10, 100, 50, 2),
                                  Outcome(3, 20, 100, 5, 2), Outcome(4, 30, 105, 0, 4)};
  EXPECT_TRUE(Check(jobs, 4, sched::QueuePolicy::kFcfs).empty());
}

TEST(ValidateSchedule, FindsOverCapacity) {
  std::vector<JobOutcome> jobs = {Outcome(1, 0, 0, 100, 3), Outcome(2, 0, 99, 10, 2)};
  std::vector<std::string> violations = Check(jobs, 4, sched::QueuePolicy::kEasy);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0],
            "at t=99 running jobs hold 5 procs, more than the machine's 4 (job 2 started)");
}

TEST(ValidateSchedule, FindsStartBeforeSubmitAndBadAllocation) {
  JobOutcome early = Outcome(1, 50, 10, 5, 1);
  JobOutcome short_alloc = Outcome(2, 0, 0, 5, 2);
  short_alloc.allocated_cores = 1;
  std::vector<std::string> violations = Check({early, short_alloc}, 4, sched::QueuePolicy::kEasy);
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0], "job 1 starts at 10, before its submission at 50");
  EXPECT_EQ(violations[1], "job 2 was allocated 1 cores for 2 procs");
}

TEST(ValidateSchedule, FcfsOrderTiesByJobId) {
  // Job 3 submitted with job 2 at t=10 but starts before it: fine for easy, not fcfs.
  std::vector<JobOutcome> jobs = {Outcome(1, 0, 0, 100, 3), Outcome(2, 10, 100, 50, 4),
                                  Outcome(3, 10, 10, 5, 1)};
  EXPECT_TRUE(Check(jobs, 4, sched::QueuePolicy::kEasy).empty());
  std::vector<std::string> violations = Check(jobs, 4, sched::QueuePolicy::kFcfs);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0], "fcfs: job 3 (submitted 10) starts at 10, before earlier job 2 at 100");
}

TEST(ValidateSchedule, StartAfterFirstReservation) {
  std::vector<JobOutcome> jobs = {Outcome(1, 0, 0, 100, 4), Outcome(2, 10, 120, 50, 4)};
  std::map<int64_t, int64_t> reservations = {{2, 100}};
  std::vector<std::string> violations = Check(jobs, 4, sched::QueuePolicy::kEasy, &reservations);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0], "easy: job 2 starts at 120, after its first reservation at 100");
  reservations[2] = 120;
  EXPECT_TRUE(Check(jobs, 4, sched::QueuePolicy::kEasy, &reservations).empty());
}

TEST(ValidateSchedule, CapsTheList) {
  std::vector<JobOutcome> jobs;
  for (int i = 0; i < 30; ++i) jobs.push_back(Outcome(i + 1, 100, 0, 1, 1));
  std::vector<std::string> violations = ValidateSchedule({jobs, 100, sched::QueuePolicy::kEasy},
                                                         5);
  ASSERT_EQ(violations.size(), 6u);
  EXPECT_EQ(violations.back(), "... and 25 more");
}

}  // namespace
}  // namespace converge::sim
