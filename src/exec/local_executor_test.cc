// LocalExecutor with real shims on a real io_context.
#include "exec/local_executor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "exec/exec_testing.h"
#include "exec/shim.h"

namespace converge::exec {
namespace {

using namespace testing;  // NOLINT: the exec test helpers
using testutil::ReadFile;
using testutil::TempDir;

class LocalExecutorTest : public ::testing::Test {
 protected:
  std::unique_ptr<LocalExecutor> Make(std::map<int64_t, Result<ShimResult>>* results) {
    return std::make_unique<LocalExecutor>(io_, LocalExecutorOptions{run_dir_, CONVERGE_SHIM_BIN},
                                           [results](int64_t id, Result<ShimResult> result) {
                                             EXPECT_EQ(results->count(id), 0u)
                                                 << "on_exit fired twice for job " << id;
                                             results->insert_or_assign(id, std::move(result));
                                           });
  }

  // Runs the io_context until `done` holds, at most `timeout`.
  template <typename Done>
  bool RunUntil(Done done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  ShimSpec Job(int64_t id, const std::string& script) { return ShellJob(dir_.path(), id, script); }

  std::string RunFile(const std::string& name) const { return run_dir_ + "/" + name; }

  // Waits until the shim of `id` took its lock and wrote its pid (it is running).
  bool ShimHoldsLock(int64_t id) {
    return WaitUntil([&] { return !ReadFile(RunFile(std::to_string(id) + ".lock")).empty(); });
  }

  boost::asio::io_context io_;
  TempDir dir_;
  std::string run_dir_ = dir_.path() + "/run";
  std::map<int64_t, Result<ShimResult>> results_;
};

TEST_F(LocalExecutorTest, RunsAJobAndReportsItsResult) {
  auto executor = Make(&results_);
  ASSERT_TRUE(executor->Start(Job(1, "echo hi; exit 3")).ok());
  EXPECT_EQ(executor->running_count(), 1u);
  ASSERT_TRUE(RunUntil([&] { return results_.count(1) != 0; }));
  ASSERT_TRUE(results_.at(1).ok()) << results_.at(1).status().ToString();
  EXPECT_EQ(results_.at(1)->exit_code, 3);
  EXPECT_EQ(executor->running_count(), 0u);
  EXPECT_EQ(ReadFile(dir_.path() + "/out"), "hi\n");
  executor->Forget(1);
  for (const char* name : {"1.spec.json", "1.lock", "1.result.json"}) {
    EXPECT_FALSE(Exists(RunFile(name))) << name;
  }
}

// The pid of the shim zygote serving `run_dir` (its command line names it), or 0.
pid_t ZygoteOf(const std::string& run_dir) {
  const std::string wanted = std::string("--zygote") + '\0' + run_dir + '\0';
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ReadFile(entry.path().string() + "/cmdline").find(wanted) != std::string::npos) {
      return static_cast<pid_t>(std::stol(name));
    }
  }
  return 0;
}

// Shims come from the executor's zygote; one that died is replaced, and no job is lost to it.
TEST_F(LocalExecutorTest, AShimZygoteThatDiedIsReplaced) {
  auto executor = Make(&results_);
  ASSERT_TRUE(executor->Start(Job(1, "exit 0")).ok());
  ASSERT_TRUE(RunUntil([&] { return results_.count(1) != 0; }));
  const pid_t first = ZygoteOf(run_dir_);
  ASSERT_GT(first, 0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(executor->Start(Job(2, "exit 4")).ok());
  ASSERT_TRUE(executor->Start(Job(3, "exit 5")).ok());
  ASSERT_TRUE(RunUntil([&] { return results_.count(2) != 0 && results_.count(3) != 0; }));
  ASSERT_TRUE(results_.at(2).ok()) << results_.at(2).status().ToString();
  EXPECT_EQ(results_.at(2)->exit_code, 4);
  ASSERT_TRUE(results_.at(3).ok()) << results_.at(3).status().ToString();
  EXPECT_EQ(results_.at(3)->exit_code, 5);
  const pid_t second = ZygoteOf(run_dir_);
  EXPECT_GT(second, 0);
  EXPECT_NE(second, first);
}

TEST_F(LocalExecutorTest, TerminateStopsTheJob) {
  auto executor = Make(&results_);
  ASSERT_TRUE(executor->Start(Job(2, "exec sleep 100")).ok());
  ASSERT_TRUE(ShimHoldsLock(2));
  executor->Terminate(2);
  executor->Terminate(99);  // unknown: no-op
  ASSERT_TRUE(RunUntil([&] { return results_.count(2) != 0; }));
  ASSERT_TRUE(results_.at(2).ok()) << results_.at(2).status().ToString();
  EXPECT_TRUE(results_.at(2)->terminated);
}

TEST_F(LocalExecutorTest, TerminateRightAfterStartStillEndsTheJob) {
  auto executor = Make(&results_);
  ASSERT_TRUE(executor->Start(Job(3, "exec sleep 100")).ok());
  executor->Terminate(3);
  ASSERT_TRUE(RunUntil([&] { return results_.count(3) != 0; }));
  ASSERT_TRUE(results_.at(3).ok()) << results_.at(3).status().ToString();
  EXPECT_TRUE(results_.at(3)->terminated);
}

TEST_F(LocalExecutorTest, AMissingShimBinaryIsAStartError) {
  LocalExecutor executor(io_, LocalExecutorOptions{run_dir_, dir_.path() + "/no-shim"},
                         [](int64_t, Result<ShimResult>) { FAIL() << "no job ran"; });
  Status status = executor.Start(Job(4, "true"));
  EXPECT_EQ(status.code(), Code::kInternal);
  EXPECT_NE(status.message().find("No such file or directory"), std::string::npos)
      << status.ToString();
  EXPECT_EQ(executor.running_count(), 0u);
}

TEST_F(LocalExecutorTest, AnInvalidSpecComesBackAsAnExecError) {
  auto executor = Make(&results_);
  ShimSpec spec = Job(5, "true");
  spec.uid = 5;  // without a gid: the shim refuses the spec and says why in the result
  ASSERT_TRUE(executor->Start(spec).ok());
  ASSERT_TRUE(RunUntil([&] { return results_.count(5) != 0; }));
  ASSERT_TRUE(results_.at(5).ok()) << results_.at(5).status().ToString();
  EXPECT_EQ(results_.at(5)->exec_error, "invalid spec 5.spec.json: gid: required when uid is set");
}

TEST_F(LocalExecutorTest, AShimThatLeavesNoResultIsAnError) {
  LocalExecutor executor(io_, LocalExecutorOptions{run_dir_, "/bin/false"},
                         [this](int64_t id, Result<ShimResult> result) {
                           results_.insert_or_assign(id, std::move(result));
                         });
  ASSERT_TRUE(executor.Start(Job(12, "true")).ok());
  ASSERT_TRUE(RunUntil([&] { return results_.count(12) != 0; }));
  ASSERT_FALSE(results_.at(12).ok());
  const std::string message = results_.at(12).status().message();
  EXPECT_EQ(message.rfind("the job's shim (pid ", 0), 0u) << message;
  const std::string tail = ") exited without a result (exit status 1)";
  EXPECT_EQ(message.substr(message.size() - std::min(message.size(), tail.size())), tail)
      << message;
}

TEST_F(LocalExecutorTest, KeepsTheShimLogWhenAsked) {
  LocalExecutor executor(io_, LocalExecutorOptions{run_dir_, CONVERGE_SHIM_BIN, true},
                         [this](int64_t id, Result<ShimResult> result) {
                           results_.insert_or_assign(id, std::move(result));
                         });
  // A job that already has a result: the shim runs nothing and says so in its log, and the
  // executor reports the result that was there.
  ASSERT_EQ(::mkdir(run_dir_.c_str(), 0700) == 0 || errno == EEXIST, true);
  ShimResult earlier;
  earlier.exit_code = 6;
  ASSERT_TRUE(WriteFileAtomicAt(AT_FDCWD, RunFile("13.result.json"), ToJson(earlier), false).ok());
  ASSERT_TRUE(executor.Start(Job(13, "echo ran")).ok());
  ASSERT_TRUE(RunUntil([&] { return results_.count(13) != 0; }));
  ASSERT_TRUE(results_.at(13).ok()) << results_.at(13).status().ToString();
  EXPECT_EQ(results_.at(13)->exit_code, 6);
  EXPECT_EQ(ReadFile(dir_.path() + "/out"), "");
  EXPECT_NE(ReadFile(RunFile("13.shim.log")).find("already has a result"), std::string::npos);
  executor.Forget(13);
  EXPECT_FALSE(Exists(RunFile("13.shim.log")));
}

TEST_F(LocalExecutorTest, ReattachFollowsAShimThatStillRuns) {
  std::map<int64_t, Result<ShimResult>> first_results;
  auto first = Make(&first_results);  // the instance before its "restart"
  ASSERT_TRUE(first->Start(Job(6, "sleep 1; echo done")).ok());
  ASSERT_TRUE(ShimHoldsLock(6));

  auto second = Make(&results_);  // the instance after it
  LocalExecutor::Reattached fate = second->Reattach(6);
  EXPECT_EQ(fate.state, LocalExecutor::ReattachState::kRunning);
  EXPECT_EQ(second->running_count(), 1u);
  ASSERT_TRUE(RunUntil([&] { return results_.count(6) != 0; }));
  ASSERT_TRUE(results_.at(6).ok()) << results_.at(6).status().ToString();
  EXPECT_EQ(results_.at(6)->exit_code, 0);
  EXPECT_EQ(ReadFile(dir_.path() + "/out"), "done\n");                 // ran once
  ASSERT_TRUE(RunUntil([&] { return first_results.count(6) != 0; }));  // reaps its child
}

TEST_F(LocalExecutorTest, ReattachReadsTheResultOfAFinishedJob) {
  {
    std::map<int64_t, Result<ShimResult>> first_results;
    auto first = Make(&first_results);
    ASSERT_TRUE(first->Start(Job(7, "exit 4")).ok());
    ASSERT_TRUE(RunUntil([&] { return first_results.count(7) != 0; }));
  }  // the instance died before recording the end: no Forget
  auto second = Make(&results_);
  LocalExecutor::Reattached fate = second->Reattach(7);
  ASSERT_EQ(fate.state, LocalExecutor::ReattachState::kFinished);
  EXPECT_EQ(fate.result.exit_code, 4);
  EXPECT_EQ(second->running_count(), 0u);
  // The lock is held until Forget: a shim started now would not run the job again.
  EXPECT_EQ(WaitShim(SpawnShim(run_dir_, 7)), kShimLockBusy);
  second->Forget(7);
  EXPECT_FALSE(Exists(RunFile("7.lock")));
}

TEST_F(LocalExecutorTest, ReattachDeclaresAJobWithoutShimOrResultLost) {
  auto executor = Make(&results_);
  LocalExecutor::Reattached fate = executor->Reattach(8);
  EXPECT_EQ(fate.state, LocalExecutor::ReattachState::kLost);
  // A shim that starts late (spawned just before the crash) finds the lock taken.
  WriteSpec(run_dir_, Job(8, "echo ran > " + dir_.path() + "/ran"));
  EXPECT_EQ(WaitShim(SpawnShim(run_dir_, 8)), kShimLockBusy);
  EXPECT_FALSE(Exists(dir_.path() + "/ran"));
  executor->Forget(8);
  // After Forget the spec is gone too: a shim later still runs nothing.
  EXPECT_EQ(WaitShim(SpawnShim(run_dir_, 8)), kShimBadSpec);
  EXPECT_FALSE(Exists(dir_.path() + "/ran"));
  io_.restart();
  io_.poll();
  EXPECT_TRUE(results_.empty());
}

TEST_F(LocalExecutorTest, AKeptLockOnAReplacedLockFileIsGivenUp) {
  auto executor = Make(&results_);
  ASSERT_EQ(executor->Reattach(15).state, LocalExecutor::ReattachState::kLost);
  // Someone removes and recreates 15.lock: the lock kept on the old file guards nothing now.
  ASSERT_EQ(::unlink(RunFile("15.lock").c_str()), 0);
  ASSERT_EQ(executor->Reattach(15).state, LocalExecutor::ReattachState::kLost);
  // The executor holds the lock of the current 15.lock: a late shim still runs nothing.
  WriteSpec(run_dir_, Job(15, "echo ran > " + dir_.path() + "/ran"));
  EXPECT_EQ(WaitShim(SpawnShim(run_dir_, 15)), kShimLockBusy);
  EXPECT_FALSE(Exists(dir_.path() + "/ran"));
}

TEST_F(LocalExecutorTest, StartAfterALostReattachRunsTheJob) {
  auto executor = Make(&results_);
  ASSERT_EQ(executor->Reattach(9).state, LocalExecutor::ReattachState::kLost);
  ASSERT_TRUE(executor->Start(Job(9, "echo ran")).ok());  // releases the kept lock
  ASSERT_TRUE(RunUntil([&] { return results_.count(9) != 0; }));
  ASSERT_TRUE(results_.at(9).ok()) << results_.at(9).status().ToString();
  EXPECT_EQ(ReadFile(dir_.path() + "/out"), "ran\n");
}

TEST_F(LocalExecutorTest, AForgottenRunningJobIsNotReportedAndCleansUp) {
  auto executor = Make(&results_);
  ASSERT_TRUE(executor->Start(Job(10, "sleep 0.2; echo done")).ok());
  ASSERT_TRUE(ShimHoldsLock(10));  // it read its spec: it will run and write a result
  executor->Forget(10);
  EXPECT_EQ(executor->running_count(), 0u);
  EXPECT_FALSE(Exists(RunFile("10.spec.json")));
  // When the shim ends, the files it wrote meanwhile are removed and nothing is reported.
  ASSERT_TRUE(RunUntil([&] { return ReadFile(dir_.path() + "/out") == "done\n"; }));
  RunUntil([] { return false; }, std::chrono::milliseconds(300));
  EXPECT_TRUE(results_.empty());
  EXPECT_FALSE(Exists(RunFile("10.result.json")));
  EXPECT_FALSE(Exists(RunFile("10.lock")));
}

TEST_F(LocalExecutorTest, RejectsASecondStartOfARunningJob) {
  auto executor = Make(&results_);
  ASSERT_TRUE(executor->Start(Job(11, "sleep 0.1")).ok());
  EXPECT_EQ(executor->Start(Job(11, "sleep 0.1")).code(), Code::kInvalidArgument);
  ASSERT_TRUE(RunUntil([&] { return results_.count(11) != 0; }));
}

// Regression: asio recycles a closed descriptor's reactor state at once, and events still
// queued for the closed descriptor then complete a wait on the next one opened — here the
// shim's pidfd. The executor must not take that for the shim's end.
TEST_F(LocalExecutorTest, ASpuriousWakeUpIsNotTakenForTheEndOfTheShim) {
  auto executor = Make(&results_);
  int first[2], second[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, first), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, second), 0);
  using Descriptor = boost::asio::posix::stream_descriptor;
  auto a = std::make_unique<Descriptor>(io_, first[0]);
  auto b = std::make_unique<Descriptor>(io_, second[0]);
  ASSERT_EQ(::write(first[1], "x", 1), 1);
  ASSERT_EQ(::write(second[1], "x", 1), 1);
  bool started = false;
  // Both become ready in one epoll batch; whichever handler runs first closes the other
  // (whose event is already queued) and starts the job: its pidfd reuses the closed state.
  auto on_ready = [&](std::unique_ptr<Descriptor>& other) {
    return [&](const boost::system::error_code& error) {
      if (error || started) return;
      other.reset();
      started = true;
      ASSERT_TRUE(executor->Start(Job(14, "sleep 0.2; echo done")).ok());
    };
  };
  a->async_wait(Descriptor::wait_read, on_ready(b));
  b->async_wait(Descriptor::wait_read, on_ready(a));
  ASSERT_TRUE(RunUntil([&] { return results_.count(14) != 0; }));
  ASSERT_TRUE(results_.at(14).ok()) << results_.at(14).status().ToString();
  EXPECT_EQ(results_.at(14)->exit_code, 0);
  EXPECT_EQ(ReadFile(dir_.path() + "/out"), "done\n");
  // The executor reaped its shim as its own child: it was not fooled into following it as a
  // stranger (which would also leave a zombie behind).
  const pid_t shim = static_cast<pid_t>(std::atoi(ReadFile(RunFile("14.lock")).c_str()));
  ASSERT_GT(shim, 0);
  EXPECT_EQ(::waitpid(shim, nullptr, WNOHANG), -1);
  a.reset();
  b.reset();
  for (int fd : {first[1], second[1]}) ::close(fd);
}

