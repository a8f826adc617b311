// The PMI-1 server in the real converge-shim binary, spoken to by shell tasks over PMI_FD.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "exec/exec_testing.h"
#include "exec/shim.h"

namespace converge::exec {
namespace {

using namespace testing;  // NOLINT: the exec test helpers
using testutil::ReadFile;
using testutil::TempDir;

// Shell functions for the tasks: `pmi LINE` sends LINE and prints the reply.
constexpr const char* kPmi =
    "pmi() { echo \"$1\" >&$PMI_FD; read -r reply <&$PMI_FD; "
    "echo \"$RANK: $reply\"; }; ";

ShimResult MustResult(const std::string& dir, int64_t id) {
  Result<ShimResult> result = ResultIn(dir, id);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : ShimResult{};
}

// Both ways of starting tasks: fork (into the job's cgroup, where the shim can make one) and
// posix_spawn (containment "subreaper").
class PmiLaunchTest : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Containment, PmiLaunchTest, ::testing::Values("", "subreaper"),
                         [](const auto& info) {
                           return info.param.empty() ? std::string("Auto") : info.param;
                         });

TEST_P(PmiLaunchTest, EachTaskGetsItsOwnPmiDescriptorAndNoOther) {
  TempDir dir;
  // The shell's own descriptors, listed while it holds no pipe of a $(...): one socket, fd 3.
  const std::string fds = dir.path() + "/fds$RANK";
  ShimSpec spec =
      ShellJob(dir.path(), 1,
               "ls -l /proc/$$/fd > " + fds +
                   "; echo \"$RANK: fd=$PMI_FD "
                   "rank=$PMI_RANK size=$PMI_SIZE spawned=$PMI_SPAWNED sockets=$(grep -c "
                   "socket: " +
                   fds + ") fd3=$(readlink /proc/$$/fd/3 | cut -c1-7)\"",
               3);
  spec.tasks[1].env.push_back("PMI_FD=99");  // the shim's value wins
  spec.containment = GetParam();
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  const std::string out = ReadFile(dir.path() + "/out");
  for (int rank = 0; rank < 3; ++rank) {
    const std::string line = std::to_string(rank) + ": fd=3 rank=" + std::to_string(rank) +
                             " size=3 spawned=0 sockets=1 fd3=socket:";
    EXPECT_NE(out.find(line), std::string::npos) << line << " missing in:\n" << out;
  }
}

TEST(PmiShimTest, RanksExchangeValuesThroughPutBarrierGet) {
  TempDir dir;
  const std::string script =
      std::string(kPmi) +
      "pmi 'cmd=init pmi_version=1 pmi_subversion=1'; pmi cmd=get_my_kvsname; "
      "pmi \"cmd=put kvsname=converge.2 key=card$RANK value=hello-from-$RANK\"; "
      "pmi cmd=barrier_in; pmi \"cmd=get kvsname=converge.2 key=card$((1 - RANK))\"; "
      "pmi cmd=finalize";
  ASSERT_EQ(RunShimBinary(dir.path(), ShellJob(dir.path(), 2, script, 2)), kShimOk);
  const ShimResult result = MustResult(dir.path(), 2);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.aborted, "");
  const std::string out = ReadFile(dir.path() + "/out");
  for (const char* line :
       {"0: cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=0",
        "1: cmd=my_kvsname rc=0 kvsname=converge.2", "0: cmd=barrier_out rc=0",
        "1: cmd=barrier_out rc=0", "0: cmd=get_result rc=0 msg=success value=hello-from-1",
        "1: cmd=get_result rc=0 msg=success value=hello-from-0", "1: cmd=finalize_ack rc=0"}) {
    EXPECT_NE(out.find(line), std::string::npos) << line << " missing in:\n" << out;
  }
}

TEST(PmiShimTest, AbortEndsTheJobWithItsExitCode) {
  TempDir dir;
  const std::string script = std::string(kPmi) +
                             "pmi 'cmd=init pmi_version=1 pmi_subversion=1'; "
                             "if [ $RANK = 1 ]; then echo cmd=abort exitcode=7 >&$PMI_FD; fi; "
                             "exec sleep 30";
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(RunShimBinary(dir.path(), ShellJob(dir.path(), 3, script, 2)), kShimOk);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  const ShimResult result = MustResult(dir.path(), 3);
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_EQ(result.signal, 0);
  EXPECT_EQ(result.aborted, "PMI: rank 1 called PMI abort (exit code 7)");
}

TEST(PmiShimTest, ARankLostBeforeFinalizeStopsTheOthers) {
  TempDir dir;
  const std::string script = std::string(kPmi) +
                             "pmi 'cmd=init pmi_version=1 pmi_subversion=1'; "
                             "if [ $RANK = 0 ]; then exit 5; fi; exec sleep 30";
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(RunShimBinary(dir.path(), ShellJob(dir.path(), 4, script, 2)), kShimOk);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  const ShimResult result = MustResult(dir.path(), 4);
  EXPECT_EQ(result.aborted, "PMI: rank 0 closed its PMI connection before finalize");
  EXPECT_NE(result.exit_code, 0);
}

TEST(PmiShimTest, GarbageFromATaskDoesNotHurtTheShim) {
  TempDir dir;
  // Rank 0 floods its descriptor with noise (the shim disconnects it: head may die of SIGPIPE);
  // rank 1 is served all the same.
  const std::string script =
      std::string(kPmi) +
      "if [ $RANK = 0 ]; then head -c 100000 /dev/urandom >&$PMI_FD 2>/dev/null; "
      "else pmi cmd=get_appnum; fi; echo done-$RANK";
  ASSERT_EQ(RunShimBinary(dir.path(), ShellJob(dir.path(), 5, script, 2)), kShimOk);
  EXPECT_EQ(MustResult(dir.path(), 5).aborted, "");
  const std::string out = ReadFile(dir.path() + "/out");
  EXPECT_NE(out.find("1: cmd=appnum rc=0 appnum=0"), std::string::npos) << out;
  EXPECT_NE(out.find("done-0"), std::string::npos) << out;
  EXPECT_NE(out.find("done-1"), std::string::npos) << out;
}

TEST(PmiShimTest, PmiOffGivesNoDescriptor) {
  TempDir dir;
  const std::string fds = dir.path() + "/fds";
  ShimSpec spec = ShellJob(dir.path(), 6,
                           "ls -l /proc/$$/fd > " + fds +
                               "; echo \"fd=${PMI_FD-unset} "
                               "sockets=$(grep -c socket: " +
                               fds + ")\"");
  spec.pmi = {};
  ASSERT_EQ(RunShimBinary(dir.path(), spec), kShimOk);
  EXPECT_EQ(ReadFile(dir.path() + "/out"), "fd=unset sockets=0\n");
}

}  // namespace
}  // namespace converge::exec
