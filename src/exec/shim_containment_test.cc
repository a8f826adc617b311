// Issue 9, item 9: no process a job started outlives it. Runs the real converge-shim binary
// under both containments: a cgroup v2 subtree (skipped with a message where the machine has
// none the shim may write) and the subreaper + process-group fallback.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "exec/cgroup_container.h"
#include "exec/exec_testing.h"
#include "exec/shim.h"
#include "exec/task_launcher.h"
#include "tests/testutil/processes.h"

namespace converge::exec {
namespace {

using namespace testing;  // NOLINT: the exec test helpers
using testutil::NoProcessRunning;
using testutil::ProcessAppears;
using testutil::ProcessesRunning;
using testutil::ProcessSweep;
using testutil::ReadFile;
using testutil::TempDir;

// Waits (bounded) until no process runs `argv`; true if none is left.
bool NoneLeft(const std::vector<std::string>& argv) { return NoProcessRunning(argv); }

struct Mode {
  std::string containment;  // ShimSpec::containment
  int sleep_base;           // distinct sleep durations per mode: survivors are told apart
};

void PrintTo(const Mode& mode, std::ostream* out) {
  *out << (mode.containment.empty() ? "auto" : mode.containment);
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path) << text << std::flush;
}

// A cgroup v1 freezer group for the test; thawed, emptied and removed at the end.
class FreezerGroup {
 public:
  explicit FreezerGroup(std::string path) : path_(std::move(path)) {
    ok_ = ::mkdir(path_.c_str(), 0755) == 0;
  }
  ~FreezerGroup() {
    if (!ok_) return;
    WriteText(path_ + "/freezer.state", "THAWED");
    for (int pid : Pids()) ::kill(pid, SIGKILL);
    WaitUntil([&] { return Pids().empty(); });
    ::rmdir(path_.c_str());
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  std::vector<int> Pids() const {
    std::ifstream file(path_ + "/cgroup.procs");
    std::vector<int> pids;
    for (int pid; file >> pid;) pids.push_back(pid);
    return pids;
  }
  std::string path_;
  bool ok_ = false;
};

class ShimContainmentTest : public ::testing::TestWithParam<Mode> {
 protected:
  ShimSpec Job(const std::string& dir, int64_t id, const std::string& script) {
    ShimSpec spec = ShellJob(dir, id, script);
    spec.containment = GetParam().containment;
    return spec;
  }
  std::vector<std::string> Sleep(int offset) {
    return {"sleep", std::to_string(GetParam().sleep_base + offset)};
  }
  // Skips a cgroup run where the shim fell back to the subreaper.
  void SkipUnlessContainedAsAsked(const ShimResult& result) {
    if (GetParam().containment.empty() && result.container.rfind("cgroup2 ", 0) != 0) {
      GTEST_SKIP() << "no cgroup v2 subtree for the shim here (it used '" << result.container
                   << "'); the subreaper run covers this case";
    }
  }
};

// (a) A background process of a task that exits is gone when the job ends.
TEST_P(ShimContainmentTest, ABackgroundProcessOfAFinishedTaskIsGoneAtJobEnd) {
  TempDir dir;
  const std::vector<std::string> sleep = Sleep(7);
  ProcessSweep sweep(sleep);
  ShimSpec spec = Job(dir.path(), 1, "sleep " + sleep[1] + " & exit 0");
  const auto begin = std::chrono::steady_clock::now();
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
  Result<ShimResult> result = ResultIn(dir.path(), 1);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  SkipUnlessContainedAsAsked(*result);
  EXPECT_EQ(result->exit_code, 0);  // the leftover's death is not the job's
  EXPECT_EQ(result->signal, 0);
  EXPECT_FALSE(result->terminated);
  EXPECT_EQ(result->stray_processes, 0);
  EXPECT_TRUE(NoneLeft(sleep)) << "'sleep " << sleep[1] << "' outlived its job";
}

// (b) Cancel: the leader dies of SIGTERM; its grandchild ignores SIGTERM and must not stay.
TEST_P(ShimContainmentTest, AGrandchildIgnoringSigtermIsGoneAfterACancel) {
  TempDir dir;
  const std::vector<std::string> sleep = Sleep(8);
  ProcessSweep sweep(sleep);
  ShimSpec spec =
      Job(dir.path(), 2, "(trap '' TERM; sleep " + sleep[1] + ") & echo started; wait");
  WriteSpec(dir.path(), spec);
  const pid_t shim = SpawnShim(dir.path(), 2);
  ASSERT_TRUE(WaitUntil([&] {
    return ReadFile(dir.path() + "/out") == "started\n" && !ProcessesRunning(sleep).empty();
  }));
  ASSERT_EQ(::kill(shim, SIGTERM), 0);
  ASSERT_EQ(WaitShim(shim), kShimOk);
  Result<ShimResult> result = ResultIn(dir.path(), 2);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  SkipUnlessContainedAsAsked(*result);
  EXPECT_TRUE(result->terminated);
  EXPECT_EQ(result->signal, SIGTERM);  // the leader's death
  EXPECT_TRUE(NoneLeft(sleep)) << "'sleep " << sleep[1] << "' (ignoring SIGTERM) outlived the cancel";
}

// (c) A child in a session (and process group) of its own is gone at job end.
TEST_P(ShimContainmentTest, ASetsidChildIsGoneAtJobEnd) {
  TempDir dir;
  const std::vector<std::string> sleep = Sleep(9);
  ProcessSweep sweep(sleep);
  // The task waits until the child has left its session, so that it has really escaped.
  ShimSpec spec = Job(dir.path(), 3,
                      "setsid sleep " + sleep[1] + " & child=$!; "
                      "while [ \"$(ps -o sid= -p $child)\" = \"$(ps -o sid= -p $$)\" ]; do :; done");
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  Result<ShimResult> result = ResultIn(dir.path(), 3);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  SkipUnlessContainedAsAsked(*result);
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_TRUE(NoneLeft(sleep)) << "'setsid sleep " << sleep[1] << "' outlived its job";
}

// A job whose processes are all gone costs nothing extra: no grace period is waited.
TEST_P(ShimContainmentTest, AJobWithoutLeftoversEndsAtOnce) {
  TempDir dir;
  ShimSpec spec = Job(dir.path(), 4, "exit 0");
  spec.grace_ms = 60000;  // were a stop started for nothing, the test would overrun
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  Result<ShimResult> result = ResultIn(dir.path(), 4);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  SkipUnlessContainedAsAsked(*result);
  EXPECT_EQ(result->exit_code, 0);
  if (result->container.rfind("cgroup2 ", 0) == 0) {
    EXPECT_FALSE(Exists(result->container.substr(8))) << "the job's cgroup was not removed";
  }
}

// A process that outlives SIGKILL (here: frozen by the cgroup v1 freezer, as if in D state)
// does not hang the shim: it gives up after kill_wait_ms and records it.
TEST_P(ShimContainmentTest, AProcessThatOutlivesSigkillIsRecordedNotWaitedForever) {
  const std::string freezer = "/sys/fs/cgroup/freezer";
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (cgroup v1 freezer)";
  if (::access((freezer + "/cgroup.procs").c_str(), W_OK) != 0) {
    GTEST_SKIP() << "no writable cgroup v1 freezer at " << freezer
                 << ": cannot make a process survive SIGKILL";
  }
  TempDir dir;
  const std::vector<std::string> sleep = Sleep(10);
  FreezerGroup frozen(freezer + "/converge-test-" + std::to_string(::getpid()));
  ASSERT_TRUE(frozen.ok()) << frozen.path() << ": " << ErrnoText(errno);
  const std::string frozen_dir = frozen.path();
  const std::string fifo = dir.path() + "/go";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ShimSpec spec = Job(dir.path(), 5, "sleep " + sleep[1] + " & echo $!; read line < " + fifo);
  spec.kill_wait_ms = 300;
  WriteSpec(dir.path(), spec);
  const pid_t shim = SpawnShim(dir.path(), 5);
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(dir.path() + "/out").find('\n') != std::string::npos; }));
  const std::string pid = ReadFile(dir.path() + "/out");
  auto write = WriteText;
  write(frozen_dir + "/cgroup.procs", pid);
  write(frozen_dir + "/freezer.state", "FROZEN");
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(frozen_dir + "/freezer.state") == "FROZEN\n"; }));
  write(fifo, "go\n");  // the task ends; its frozen child is left behind
  const auto begin = std::chrono::steady_clock::now();
  const int code = WaitShim(shim);
  const auto took = std::chrono::steady_clock::now() - begin;
  Result<ShimResult> result = ResultIn(dir.path(), 5);
  write(frozen_dir + "/freezer.state", "THAWED");  // the pending SIGKILL ends it now
  EXPECT_TRUE(NoneLeft(sleep));
  ASSERT_EQ(code, kShimOk);
  EXPECT_LT(took, std::chrono::seconds(5));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->stray_processes, 1);
  EXPECT_EQ(result->exit_code, 0);
  if (result->container.rfind("cgroup2 ", 0) == 0) {
    // Left in place while populated; empty now, so the test removes it (and the parent, if
    // no other job uses it).
    const std::string job_cgroup = result->container.substr(8);
    EXPECT_TRUE(WaitUntil([&] { return ::rmdir(job_cgroup.c_str()) == 0; }));
    ::rmdir(job_cgroup.substr(0, job_cgroup.rfind('/')).c_str());
  }
}

