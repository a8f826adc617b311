// MPI through the shim's PMI-1 server: `converge run -n4` of a real MPICH program forms one
// 4-rank MPI_COMM_WORLD without mpirun; MPI_Abort ends the job with its code; the jobspec
// option attributes.system.shell.options.pmi turns PMI off (and bad values are refused).
// MPICH 4.0 (Debian, ch4:ucx) needs no extra environment on one node: its ranks find each
// other through PMI_process_mapping and use shared memory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "tests/e2e/instance_test_support.h"
#include "tests/e2e/mpi_ring_checks.h"

namespace converge::testutil {
namespace {

// One node with four cores, so that -n4 fits whatever this machine has.
constexpr const char* kOneNode = R"(cluster: {name: mpi}
nodes:
  - {count: 1, basename: node, sockets: 1, cores_per_socket: 4}
)";

class MpiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    instance_ = std::make_unique<InstanceLauncher>(
        InstanceOptions{.resources = files_.Write("cluster.yaml", kOneNode)});
    ASSERT_TRUE(instance_->Start()) << instance_->log();
  }
  void TearDown() override { instance_->PrintLogIfFailed(); }

  // The MPICH ring program, or "" (the test then skips).
  static std::string Ring() {
    const std::string ring = CONVERGE_MPICH_RING;
    struct stat info {};
    if (ring.empty() || ::stat(ring.c_str(), &info) != 0) return "";
    return ring;
  }

  TempDir files_;
  std::unique_ptr<InstanceLauncher> instance_;
};

TEST_F(MpiTest, RunFormsOneFourRankWorldWithMpich) {
  const std::string ring = Ring();
  if (ring.empty()) GTEST_SKIP() << "mpicc.mpich not found at configure time (apt install mpich)";
  CommandResult run = instance_->Run({"run", "-n4", "-t", "2m", ring});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectMpichRingWorld(run.out, 4);
  EXPECT_EQ(run.out.find("WRONG"), std::string::npos) << run.out;
}

TEST_F(MpiTest, MpiAbortEndsTheJobWithItsCode) {
  const std::string ring = Ring();
  if (ring.empty()) GTEST_SKIP() << "mpicc.mpich not found at configure time (apt install mpich)";
  int64_t id = SubmitJob(*instance_, {"-n4", "-t", "2m", ring, "abort"});
  nlohmann::json job = WaitInactive(*instance_, id, 60);
  EXPECT_EQ(job["result"], "failed") << job.dump();
  EXPECT_EQ(job["exit_code"], 7) << job.dump();
  EXPECT_NE(job.value("reason", "").find("PMI: rank 1 called PMI abort (exit code 7)"),
            std::string::npos)
      << job.dump();
}

// A jobspec for `sh -c SCRIPT` whose shell options set pmi to `pmi` (YAML text).
std::string ShellJobspec(const std::string& script, const std::string& pmi) {
  return OneTaskJobspecYaml(R"(["sh", "-c", ")" + script + R"("])",
                            "{duration: 60, shell: {options: {pmi: " + pmi + "}}}");
}

TEST_F(MpiTest, JobspecShellOptionTurnsPmiOff) {
  ApiAnswer on = CallApi(*instance_, "POST", "/v1/jobs",
                         ShellJobspec("echo fd=${PMI_FD-none} size=${PMI_SIZE-none}", "simple"),
                         "application/yaml");
  ASSERT_EQ(on.status, 201) << on.text;
  ApiAnswer off = CallApi(*instance_, "POST", "/v1/jobs",
                          ShellJobspec("echo fd=${PMI_FD-none}", "\"off\""), "application/yaml");
  ASSERT_EQ(off.status, 201) << off.text;
  const int64_t on_id = on.body["id"].get<int64_t>();
  const int64_t off_id = off.body["id"].get<int64_t>();
  EXPECT_EQ(WaitInactive(*instance_, on_id)["result"], "completed");
  EXPECT_EQ(WaitInactive(*instance_, off_id)["result"], "completed");
  EXPECT_EQ(instance_->Run({"logs", std::to_string(on_id)}).out, "fd=3 size=1\n");
  EXPECT_EQ(instance_->Run({"logs", std::to_string(off_id)}).out, "fd=none\n");

  ApiAnswer bad =
      CallApi(*instance_, "POST", "/v1/jobs", ShellJobspec("true", "pmi3"), "application/yaml");
  EXPECT_EQ(bad.status, 400) << bad.text;
  EXPECT_EQ(bad.body.value("field", ""), "attributes.system.shell.options.pmi") << bad.text;
  EXPECT_EQ(bad.body.value("error", ""), "unknown PMI 'pmi3' (known: simple, pmix, off)");
}

}  // namespace
}  // namespace converge::testutil
