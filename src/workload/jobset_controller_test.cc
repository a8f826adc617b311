#include "workload/jobset_controller.h"

#include <gtest/gtest.h>

namespace converge::workload {
namespace {

ReplicatedJob Rj(const std::string& name, int64_t replicas) {
  ReplicatedJob rj;
  rj.name = name;
  rj.replicas = replicas;
  rj.task.command = {"true"};
  return rj;
}

// Creates every child the controller asks for, numbering jobs from `next_id`.
std::vector<int64_t> CreateAll(JobSetController& controller, int64_t& next_id) {
  std::vector<int64_t> created;
  for (const JobSetAction& action : controller.Reconcile(0)) {
    if (action.type != JobSetAction::Type::kCreate) continue;
    controller.Created(action, next_id, 0);
    created.push_back(next_id++);
  }
  return created;
}

std::vector<int64_t> Cancels(JobSetController& controller) {
  std::vector<int64_t> ids;
  for (const JobSetAction& action : controller.Reconcile(0)) {
    if (action.type == JobSetAction::Type::kCancel) ids.push_back(action.job_id);
  }
  return ids;
}

TEST(JobSetControllerTest, AllCompletesWhenEveryChildSucceeds) {
  JobSetSpec spec;
  spec.replicated_jobs = {Rj("w", 3)};
  JobSetController controller(spec);
  int64_t next = 1;
  EXPECT_EQ(CreateAll(controller, next), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(CreateAll(controller, next).empty());  // idempotent
  controller.Observe(1, ChildPhase::kSucceeded, 1);
  controller.Observe(2, ChildPhase::kSucceeded, 1);
  EXPECT_EQ(controller.phase(), JobSetController::Phase::kActive);
  controller.Observe(3, ChildPhase::kSucceeded, 2);
  EXPECT_EQ(controller.phase(), JobSetController::Phase::kCompleted);
  EXPECT_EQ(controller.StatusJson()["replicatedJobsStatus"][0]["succeeded"], 3);
}

TEST(JobSetControllerTest, AnyOverTargetsCompletesAndCancelsTheRest) {
  JobSetSpec spec;
  spec.success_operator = JobSetSpec::Operator::kAny;
  spec.success_targets = {"fast"};
  spec.replicated_jobs = {Rj("slow", 1), Rj("fast", 2)};
  JobSetController controller(spec);
  int64_t next = 1;
  CreateAll(controller, next);                       // slow 1, fast 2 and 3
  controller.Observe(1, ChildPhase::kSucceeded, 1);  // not a target
  EXPECT_EQ(controller.phase(), JobSetController::Phase::kActive);
  controller.Observe(2, ChildPhase::kRunning, 1);
  controller.Observe(3, ChildPhase::kSucceeded, 1);
  EXPECT_EQ(controller.phase(), JobSetController::Phase::kCompleted);
  EXPECT_EQ(Cancels(controller), (std::vector<int64_t>{2}));
  EXPECT_TRUE(Cancels(controller).empty());  // sent once
}

TEST(JobSetControllerTest, BackoffRerunsTheChildBeforeTheSetRestarts) {
  JobSetSpec spec;
  spec.max_restarts = 1;
  spec.replicated_jobs = {Rj("w", 2)};
  spec.replicated_jobs[0].backoff_limit = 1;
  JobSetController controller(spec);
  int64_t next = 1;
  CreateAll(controller, next);                    // 1, 2
  controller.Observe(2, ChildPhase::kFailed, 1);  // backoff: re-run slot 1 only
  EXPECT_EQ(CreateAll(controller, next), (std::vector<int64_t>{3}));
  EXPECT_EQ(controller.StatusJson()["restarts"], 0);
  controller.Observe(3, ChildPhase::kFailed, 2);  // backoff spent: recreate the whole set
  EXPECT_EQ(controller.StatusJson()["restarts"], 1);
  EXPECT_EQ(Cancels(controller), (std::vector<int64_t>{1}));
  EXPECT_EQ(CreateAll(controller, next), (std::vector<int64_t>{4, 5}));
  controller.Observe(1, ChildPhase::kFailed, 3);  // the cancelled one: ignored
  EXPECT_EQ(controller.phase(), JobSetController::Phase::kActive);
  controller.Observe(4, ChildPhase::kFailed, 3);
  controller.Observe(6, ChildPhase::kFailed, 3);  // unknown id: ignored
  CreateAll(controller, next);                    // backoff re-run of slot 0: job 6
  controller.Observe(6, ChildPhase::kFailed, 4);
  EXPECT_EQ(controller.phase(), JobSetController::Phase::kFailed);
  EXPECT_EQ(controller.StatusJson()["conditions"][0]["reason"], "FailurePolicyMaxRestartsReached");
  EXPECT_EQ(Cancels(controller), (std::vector<int64_t>{5}));
}

TEST(JobSetControllerTest, RestartJobRecreatesOnlyTheFailedChild) {
  JobSetSpec spec;
  spec.max_restarts = 2;
  spec.restart_strategy = JobSetSpec::RestartStrategy::kRestartJob;
  spec.replicated_jobs = {Rj("w", 2)};
  JobSetController controller(spec);
  int64_t next = 1;
  CreateAll(controller, next);
  controller.Observe(1, ChildPhase::kRunning, 1);
  controller.Observe(2, ChildPhase::kFailed, 1);
  EXPECT_TRUE(Cancels(controller).empty());
  EXPECT_EQ(CreateAll(controller, next), (std::vector<int64_t>{3}));
  controller.Observe(1, ChildPhase::kSucceeded, 2);
  controller.Observe(3, ChildPhase::kSucceeded, 2);
  EXPECT_EQ(controller.phase(), JobSetController::Phase::kCompleted);
  EXPECT_EQ(controller.StatusJson()["restarts"], 1);
}

TEST(JobSetControllerTest, InOrderAndDependsOnDelayCreation) {
  JobSetSpec spec;
  spec.in_order = true;
  spec.replicated_jobs = {Rj("driver", 1), Rj("workers", 2), Rj("check", 1)};
  spec.replicated_jobs[2].depends_on = {{"workers", DependsOn::Status::kComplete}};
  JobSetController controller(spec);
  int64_t next = 1;
  EXPECT_EQ(CreateAll(controller, next), (std::vector<int64_t>{1}));
  EXPECT_EQ(controller.PendingReasons().size(), 2u);
  controller.Observe(1, ChildPhase::kRunning, 1);  // driver ready: workers may start
  EXPECT_EQ(CreateAll(controller, next), (std::vector<int64_t>{2, 3}));
  controller.Observe(2, ChildPhase::kRunning, 1);
  controller.Observe(3, ChildPhase::kRunning, 1);  // ready, not complete: check waits
  EXPECT_TRUE(CreateAll(controller, next).empty());
  ASSERT_EQ(controller.PendingReasons().size(), 1u);
  EXPECT_EQ(controller.PendingReasons()[0],
            "check: waiting for replicatedJob workers to be complete (dependsOn)");
  controller.Observe(2, ChildPhase::kSucceeded, 2);
  controller.Observe(3, ChildPhase::kSucceeded, 2);
  EXPECT_EQ(CreateAll(controller, next), (std::vector<int64_t>{4}));
}

TEST(JobSetControllerTest, SavedStateRestoresTheSameDecisions) {
  JobSetSpec spec;
  spec.max_restarts = 1;
  spec.replicated_jobs = {Rj("w", 2)};
  JobSetController controller(spec);
  int64_t next = 1;
  CreateAll(controller, next);
  controller.Observe(1, ChildPhase::kFailed, 1);
  Result<JobSetController> restored = JobSetController::FromJson(spec, controller.ToJson());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->ToJson(), controller.ToJson());
  int64_t next_restored = next;
  EXPECT_EQ(CreateAll(*restored, next_restored), CreateAll(controller, next));
  EXPECT_FALSE(JobSetController::FromJson(spec, {{"phase", "Active"}}).ok());
}

}  // namespace
}  // namespace converge::workload
