#include "exec/shim_zygote.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "exec/exec_testing.h"
#include "exec/shim.h"

namespace converge::exec {
namespace {

using namespace testing;  // NOLINT: the exec test helpers
using testutil::ReadFile;
using testutil::TempDir;

class ShimZygoteTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::mkdir(run_dir_.c_str(), 0700), 0); }

  TempDir dir_;
  std::string run_dir_ = dir_.path() + "/run";
};

TEST_F(ShimZygoteTest, ForksShimsThatAreOurChildren) {
  Result<std::unique_ptr<ShimZygote>> zygote = ShimZygote::Start(CONVERGE_SHIM_BIN, run_dir_);
  ASSERT_TRUE(zygote.ok()) << zygote.status().ToString();
  WriteSpec(run_dir_, ShellJob(dir_.path(), 1, "echo one"));
  Result<pid_t> first = (*zygote)->Fork(1, /*keep_log=*/false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  int status = 0;
  ASSERT_EQ(::waitpid(*first, &status, 0), *first);  // ours to reap, as if we had spawned it
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kShimOk);
  EXPECT_EQ(ReadFile(dir_.path() + "/out"), "one\n");
  Result<ShimResult> result = ResultIn(run_dir_, 1);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 0);
  // A job without a spec: the shim says so by its exit status, which we see.
  Result<pid_t> second = (*zygote)->Fork(2, /*keep_log=*/true);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(::waitpid(*second, &status, 0), *second);
  EXPECT_EQ(WEXITSTATUS(status), kShimBadSpec);
  EXPECT_NE(ReadFile(run_dir_ + "/" + ShimLogFileName(2)).find("no spec"), std::string::npos);
  EXPECT_FALSE((*zygote)->broken());
}

TEST_F(ShimZygoteTest, AZygoteThatDiedIsBroken) {
  Result<std::unique_ptr<ShimZygote>> zygote = ShimZygote::Start(CONVERGE_SHIM_BIN, run_dir_);
  ASSERT_TRUE(zygote.ok());
  ASSERT_EQ(::kill((*zygote)->pid(), SIGKILL), 0);
  Result<pid_t> pid = (*zygote)->Fork(3, false);
  EXPECT_FALSE(pid.ok());
  EXPECT_TRUE((*zygote)->broken());
}

TEST_F(ShimZygoteTest, RefusesToRunWithoutItsSocket) {
  // Run by hand, fd 3 is not the executor's socket: it says so and forks nothing.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(3);
    ::execl(CONVERGE_SHIM_BIN, CONVERGE_SHIM_BIN, "--zygote", run_dir_.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kShimUsage);
}

}  // namespace
}  // namespace converge::exec
