// Runs the real converge-shim binary on real processes.
#include "exec/shim.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "exec/exec_testing.h"
#include "tests/testutil/throwaway_user.h"

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

// The static shim links no libpmix: a job that needs PMIx fails to start, saying why, rather
// than run its MPI ranks as singletons.
TEST(ShimTest, AJobAskingForPmixIsRefusedByTheStaticShim) {
  TempDir dir;
  ShimSpec spec = ShellJob(dir.path(), 9, "echo ran > " + dir.path() + "/ran");
  spec.pmi = {"pmix"};
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  ShimResult result = MustResult(dir.path(), 9);
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_NE(result.exec_error.find("asks for PMIx"), std::string::npos) << result.exec_error;
  EXPECT_NE(::access((dir.path() + "/ran").c_str(), F_OK), 0) << "a task ran";
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

// A folder another user may write in (the run folder, a TempDir, is root's and 0700).
class UserFolder {
 public:
  explicit UserFolder(const testutil::ThrowawayUser& user) : path_(outer_.path() + "/theirs") {
    ::chmod(outer_.path().c_str(), 0711);
    ::mkdir(path_.c_str(), 0700);
    EXPECT_EQ(::chown(path_.c_str(), user.uid(), user.gid()), 0);
  }
  const std::string& path() const { return path_; }

 private:
  TempDir outer_;
  std::string path_;
};

ShimSpec AsUser(ShimSpec spec, const testutil::ThrowawayUser& user) {
  spec.uid = user.uid();
  spec.gid = user.gid();
  return spec;
}

TEST(ShimTest, RunsTasksAsTheJobsUser) {
  testutil::ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  TempDir dir;
  UserFolder theirs(user);
  ShimSpec spec = AsUser(ShellJob(theirs.path(), 19, "id -u; id -G"), user);
  spec.cwd = "/";
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 19).exec_error, "");
  EXPECT_EQ(ReadFile(theirs.path() + "/out"),
            std::to_string(user.uid()) + "\n" + std::to_string(user.gid()) + "\n");
  struct stat info {};
  ASSERT_EQ(::stat((theirs.path() + "/out").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, user.uid());  // created with the user's rights: theirs

  // The working directory is entered as the user: a root-only one is refused.
  ShimSpec private_dir = AsUser(ShellJob(theirs.path(), 20, "pwd"), user);
  private_dir.cwd = dir.path();  // mkdtemp: 0700 root
  ASSERT_EQ(RunShimBinary(dir.path(), private_dir), kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 20).exec_error,
            "cannot change to directory '" + dir.path() + "': Permission denied");

  // A missing command is reported through the exec-error pipe.
  ShimSpec missing = AsUser(ShellJob(theirs.path(), 21, ""), user);
  missing.tasks[0].argv = {"sh2-does-not-exist"};
  missing.cwd = "/";
  ASSERT_EQ(RunShimBinary(dir.path(), missing), kShimOk);
  ShimResult result = MustResult(dir.path(), 21);
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_EQ(result.exec_error, "cannot execute 'sh2-does-not-exist': No such file or directory");
}

// Issue 9, item 2: a job's output paths are opened with its user's rights, so that a user
// cannot append to (or create) a file only root may write, directly or through a link.
TEST(ShimTest, Issue9OutputsAreOpenedWithTheUsersRights) {
  testutil::ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  TempDir dir;
  UserFolder theirs(user);
  TempDir root_only;  // 0700 root, inside a folder others may pass
  ::chmod(root_only.path().c_str(), 0755);
  const std::string secret = root_only.path() + "/secret";
  ASSERT_EQ(std::system(("echo root-only > " + secret + " && chmod 600 " + secret).c_str()), 0);
  const std::string link = theirs.path() + "/link";
  ASSERT_EQ(::symlink(secret.c_str(), link.c_str()), 0);
  const std::string created = root_only.path() + "/new";
  ::chmod(root_only.path().c_str(), 0755);  // others may enter, not create

  int64_t id = 30;
  for (const std::string& path : {secret, link, created}) {
    ShimSpec spec = AsUser(ShellJob(theirs.path(), id, "echo appended"), user);
    spec.cwd = "/";
    spec.stdout_path = spec.stderr_path = path;
    ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
    ShimResult result = MustResult(dir.path(), id);
    EXPECT_EQ(result.exit_code, 127) << path;
    EXPECT_EQ(result.exec_error, "cannot open output " + path + ": Permission denied");
    ++id;
  }
  EXPECT_EQ(ReadFile(secret), "root-only\n");
  EXPECT_FALSE(Exists(created));
}

