// Issue 10 (MPI, PMIx on one node): programs built with Debian's Open MPI 4.1 and started by
// `converge run -n N` (no mpirun) form one N-rank MPI_COMM_WORLD through the shim's PMIx
// server (converge-shim-pmix), and MPI_Abort ends the whole job with its code; inside a batch
// job, srun, mpirun and mpiexec of a Slurm script do the same.
// Skips when converge was built without libpmix or mpicc.openmpi was not found.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

#include "tests/e2e/instance_test_support.h"
#include "tests/e2e/mpi_ring_checks.h"

namespace converge::testutil {
namespace {

constexpr const char* kOneNode = R"(cluster: {name: test}
nodes:
  - {count: 1, basename: node, sockets: 1, cores_per_socket: 8}
)";

// Open MPI refuses root without these (CI runs as root). Shared memory between the ranks goes
// through the vader BTL; its single-copy mechanism (CMA) needs ptrace rights that containers
// often lack, so plain copies are used.
const std::vector<std::string> kOpenMpiEnv = {
    "--env", "OMPI_ALLOW_RUN_AS_ROOT=1", "--env", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
    "--env", "OMPI_MCA_btl=self,vader",  "--env", "OMPI_MCA_btl_vader_single_copy_mechanism=none",
};

class MpiPmixTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef CONVERGE_HAVE_PMIX
    GTEST_SKIP() << "converge was built without libpmix (libpmix-dev): no converge-shim-pmix";
#endif
    if (std::string(CONVERGE_RING_OMPI).empty()) {
      GTEST_SKIP() << "mpicc.openmpi was not found at build time (libopenmpi-dev): no ring_ompi";
    }
    cluster_ = files_.Write("cluster.yaml", kOneNode);
    instance_ = std::make_unique<InstanceLauncher>(InstanceOptions{.resources = cluster_});
    ASSERT_TRUE(instance_->Start()) << instance_->log();
  }
  void TearDown() override {
    if (instance_) instance_->PrintLogIfFailed();
  }

  std::vector<std::string> Command(const std::vector<std::string>& verb_and_flags,
                                   const std::vector<std::string>& program_args = {}) {
    std::vector<std::string> args = verb_and_flags;
    args.insert(args.end(), kOpenMpiEnv.begin(), kOpenMpiEnv.end());
    args.push_back(CONVERGE_RING_OMPI);
    args.insert(args.end(), program_args.begin(), program_args.end());
    return args;
  }

  TempDir files_;
  std::string cluster_;
  std::unique_ptr<InstanceLauncher> instance_;
};

TEST_F(MpiPmixTest, FourTasksFormOneWorldAndPassTheTokenAround) {
  CommandResult run = instance_->Run(Command({"run", "-n4", "-t", "2m"}));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectOmpiRingWorld(run.out, 4);
}

TEST_F(MpiPmixTest, TheServersFolderIsGoneWhenTheJobEnds) {
  const int64_t id = SubmitJob(*instance_, Command({"-n2", "-t", "2m"}));
  ASSERT_GT(id, 0);
  nlohmann::json job = WaitInactive(*instance_, id, 120);
  EXPECT_EQ(job.value("result", ""), "completed") << job.dump();
  const std::string folder = instance_->state_dir() + "/run/" + std::to_string(id) + ".pmix";
  EXPECT_NE(::access(folder.c_str(), F_OK), 0) << folder << " is still there";
}