INSTANTIATE_TEST_SUITE_P(, ShimContainmentTest,
                         ::testing::Values(Mode{"", 3000}, Mode{"subreaper", 3100}),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return info.param.containment.empty() ? std::string("Cgroup")
                                                                 : std::string("Subreaper");
                         });

// The paths of older kernels, on the container and the launcher: no CLONE_INTO_CGROUP (the
// forked task joins the cgroup itself before exec) and no cgroup.kill (freeze + kill each).
TEST(CgroupContainerTest, JoinFromTheChildAndFreezeAndKillEndEveryProcess) {
  CgroupOptions options;
  options.use_kill_file = false;
  Result<std::unique_ptr<CgroupContainer>> container = CgroupContainer::Create(900, options);
  if (!container.ok()) {
    GTEST_SKIP() << "no cgroup v2 subtree here: " << container.status().ToString();
  }
  const std::vector<std::string> sleep = {"sleep", "3211"};
  ProcessSweep sweep(sleep);
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  ASSERT_GE(null_fd, 0);
  LaunchSetup setup;
  setup.stdin_fd = setup.stdout_fd = setup.stderr_fd = null_fd;
  setup.cgroup_fd = (*container)->cgroup_fd();
  setup.cgroup_procs_fd = (*container)->cgroup_procs_fd();
  setup.clone_into_cgroup = false;
  {
    TaskLauncher launcher(setup);
    Result<pid_t> task = launcher.Launch({0, {"sh", "-c", "setsid sleep 3211 &"}, {kTestPath}, {}});
    ASSERT_TRUE(task.ok()) << task.status().ToString();
  }
  ::close(null_fd);
  ASSERT_TRUE(ProcessAppears(sleep));
  EXPECT_FALSE((*container)->Empty());
  (*container)->Signal(SIGKILL, 0);
  ASSERT_TRUE(WaitUntil([&] {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    return ProcessesRunning(sleep).empty();
  }));
  // The sleep was no child of ours: only the cgroup could find it.
  EXPECT_TRUE(WaitUntil([&] { return (*container)->Empty(); }));
  const std::string path = (*container)->path();
  EXPECT_TRUE((*container)->Release().ok());
  EXPECT_FALSE(Exists(path));
}

TEST(CgroupContainerTest, OwnCgroupDirIsUnderTheCgroup2Mount) {
  Result<std::string> dir = OwnCgroupDir();
  if (!dir.ok()) GTEST_SKIP() << "no cgroup v2 here: " << dir.status().ToString();
  EXPECT_TRUE(Exists(*dir + "/cgroup.procs")) << *dir;
}

}  // namespace
}  // namespace converge::exec
