#include "exec/launcher_shims.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "tests/testutil/run_command.h"

namespace converge::exec {
namespace {

using Words = std::vector<std::string>;

Words Emulated(const Words& asked, const std::map<std::string, std::string>& env) {
  return LaunchersToEmulate(asked, [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(LaunchersToEmulateTest, LeavesRealSlurmAndFluxAlone) {
  EXPECT_EQ(Emulated({"srun", "flux", "srun", "mpirun"}, {}), (Words{"srun", "flux"}));
  // A real allocation's SLURM_JOB_ID, or a real Flux instance's FLUX_URI: theirs stay.
  EXPECT_EQ(Emulated({"srun", "flux"}, {{"SLURM_JOB_ID", "7"}}), Words{"flux"});
  EXPECT_EQ(Emulated({"srun", "flux"}, {{"FLUX_URI", "local:///run/flux"}}), Words{"srun"});
  // SLURM_JOB_ID of an outer converge batch job (the shims say so): emulated again.
  EXPECT_EQ(Emulated({"srun"}, {{"SLURM_JOB_ID", "7"}, {"CONVERGE_SHIMS", "flux,srun"}}),
            Words{"srun"});
}

TEST(ShimEnvironmentTest, PutsTheShimsFirstAndSaysWhatSbatchSays) {
  BatchJobFacts facts{.job_id = "12", .job_name = "sim", .nodelist = "n[0-1]", .nnodes = 2,
                      .node = "n0", .cpus_on_node = 4, .cpus_per_node = {4, 2},
                      .submit_dir = "/home/a"};
  ShimRequest request{.launchers = {"srun"}, .ntasks = 7, .cpus_per_task = 0};
  Words env = ShimEnvironment({"srun", "flux"}, "/s/shims", "/usr/bin", request, facts);
  auto has = [&](const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
  };
  for (const char* entry :
       {"PATH=/s/shims:/usr/bin", "CONVERGE_SHIMS=srun,flux", "SLURM_JOB_ID=12", "SLURM_JOBID=12",
        "SLURM_JOB_NAME=sim", "SLURM_JOB_NODELIST=n[0-1]", "SLURM_NNODES=2", "SLURM_NTASKS=7",
        "SLURM_TASKS_PER_NODE=4,3", "SLURM_JOB_CPUS_PER_NODE=4,2", "SLURM_CPUS_ON_NODE=4",
        "SLURMD_NODENAME=n0", "SLURM_SUBMIT_DIR=/home/a"}) {
    EXPECT_TRUE(has(entry)) << entry;
  }
  for (const char* absent : {"SLURM_CPUS_PER_TASK=", "SLURM_ARRAY_JOB_ID="}) {
    EXPECT_FALSE(std::any_of(env.begin(), env.end(), [&](const std::string& entry) {
      return entry.rfind(absent, 0) == 0;
    })) << absent;
  }
  facts.array_copy = true;
  env = ShimEnvironment({"srun"}, "/s", "", request, facts);
  EXPECT_NE(std::find(env.begin(), env.end(), "SLURM_ARRAY_JOB_ID=12"), env.end());
  // Flux alone: no Slurm variables.
  EXPECT_EQ(ShimEnvironment({"flux"}, "/s", "", request, facts),
            (Words{"PATH=/s", "CONVERGE_SHIMS=flux"}));
  EXPECT_TRUE(ShimEnvironment({}, "/s", "/bin", request, facts).empty());
}

TEST(SlurmCountsTest, RunsOfEqualCountsAreWrittenOnce) {
  EXPECT_EQ(SlurmCounts({4, 4, 2}), "4(x2),2");
  EXPECT_EQ(SlurmCounts({1}), "1");
  EXPECT_EQ(SlurmCounts({2, 3, 3, 3}), "2,3(x3)");
  EXPECT_EQ(SlurmCounts({}), "");
}

TEST(InstallShimsTest, MakesAPrivateFolderOfLinksToConverge) {
  testutil::TempDir dir;
  Result<std::string> folder = InstallShims(dir.path(), "/usr/bin/true", {"srun", "flux"});
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  char target[64] = {};
  ASSERT_GT(::readlink((*folder + "/srun").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "/usr/bin/true");
  struct stat info {};
  ASSERT_EQ(::stat(folder->c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_FALSE(InstallShims(dir.path() + "/missing", "/usr/bin/true", {"srun"}).ok());
}

}  // namespace
}  // namespace converge::exec