// The instance's own default output files are opened by the shim itself (the user may not
// enter the instance's output folder), never through a link, created owner-only.
TEST(ShimTest, Issue9DefaultOutputsAreTheInstancesFilesNeverLinks) {
  testutil::ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  TempDir dir;
  TempDir output;  // 0700 root, like STATE/output
  ShimSpec spec = AsUser(ShellJob(output.path(), 40, "echo default"), user);
  spec.cwd = "/";
  spec.stdout_default = spec.stderr_default = true;
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 40).exec_error, "");
  EXPECT_EQ(ReadFile(output.path() + "/out"), "default\n");
  struct stat info {};
  ASSERT_EQ(::stat((output.path() + "/out").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 0u);
  EXPECT_EQ(info.st_mode & 07777, 0600u);

  const std::string target = output.path() + "/target";
  ASSERT_EQ(std::system(("echo kept > " + target).c_str()), 0);
  ShimSpec linked = AsUser(ShellJob(output.path(), 41, "echo through"), user);
  linked.cwd = "/";
  linked.stdout_path = linked.stderr_path = output.path() + "/linked";
  linked.stdout_default = linked.stderr_default = true;
  ASSERT_EQ(::symlink(target.c_str(), linked.stdout_path.c_str()), 0);
  ASSERT_EQ(RunShimBinary(dir.path(), linked), kShimOk);
  // The file is made at the first byte, never through the link: that output is dropped, and
  // the result says so (the instance refuses such a start before: JobManager).
  EXPECT_NE(MustResult(dir.path(), 41).output_error.find("cannot create output"),
            std::string::npos);
  EXPECT_EQ(ReadFile(target), "kept\n");
}

// Issue 12, item 4: a job's default output files exist only once it wrote something; every
// task's output reaches them through the shim, whole lines of each intact.
TEST(ShimTest, DefaultOutputFilesAppearOnlyWhenWrittenTo) {
  TempDir dir;
  TempDir output;
  auto with_defaults = [&](ShimSpec spec) {
    spec.stdout_path = output.path() + "/" + std::to_string(spec.job_id) + ".out";
    spec.stderr_path = output.path() + "/" + std::to_string(spec.job_id) + ".err";
    spec.stdout_default = spec.stderr_default = spec.fresh_outputs = true;
    return spec;
  };
  ASSERT_EQ(RunShimBinary(dir.path(), with_defaults(ShellJob(dir.path(), 60, "true", 2))),
            kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 60).output_error, "");
  EXPECT_FALSE(Exists(output.path() + "/60.out"));
  EXPECT_FALSE(Exists(output.path() + "/60.err"));

  ASSERT_EQ(RunShimBinary(dir.path(), with_defaults(ShellJob(dir.path(), 61,
                                                             "echo out $RANK; echo err >&2", 3))),
            kShimOk);
  std::string out = ReadFile(output.path() + "/61.out");
  std::sort(out.begin(), out.end());
  std::string expected = "out 0\nout 1\nout 2\n";
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(out, expected);
  EXPECT_EQ(ReadFile(output.path() + "/61.err"), "err\nerr\nerr\n");

  // A first start never appends to a file there already: the output is refused (the tasks'
  // writes after the first fail: OutputRelayTest), and the result says why.
  const std::string taken = output.path() + "/62.out";
  ASSERT_EQ(std::system(("echo old > " + taken).c_str()), 0);
  ASSERT_EQ(RunShimBinary(dir.path(), with_defaults(ShellJob(dir.path(), 62, "echo new"))),
            kShimOk);
  EXPECT_NE(MustResult(dir.path(), 62).output_error.find("another job's output"),
            std::string::npos);
  EXPECT_EQ(ReadFile(taken), "old\n");
}

// Issue 9, item 1: the shim runs nothing from a run folder or spec another user could have
// prepared or changed.
TEST(ShimTest, Issue9RefusesAnUntrustedRunFolderOrSpec) {
  TempDir dir;
  const std::string ran = dir.path() + "/ran";
  // A folder others may write in: refused before anything is read.
  ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  ASSERT_EQ(RunShimBinary(dir.path(), ShellJob(dir.path(), 50, "echo ran > " + ran)),
            kShimIoError);
  EXPECT_FALSE(Exists(ran));
  // A link to a good folder: refused.
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  TempDir other;
  const std::string link = other.path() + "/run";
  ASSERT_EQ(::symlink(dir.path().c_str(), link.c_str()), 0);
  WriteSpec(dir.path(), ShellJob(dir.path(), 51, "echo ran > " + ran));
  EXPECT_EQ(WaitShim(SpawnShim(link, 51)), kShimIoError);
  EXPECT_FALSE(Exists(ran));
  // A spec others may write: a result says why, nothing runs.
  WriteSpec(dir.path(), ShellJob(dir.path(), 52, "echo ran > " + ran));
  ASSERT_EQ(::chmod((dir.path() + "/52.spec.json").c_str(), 0666), 0);
  EXPECT_EQ(WaitShim(SpawnShim(dir.path(), 52)), kShimBadSpec);
  EXPECT_NE(MustResult(dir.path(), 52).exec_error.find("not trusted"), std::string::npos);
  // A spec that is a link (to a file of ours): not followed.
  WriteSpec(other.path(), ShellJob(dir.path(), 53, "echo ran > " + ran));
  ASSERT_EQ(::symlink((other.path() + "/53.spec.json").c_str(),
                      (dir.path() + "/53.spec.json").c_str()),
            0);
  EXPECT_EQ(WaitShim(SpawnShim(dir.path(), 53)), kShimBadSpec);
  EXPECT_FALSE(Exists(ran));
}

}  // namespace
}  // namespace converge::exec
