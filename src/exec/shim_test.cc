// Runs the real converge-shim binary on real processes.
#include "exec/shim.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "exec/exec_testing.h"

namespace converge::exec {
namespace {

using namespace testing;  // NOLINT: the exec test helpers
using std::chrono::milliseconds;
using testutil::ReadFile;
using testutil::TempDir;

ShimResult MustResult(const std::string& dir, int64_t id) {
  Result<ShimResult> result = ResultIn(dir, id);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : ShimResult{};
}

TEST(ShimTest, PropagatesTheExitCode) {
  TempDir dir;
  const int64_t before = NowMs();
  ASSERT_EQ(RunShimBinary(dir.path(), ShellJob(dir.path(), 1, "exit 3")), kShimOk);
  ShimResult result = MustResult(dir.path(), 1);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.signal, 0);
  EXPECT_FALSE(result.timed_out);
  EXPECT_FALSE(result.terminated);
  EXPECT_EQ(result.exec_error, "");
  EXPECT_GE(result.start_ms, before);
  EXPECT_GE(result.end_ms, result.start_ms);
  // The lock holds the shim's pid; the temp file is gone after the rename.
  EXPECT_NE(ReadFile(dir.path() + "/1.lock"), "");
  EXPECT_FALSE(Exists(dir.path() + "/1.result.json.tmp"));
}

TEST(ShimTest, ReportsATaskKilledBySignal) {
  TempDir dir;
  ASSERT_EQ(RunShimBinary(dir.path(), ShellJob(dir.path(), 2, "kill -9 $$")), kShimOk);
  ShimResult result = MustResult(dir.path(), 2);
  EXPECT_EQ(result.signal, 9);
  EXPECT_EQ(result.exit_code, 137);
}

TEST(ShimTest, TasksOfAllRanksAppendToOneOutput) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 3, "echo out $RANK; echo err $RANK >&2; exit $RANK", 2);
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 3).exit_code, 1);  // the largest
  const std::string out = ReadFile(dir.path() + "/out");
  for (const char* line : {"out 0\n", "out 1\n", "err 0\n", "err 1\n"}) {
    EXPECT_NE(out.find(line), std::string::npos) << line << " missing in: " << out;
  }
}

TEST(ShimTest, SeparateStderrFile) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 4, "echo to-out; echo to-err >&2");
  spec.stderr_path = dir.path() + "/err";
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(ReadFile(dir.path() + "/out"), "to-out\n");
  EXPECT_EQ(ReadFile(dir.path() + "/err"), "to-err\n");
  struct stat info {};
  ASSERT_EQ(::stat((dir.path() + "/err").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
}

TEST(ShimTest, TheTaskGetsItsEnvironmentAndWorkingDirectory) {
  TempDir dir;
  ASSERT_EQ(::mkdir((dir.path() + "/work").c_str(), 0755), 0);
  ShimSpec spec = ShellJob(dir.path(), 5, "echo \"$GREETING\"; pwd; echo \"${HOME-unset}\"");
  spec.tasks[0].env.push_back("GREETING=hello world");
  spec.cwd = dir.path() + "/work";
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  // Only the spec's environment: HOME of the test process does not leak in.
  EXPECT_EQ(ReadFile(dir.path() + "/out"), "hello world\n" + dir.path() + "/work\nunset\n");
}

TEST(ShimTest, LooksProgramsUpInThePathOfTheTask) {
  TempDir dir;
  ASSERT_EQ(::mkdir((dir.path() + "/bin").c_str(), 0755), 0);
  const std::string tool = dir.Write("bin/my-tool", "#!/bin/sh\necho tool ran\n");
  ASSERT_EQ(::chmod(tool.c_str(), 0755), 0);
  ShimSpec spec = ShellJob(dir.path(), 6, "");
  spec.tasks[0].argv = {"my-tool"};
  spec.tasks[0].env = {"PATH=/nonexistent:" + dir.path() + "/bin:/usr/bin:/bin"};
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 6).exec_error, "");
  EXPECT_EQ(ReadFile(dir.path() + "/out"), "tool ran\n");
}