// attributes.system.shell.options.pmi without "pmix": no server, so each of the four Open MPI
// processes is a singleton world of its own.
TEST_F(MpiPmixTest, AJobspecWithoutPmixGetsNoServer) {
  const std::string jobspec = R"({"version": 1,
    "resources": [{"type": "slot", "count": 4, "label": "task",
                   "with": [{"type": "core", "count": 1}]}],
    "tasks": [{"command": [")" +
                              std::string(CONVERGE_RING_OMPI) + R"("], "slot": "task",
               "count": {"per_slot": 1}}],
    "attributes": {"system": {"duration": 120, "cwd": "/tmp",
      "shell": {"options": {"pmi": "off"}},
      "environment": {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                      "OMPI_MCA_btl": "self,vader",
                      "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}}}})";
  ApiAnswer submitted = CallApi(*instance_, "POST", "/v1/jobs", jobspec);
  ASSERT_LT(submitted.status, 300) << submitted.text;
  const int64_t id = submitted.body.value("id", int64_t{-1});
  ASSERT_GT(id, 0) << submitted.text;
  nlohmann::json job = WaitInactive(*instance_, id, 120);
  EXPECT_EQ(job.value("result", ""), "completed") << job.dump();
  CommandResult logs = instance_->Run({"logs", std::to_string(id)});
  const std::map<int, OmpiRankLine> ranks = ParseOmpiRanks(logs.out);
  ASSERT_EQ(ranks.size(), 1u) << logs.out << logs.err;  // four times "rank 0 size 1"
  EXPECT_EQ(ranks.begin()->second.size, 1);
  EXPECT_EQ(std::count(logs.out.begin(), logs.out.end(), '\n'), 4) << logs.out;
}

TEST_F(MpiPmixTest, AJobspecWithABadPmiNameIsRefusedAtSubmit) {
  const std::string jobspec = R"({"version": 1,
    "resources": [{"type": "slot", "count": 1, "label": "task",
                   "with": [{"type": "core", "count": 1}]}],
    "tasks": [{"command": ["true"], "slot": "task", "count": {"per_slot": 1}}],
    "attributes": {"system": {"duration": 60, "shell": {"options": {"pmi": "pmi2"}}}}})";
  ApiAnswer refused = CallApi(*instance_, "POST", "/v1/jobs", jobspec);
  EXPECT_EQ(refused.status, 400) << refused.text;
  EXPECT_NE(refused.text.find("attributes.system.shell.options.pmi"), std::string::npos)
      << refused.text;
}

TEST_F(MpiPmixTest, MpiAbortEndsTheWholeJobWithItsCode) {
  const int64_t id = SubmitJob(*instance_, Command({"-n4", "-t", "2m"}, {"abort", "2", "7"}));
  ASSERT_GT(id, 0);
  nlohmann::json job = WaitInactive(*instance_, id, 120);
  EXPECT_EQ(job.value("result", ""), "failed") << job.dump();
  EXPECT_EQ(job.value("exit_code", -1), 7) << job.dump();
  CommandResult show = instance_->Run({"show", std::to_string(id)});
  EXPECT_NE(show.out.find("PMIx: task 2 aborted the job with status 7"), std::string::npos)
      << show.out << show.err;
}

TEST_F(MpiPmixTest, OneTaskJobGetsNoPmixUnlessItAsks) {
  // A single task is a singleton by default (no PMIx server started for it): Open MPI then
  // runs it as a world of one.
  CommandResult run = instance_->Run(Command({"run", "-n1", "-t", "2m"}));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::map<int, OmpiRankLine> ranks = ParseOmpiRanks(run.out);
  ASSERT_EQ(ranks.size(), 1u) << run.out << run.err;
  EXPECT_EQ(ranks.begin()->second.size, 1);
}

// Issue 16 item 8: a Slurm batch script's MPI launches as they are, inside `converge batch`
// over two nodes: srun (converge's), Open MPI's mpirun and MPICH's mpiexec (which start their
// daemons through that srun) each make one 4-rank world.
TEST(MpiBatchTest, SrunMpirunAndMpiexecInsideABatchJobFormOneWorld) {
#ifndef CONVERGE_HAVE_PMIX
  GTEST_SKIP() << "converge was built without libpmix (libpmix-dev): no converge-shim-pmix";
#endif
  if (std::string(CONVERGE_RING_OMPI).empty()) {
    GTEST_SKIP() << "mpicc.openmpi was not found at build time (libopenmpi-dev): no ring_ompi";
  }
  TempDir files;
  InstanceLauncher instance(InstanceOptions{.resources = files.Write("cluster.yaml", R"(
cluster: {name: test}
nodes:
  - {count: 2, basename: node, sockets: 1, cores_per_socket: 2}
)")});
  ASSERT_TRUE(instance.Start()) << instance.log();
  const std::string mpich = CONVERGE_MPICH_RING;
  // Several nodes on one host: Open MPI's ranks talk over TCP (vader would need one node).
  std::string script = "#!/bin/sh\n#SBATCH -N2 -n4 -t 5\n"
                       "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                       "OMPI_MCA_btl=self,tcp\n"
                       "echo srun; srun " + std::string(CONVERGE_RING_OMPI) + "\n"
                       "echo mpirun; timeout 60 mpirun.openmpi -np 4 " + CONVERGE_RING_OMPI + "\n";
  if (!mpich.empty()) script += "echo mpiexec; timeout 60 mpiexec.mpich -n 4 " + mpich + "\n";
  const std::string out = files.path() + "/batch.out";
  CommandResult batch = instance.Run({"batch", "--parsable", "-o", out, "-"}, script);
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  nlohmann::json job = WaitInactive(instance, std::stoll(batch.out), 180);
  const std::string text = ReadFile(out);
  EXPECT_EQ(job.value("result", ""), "completed") << job.dump() << "\n" << text;
  const size_t mpirun = text.find("mpirun\n");
  const size_t mpiexec = text.find("mpiexec\n");
  ASSERT_NE(mpirun, std::string::npos) << text;
  ExpectOmpiRingWorld(text.substr(0, mpirun), 4);
  const size_t mpirun_end = mpiexec == std::string::npos ? text.size() : mpiexec;
  ExpectOmpiRingWorld(text.substr(mpirun, mpirun_end - mpirun), 4);
  if (!mpich.empty()) {
    ASSERT_NE(mpiexec, std::string::npos) << text;
    ExpectMpichRingWorld(text.substr(mpiexec), 4);
  }
  instance.PrintLogIfFailed();
}

}  // namespace
}  // namespace converge::testutil