// Not a correctness test: prints how many /bin/true jobs per second the executor runs.
// Run with --gtest_also_run_disabled_tests --gtest_filter='*SpawnRate*'.
// CONVERGE_EXEC_BENCH_DIR=/dev/shm puts the run folder there (default: the test's temp dir);
// CONVERGE_EXEC_BENCH_IN_FLIGHT caps the jobs running at once (default 64).
TEST_F(LocalExecutorTest, DISABLED_SpawnRate) {
  if (const char* base = std::getenv("CONVERGE_EXEC_BENCH_DIR")) {
    run_dir_ = std::string(base) + "/converge-exec-bench-" + std::to_string(::getpid());
  }
  auto executor = Make(&results_);
  const int jobs = 3000;
  const char* flight = std::getenv("CONVERGE_EXEC_BENCH_IN_FLIGHT");
  const size_t in_flight = flight != nullptr ? std::strtoul(flight, nullptr, 10) : 64;
  int started = 0;
  size_t finished = 0;
  std::chrono::steady_clock::duration in_start{};
  const auto begin = std::chrono::steady_clock::now();
  while (finished < static_cast<size_t>(jobs)) {
    while (started < jobs && executor->running_count() < in_flight) {
      ShimSpec spec;
      spec.job_id = ++started;
      spec.tasks.push_back({0, {"/bin/true"}, {kTestPath}, {}});
      const auto before = std::chrono::steady_clock::now();
      ASSERT_TRUE(executor->Start(spec).ok());
      in_start += std::chrono::steady_clock::now() - before;
    }
    io_.restart();
    io_.run_one_for(std::chrono::seconds(10));
    for (auto& [id, result] : results_) {
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      executor->Forget(id);
      ++finished;
    }
    results_.clear();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::printf(
      "LocalExecutor: %d jobs of /bin/true in %.3f s = %.0f jobs/s (%zu in flight, %s); "
      "Start() took %.1f us on average\n",
      jobs, seconds, jobs / seconds, in_flight, run_dir_.c_str(),
      std::chrono::duration<double, std::micro>(in_start).count() / jobs);
  ::rmdir(run_dir_.c_str());
}

}  // namespace
}  // namespace converge::exec