TEST(ShimTest, AMissingCommandIsAnExecErrorAndStopsTheOtherTasks) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 7, "sleep 100");
  spec.tasks.push_back({1, {"sh2-does-not-exist"}, {kTestPath}, {}});
  const auto begin = std::chrono::steady_clock::now();
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
  ShimResult result = MustResult(dir.path(), 7);
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_EQ(result.signal, 0);
  EXPECT_EQ(result.exec_error, "cannot execute 'sh2-does-not-exist': No such file or directory");
}

TEST(ShimTest, ANonExecutableFileIsPermissionDenied) {
  TempDir dir;
  const std::string script = dir.Write("script", "echo hi\n");
  ShimSpec spec = ShellJob(dir.path(), 8, "");
  spec.tasks[0].argv = {script};
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 8).exec_error,
            "cannot execute '" + script + "': Permission denied");
}

TEST(ShimTest, TheDeadlineStopsTheTasks) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 9, "exec sleep 100");
  spec.deadline_ms = NowMs() + 200;
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  ShimResult result = MustResult(dir.path(), 9);
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.terminated);
  EXPECT_EQ(result.signal, SIGTERM);
  EXPECT_GE(result.end_ms, spec.deadline_ms);
}

TEST(ShimTest, ATaskIgnoringSigtermIsKilledAfterTheGracePeriod) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 10, "trap '' TERM; sleep 100");
  spec.deadline_ms = NowMs() + 200;
  spec.grace_ms = 300;
  const auto begin = std::chrono::steady_clock::now();
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
  ShimResult result = MustResult(dir.path(), 10);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_EQ(result.exit_code, 128 + SIGKILL);
  EXPECT_GE(result.end_ms, spec.deadline_ms + spec.grace_ms);
}

TEST(ShimTest, APastDeadlineRunsNothing) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 11, "echo ran");
  spec.deadline_ms = NowMs() - 1000;
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_TRUE(MustResult(dir.path(), 11).timed_out);
  EXPECT_EQ(ReadFile(dir.path() + "/out"), "");
}

TEST(ShimTest, SigtermTerminatesTheTasks) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 12, "echo started; exec sleep 100");
  WriteSpec(dir.path(), spec);
  pid_t shim = SpawnShim(dir.path(), 12);
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(dir.path() + "/out") == "started\n"; }));
  ASSERT_EQ(::kill(shim, SIGTERM), 0);
  ASSERT_EQ(WaitShim(shim), kShimOk);
  ShimResult result = MustResult(dir.path(), 12);
  EXPECT_TRUE(result.terminated);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.signal, SIGTERM);
}

TEST(ShimTest, RunsNothingWhileAnotherHoldsTheLock) {
  TempDir dir;
  const int fd = ::open((dir.path() + "/13.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  ShimSpec spec = ShellJob(dir.path(), 13, "echo ran > " + dir.path() + "/ran");
  EXPECT_EQ(RunShimBinary(dir.path(), spec), kShimLockBusy);
  EXPECT_FALSE(Exists(dir.path() + "/ran"));
  EXPECT_FALSE(Exists(dir.path() + "/13.result.json"));
  ::close(fd);
}

TEST(ShimTest, RunsNothingWhenTheJobAlreadyHasAResult) {
  TempDir dir;
  dir.Write("14.result.json", ToJson(ShimResult{}));
  ShimSpec spec = ShellJob(dir.path(), 14, "echo ran > " + dir.path() + "/ran");
  EXPECT_EQ(RunShimBinary(dir.path(), spec), kShimLockBusy);
  EXPECT_FALSE(Exists(dir.path() + "/ran"));
}

TEST(ShimTest, AMissingSpecRunsNothingAndWritesNothing) {
  TempDir dir;
  EXPECT_EQ(WaitShim(SpawnShim(dir.path(), 15)), kShimBadSpec);
  EXPECT_FALSE(Exists(dir.path() + "/15.result.json"));
}

TEST(ShimTest, AnInvalidSpecIsReportedInTheResult) {
  TempDir dir;
  dir.Write("16.spec.json", R"({"job_id": 16, "tasks": [{"argv": []}]})");
  EXPECT_EQ(WaitShim(SpawnShim(dir.path(), 16)), kShimBadSpec);
  ShimResult result = MustResult(dir.path(), 16);
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_EQ(result.exec_error, "invalid spec 16.spec.json: tasks[0].argv: must not be empty");
}

TEST(ShimTest, AnUnopenableOutputRunsNothing) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 17, "echo ran > " + dir.path() + "/ran");
  spec.stdout_path = dir.path() + "/missing/out";
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  ShimResult result = MustResult(dir.path(), 17);
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_EQ(result.exec_error,
            "cannot open output " + spec.stdout_path + ": No such file or directory");
  EXPECT_FALSE(Exists(dir.path() + "/ran"));
}

