#include "exec/shim.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "exec/shim_spec.h"
#include "tests/testutil/run_command.h"

namespace converge::exec {
namespace {

// Runs the real converge-shim binary on `spec` in `dir`; returns its exit status.
int RunShimBinary(const std::string& dir, const ShimSpec& spec) {
  std::string text = ToJson(spec);
  testutil::TempDir unused;
  std::string path = dir + "/" + std::to_string(spec.job_id) + ".spec.json";
  FILE* file = std::fopen(path.c_str(), "w");
  std::fwrite(text.data(), 1, text.size(), file);
  std::fclose(file);
  std::string command = std::string(CONVERGE_SHIM_BIN) + " " + dir + " " +
                        std::to_string(spec.job_id);
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ShimResult ResultIn(const std::string& dir, int64_t id) {
  auto result = ShimResultFromJson(
      testutil::ReadFile(dir + "/" + std::to_string(id) + ".result.json"));
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : ShimResult{};
}

ShimSpec Shell(const std::string& dir, int64_t id, const std::string& script, int tasks = 1) {
  ShimSpec spec;
  spec.job_id = id;
  for (int rank = 0; rank < tasks; ++rank) {
    spec.tasks.push_back({rank, {"sh", "-c", script},
                          {"PATH=/usr/bin:/bin", "RANK=" + std::to_string(rank)}, {}});
  }
  spec.stdout_path = dir + "/out";
  spec.stderr_path = dir + "/out";
  spec.grace_ms = 200;
  return spec;
}

TEST(ShimTest, RecordsExitCodesSignalsAndOutputOfEveryTask) {
  testutil::TempDir dir;
  ASSERT_EQ(RunShimBinary(dir.path(), Shell(dir.path(), 1, "echo rank $RANK; exit 3", 2)),
            kShimOk);
  ShimResult result = ResultIn(dir.path(), 1);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.signal, 0);
  std::string out = testutil::ReadFile(dir.path() + "/out");
  EXPECT_NE(out.find("rank 0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("rank 1\n"), std::string::npos) << out;
  ASSERT_EQ(RunShimBinary(dir.path(), Shell(dir.path(), 2, "kill -9 $$")), kShimOk);
  EXPECT_EQ(ResultIn(dir.path(), 2).signal, 9);
  EXPECT_EQ(ResultIn(dir.path(), 2).exit_code, 137);
}

TEST(ShimTest, HonoursCwdAndReportsExecErrors) {
  testutil::TempDir dir;
  ShimSpec spec = Shell(dir.path(), 3, "pwd");
  spec.cwd = "/tmp";
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(testutil::ReadFile(dir.path() + "/out"), "/tmp\n");
  ShimSpec missing = Shell(dir.path(), 4, "");
  missing.tasks[0].argv = {"no-such-program-xyz"};
  ASSERT_EQ(RunShimBinary(dir.path(), missing), kShimOk);
  ShimResult result = ResultIn(dir.path(), 4);
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_NE(result.exec_error.find("no-such-program-xyz"), std::string::npos);
}

TEST(ShimTest, KillsTasksAtTheDeadlineEvenWhenTheyIgnoreSigterm) {
  testutil::TempDir dir;
  ShimSpec spec = Shell(dir.path(), 5, "trap '' TERM; sleep 30");
  spec.deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() +
                     300;
  auto begin = std::chrono::steady_clock::now();
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
  ShimResult result = ResultIn(dir.path(), 5);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.signal, 9);
}

TEST(ShimTest, RunsNothingWhenTheLockIsTaken) {
  testutil::TempDir dir;
  std::string lock = dir.path() + "/6.lock";
  int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  ShimSpec spec = Shell(dir.path(), 6, "echo ran > " + dir.path() + "/ran");
  EXPECT_EQ(RunShimBinary(dir.path(), spec), kShimLockBusy);
  EXPECT_EQ(testutil::ReadFile(dir.path() + "/ran"), "");
  ::close(fd);
}

TEST(ShimTest, BindsTasksToTheirCpus) {
  testutil::TempDir dir;
  ShimSpec spec = Shell(dir.path(), 7, "grep Cpus_allowed_list /proc/self/status");
  spec.tasks[0].cpus = {0};
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_NE(testutil::ReadFile(dir.path() + "/out").find("Cpus_allowed_list:\t0\n"),
            std::string::npos)
      << testutil::ReadFile(dir.path() + "/out");
}

TEST(ShimSpecTest, RoundTripsAndNamesBadFields) {
  ShimSpec spec;
  spec.job_id = 9;
  spec.tasks.push_back({0, {"a", "b"}, {"X=1"}, {1, 2}});
  spec.deadline_ms = 5;
  auto back = ShimSpecFromJson(ToJson(spec));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->tasks[0].cpus, (std::vector<int>{1, 2}));
  EXPECT_EQ(back->deadline_ms, 5);
  EXPECT_EQ(ShimSpecFromJson(R"({"job_id": 1})").status().where(), "tasks");
  EXPECT_FALSE(ShimSpecFromJson("nope").ok());
}

}  // namespace
}  // namespace converge::exec
