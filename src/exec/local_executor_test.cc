#include "exec/local_executor.h"

#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/wait.h>

#include <optional>

#include <gtest/gtest.h>

#include "exec/shim.h"
#include "tests/testutil/run_command.h"

namespace converge::exec {
namespace {

ShimSpec Sleeper(int64_t id, const std::string& dir, const std::string& seconds) {
  ShimSpec spec;
  spec.job_id = id;
  spec.tasks.push_back({0, {"sh", "-c", "sleep " + seconds + "; echo done"},
                        {"PATH=/usr/bin:/bin"}, {}});
  spec.stdout_path = dir + "/out" + std::to_string(id);
  spec.stderr_path = spec.stdout_path;
  spec.grace_ms = 200;
  return spec;
}

class LocalExecutorTest : public ::testing::Test {
 protected:
  std::unique_ptr<LocalExecutor> Make() {
    return std::make_unique<LocalExecutor>(
        io_, LocalExecutorOptions{dir_.path(), CONVERGE_SHIM_BIN},
        [this](int64_t id, Result<ShimResult> result) { results_.insert_or_assign(id, result); });
  }
  // Runs the loop until job `id` reported, at most 10 s.
  bool WaitFor(int64_t id) {
    for (int i = 0; i < 1000 && !results_.count(id); ++i) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(10));
    }
    return results_.count(id) > 0;
  }

  testutil::TempDir dir_;
  boost::asio::io_context io_;
  std::map<int64_t, Result<ShimResult>> results_;
};

TEST_F(LocalExecutorTest, ReportsTheShimsResult) {
  auto executor = Make();
  ASSERT_TRUE(executor->Start(Sleeper(1, dir_.path(), "0")).ok());
  ASSERT_TRUE(WaitFor(1));
  ASSERT_TRUE(results_.at(1).ok()) << results_.at(1).status().ToString();
  EXPECT_EQ(results_.at(1)->exit_code, 0);
  EXPECT_EQ(testutil::ReadFile(dir_.path() + "/out1"), "done\n");
  executor->Forget(1);
  EXPECT_EQ(::access((dir_.path() + "/1.result.json").c_str(), F_OK), -1);
}

TEST_F(LocalExecutorTest, TerminateEndsTheJob) {
  auto executor = Make();
  ASSERT_TRUE(executor->Start(Sleeper(2, dir_.path(), "30")).ok());
  io_.run_for(std::chrono::milliseconds(100));
  executor->Terminate(2);
  ASSERT_TRUE(WaitFor(2));
  ASSERT_TRUE(results_.at(2).ok());
  EXPECT_TRUE(results_.at(2)->terminated);
}

TEST_F(LocalExecutorTest, ReattachFindsRunningFinishedAndLostJobs) {
  {
    auto first = Make();
    ASSERT_TRUE(first->Start(Sleeper(3, dir_.path(), "0.5")).ok());
    ASSERT_TRUE(first->Start(Sleeper(4, dir_.path(), "0")).ok());
    io_.run_for(std::chrono::milliseconds(200));  // job 4 is done, job 3 still runs
  }
  results_.clear();
  boost::asio::io_context fresh;
  std::map<int64_t, Result<ShimResult>> seen;
  LocalExecutor second(fresh, {dir_.path(), CONVERGE_SHIM_BIN},
                       [&](int64_t id, Result<ShimResult> result) { seen.insert_or_assign(id, result); });
  EXPECT_EQ(second.Reattach(3).state, LocalExecutor::ReattachState::kRunning);
  LocalExecutor::Reattached finished = second.Reattach(4);
  EXPECT_EQ(finished.state, LocalExecutor::ReattachState::kFinished);
  EXPECT_EQ(finished.result.exit_code, 0);
  EXPECT_EQ(second.Reattach(5).state, LocalExecutor::ReattachState::kLost);
  for (int i = 0; i < 500 && !seen.count(3); ++i) fresh.run_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(seen.count(3));
  ASSERT_TRUE(seen.at(3).ok());
  EXPECT_EQ(seen.at(3)->exit_code, 0);
  // A shim for the lost job that starts late finds the lock taken and runs nothing.
  std::string spec_path = dir_.path() + "/5.spec.json";
  std::string command = std::string(CONVERGE_SHIM_BIN) + " " + dir_.path() + " 5";
  int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), kShimLockBusy);
}

}  // namespace
}  // namespace converge::exec