TEST(ShimTest, BindsATaskToItsCpus) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 18, "grep Cpus_allowed_list /proc/self/status");
  spec.tasks[0].cpus = {0};
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(ReadFile(dir.path() + "/out"), "Cpus_allowed_list:\t0\n");
}

TEST(ShimTest, UsageErrors) {
  std::string bin = CONVERGE_SHIM_BIN;
  char* argv[] = {bin.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, bin.c_str(), nullptr, nullptr, argv, environ), 0);
  EXPECT_EQ(WaitShim(pid), kShimUsage);
}

// A throwaway system user, deleted at the end of the test.
class ThrowawayUser {
 public:
  ThrowawayUser() : name_("converge-test-" + std::to_string(::getpid())) {
    if (std::system(("useradd -M -r " + name_ + " 2>/dev/null").c_str()) != 0) return;
    if (passwd* entry = ::getpwnam(name_.c_str())) {
      uid_ = entry->pw_uid;
      gid_ = entry->pw_gid;
    }
  }
  ~ThrowawayUser() {
    if (uid_ >= 0) (void)!std::system(("userdel " + name_ + " 2>/dev/null").c_str());
  }
  bool ok() const { return uid_ > 0; }
  int64_t uid() const { return uid_; }
  int64_t gid() const { return gid_; }

 private:
  std::string name_;
  int64_t uid_ = -1;
  int64_t gid_ = -1;
};

TEST(ShimTest, RunsTasksAsTheJobsUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  if (std::system("command -v useradd >/dev/null 2>&1") != 0) GTEST_SKIP() << "no useradd";
  ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << "useradd failed";
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 19, "id -u; id -G");
  spec.cwd = "/";
  spec.uid = user.uid();
  spec.gid = user.gid();
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 19).exec_error, "");
  EXPECT_EQ(ReadFile(dir.path() + "/out"),
            std::to_string(user.uid()) + "\n" + std::to_string(user.gid()) + "\n");
  struct stat info {};
  ASSERT_EQ(::stat((dir.path() + "/out").c_str(), &info), 0);
  EXPECT_EQ(static_cast<int64_t>(info.st_uid), user.uid());  // created by the shim: theirs

  // The working directory is entered as the user: a root-only one is refused.
  ShimSpec private_dir = ShellJob(dir.path(), 20, "pwd");
  private_dir.cwd = dir.path();  // mkdtemp: 0700 root
  private_dir.uid = user.uid();
  private_dir.gid = user.gid();
  ASSERT_EQ(RunShimBinary(dir.path(), private_dir), kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 20).exec_error,
            "cannot change to directory '" + dir.path() + "': Permission denied");

  // A missing command is reported through the exec-error pipe.
  ShimSpec missing = ShellJob(dir.path(), 21, "");
  missing.tasks[0].argv = {"sh2-does-not-exist"};
  missing.cwd = "/";
  missing.uid = user.uid();
  missing.gid = user.gid();
  ASSERT_EQ(RunShimBinary(dir.path(), missing), kShimOk);
  ShimResult result = MustResult(dir.path(), 21);
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_EQ(result.exec_error, "cannot execute 'sh2-does-not-exist': No such file or directory");
}

}  // namespace
}  // namespace converge::exec
