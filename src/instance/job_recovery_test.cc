// JobManager::Recover against a FakeExecutor and the real store of a previous life: each fate
// that Reattach() can report, and the crash between `alloc` and `start`.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "instance/job_manager.h"
#include "instance/manager_test_support.h"
#include "tests/testutil/run_command.h"

namespace converge::instance {
namespace {

using exec::Executor;
using exec::FakeExecutor;
using testing::Jobspec;
using testing::ManagerLife;

class JobRecoveryTest : public ::testing::Test {
 protected:
  // Ends the current life (as kill -9 would: nothing more is committed) and starts the next
  // one; `script` prepares its executor's Reattach answers before Recover() runs.
  void Restart(const std::function<void(FakeExecutor&)>& script = {}) {
    life.reset();
    life = std::make_unique<ManagerLife>(dir.path(), graph, clock);
    if (script) script(*life->executor);
    Status recovered = life->jobs->Recover();
    ASSERT_TRUE(recovered.ok()) << recovered.ToString();
    life->Settle();
  }
  const store::JobRecord& Record(int64_t id) { return life->jobs->Find(id)->record; }

  converge::testutil::TempDir dir;
  resource::Graph graph = testing::SmallGraph();
  ManualClock clock;
  std::unique_ptr<ManagerLife> life = std::make_unique<ManagerLife>(dir.path(), graph, clock);
};

TEST_F(JobRecoveryTest, ARunningShimIsReattachedAndItsExitStillCounts) {
  const int64_t id = life->Submit(Jobspec(1, 2));
  ASSERT_EQ(life->State(id), "RUN");
  Restart([&](FakeExecutor& executor) {
    executor.ScriptReattach(id, {Executor::ReattachState::kRunning, {}});
  });
  EXPECT_EQ(life->executor->reattached(), (std::vector<int64_t>{id}));
  EXPECT_EQ(life->State(id), "RUN");
  EXPECT_TRUE(life->executor->starts().empty());  // never started twice
  // Its cores are still held: a job that needs all four waits.
  const int64_t waiting = life->Submit(Jobspec(1, 4));
  EXPECT_EQ(life->State(waiting), "SCHED");
  ASSERT_TRUE(life->executor->Finish(id, FakeExecutor::Exited(0)).ok());
  life->Settle();
  EXPECT_EQ(Record(id).result, "completed");
  EXPECT_EQ(life->State(waiting), "RUN");
}

TEST_F(JobRecoveryTest, AShimThatFinishedMeanwhileGivesItsResult) {
  const int64_t id = life->Submit(Jobspec(1, 1));
  Restart([&](FakeExecutor& executor) {
    executor.ScriptReattach(id, {Executor::ReattachState::kFinished, FakeExecutor::Exited(4)});
  });
  EXPECT_EQ(life->State(id), "INACTIVE");
  EXPECT_EQ(Record(id).result, "failed");
  EXPECT_EQ(Record(id).exit_code, 4);
  EXPECT_TRUE(life->executor->starts().empty());
  EXPECT_EQ(life->executor->forgotten(), (std::vector<int64_t>{id}));
}

TEST_F(JobRecoveryTest, AJobLostAfterItsStartIsFailedNotRunAgain) {
  const int64_t id = life->Submit(Jobspec(1, 1));
  Restart();  // the fake's default answer: kLost
  EXPECT_EQ(life->State(id), "INACTIVE");
  EXPECT_EQ(Record(id).result, "failed");
  EXPECT_EQ(Record(id).reason, "lost on instance restart");
  EXPECT_TRUE(life->executor->starts().empty());
}

TEST_F(JobRecoveryTest, AJobWhoseStartWasNeverCommittedStartsNow) {
  // Run the loop only until the executor was asked to start the job: `start` is posted but
  // not committed when this life ends.
  Result<std::vector<int64_t>> ids = life->jobs->Submit(Caller{1000, false}, {Jobspec(1, 1)});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  const int64_t id = ids->front();
  for (int i = 0; i < 1000 && life->executor->starts().empty(); ++i) {
    life->io.restart();
    life->io.run_one();
  }
  ASSERT_EQ(life->executor->starts().size(), 1u);
  Restart();  // kLost: no shim ran it, and none ever will under the old start
  EXPECT_EQ(life->State(id), "RUN");
  ASSERT_EQ(life->executor->starts().size(), 1u);  // relaunched by the new life
  EXPECT_EQ(life->executor->starts()[0].job_id, id);
  ASSERT_TRUE(life->executor->Finish(id, FakeExecutor::Exited(0)).ok());
  life->Settle();
  EXPECT_EQ(Record(id).result, "completed");
}

TEST_F(JobRecoveryTest, QueuedAndFinishedJobsKeepTheirPlace) {
  const int64_t done = life->Submit(Jobspec(1, 4));
  const int64_t queued = life->Submit(Jobspec(1, 4));
  ASSERT_TRUE(life->executor->Finish(done, FakeExecutor::Exited(0)).ok());
  life->Settle();
  ASSERT_EQ(life->State(queued), "RUN");
  const int64_t pending = life->Submit(Jobspec(1, 4));
  ASSERT_EQ(life->State(pending), "SCHED");
  Restart([&](FakeExecutor& executor) {
    executor.ScriptReattach(queued, {Executor::ReattachState::kRunning, {}});
  });
  EXPECT_EQ(Record(done).result, "completed");
  EXPECT_EQ(life->executor->reattached(), (std::vector<int64_t>{queued}));  // only RUN jobs
  EXPECT_EQ(life->State(pending), "SCHED");
  ASSERT_TRUE(life->executor->Finish(queued, FakeExecutor::Exited(0)).ok());
  life->Settle();
  EXPECT_EQ(life->State(pending), "RUN");
  // New ids follow the recovered ones.
  EXPECT_EQ(life->Submit(Jobspec(1, 1)), pending + 1);
}

TEST_F(JobRecoveryTest, AHeldJobStaysHeldAndItsReleaseIsKept) {
  nlohmann::json spec = nlohmann::json::parse(Jobspec(1, 1));
  spec["attributes"]["system"]["priority"] = kHeldUrgency;
  const int64_t held = life->Submit(spec.dump());
  const int64_t released = life->Submit(spec.dump());
  ASSERT_TRUE(life->jobs->SetUrgency(Caller{1000, false}, released, 16).ok());
  life->Settle();
  ASSERT_TRUE(life->executor->Finish(released, FakeExecutor::Exited(0)).ok());
  life->Settle();
  Restart();
  EXPECT_EQ(life->State(held), "PRIORITY");
  EXPECT_TRUE(life->executor->starts().empty());
  EXPECT_EQ(Record(released).result, "completed");
  ASSERT_TRUE(life->jobs->SetUrgency(Caller{1000, false}, held, 8).ok());
  life->Settle();
  EXPECT_EQ(life->State(held), "RUN");
}

TEST_F(JobRecoveryTest, WaitingForABeginTimeOrASingletonSurvivesARestart) {
  nlohmann::json spec = nlohmann::json::parse(Jobspec(1, 1));
  const int64_t first = life->Submit(spec.dump());
  spec["attributes"]["system"]["dependencies"] = {
      {{"scheme", "begin-time"}, {"value", std::to_string(clock.Now() + 30)}},
      {{"scheme", "singleton"}, {"value", ""}}};
  const int64_t later = life->Submit(spec.dump());
  ASSERT_EQ(life->State(later), "DEPEND");
  Restart([&](FakeExecutor& executor) {
    executor.ScriptReattach(first, {Executor::ReattachState::kRunning, {}});
  });
  EXPECT_EQ(life->State(later), "DEPEND");
  clock.Advance(std::chrono::seconds(31));
  life->Settle();
  EXPECT_EQ(life->State(later), "DEPEND");  // its namesake still runs
  ASSERT_TRUE(life->executor->Finish(first, FakeExecutor::Exited(0)).ok());
  life->Settle();
  EXPECT_EQ(life->State(later), "RUN");
}

TEST_F(JobRecoveryTest, ACancelCommittedBeforeTheCrashStillCounts) {
  const int64_t id = life->Submit(Jobspec(1, 1));
  ASSERT_TRUE(life->jobs->Cancel(kInstanceCaller, id).ok());
  life->Settle();
  Restart([&](FakeExecutor& executor) {
    executor.ScriptReattach(id, {Executor::ReattachState::kRunning, {}});
  });
  // The shim ends on its own (say, with success): the job was canceled all the same.
  ASSERT_TRUE(life->executor->Finish(id, FakeExecutor::Exited(0)).ok());
  life->Settle();
  EXPECT_EQ(Record(id).result, "canceled");
}

}  // namespace
}  // namespace converge::instance
