#include "cli/launcher_args.h"

#include <gtest/gtest.h>

#include <map>

namespace converge::cli {
namespace {

using Words = std::vector<std::string>;

Words Srun(const Words& args, const std::map<std::string, std::string>& env = {}) {
  Result<Words> words = SrunAsConverge(args, [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  EXPECT_TRUE(words.ok()) << words.status().ToString();
  return words.ok() ? *words : Words{};
}

std::string SrunError(const Words& args) {
  Result<Words> words = SrunAsConverge(args, [](const char*) { return nullptr; });
  return words.ok() ? "" : words.status().ToString();
}

TEST(SrunAsConvergeTest, MapsSlurmsOptionsAndLeavesTheProgramAlone) {
  EXPECT_EQ(Srun({"-n4", "-N", "2", "--cpus-per-task=2", "--mpi=pmix", "./app", "-n", "9"}),
            (Words{"run", "--ntasks=4", "--nodes=2", "--cores-per-task=2", "--pmi=pmix", "--",
                   "./app", "-n", "9"}));
  EXPECT_EQ(Srun({"--overlap", "-u", "--kill-on-bad-exit=1", "-K", "--cpu-bind=none",
                  "--ntasks-per-node", "1", "--nodelist=n[1-2]", "--", "-weird"}),
            (Words{"run", "--tasks-per-node=1", "--nodelist=n[1-2]", "--nodes=1", "--",
                   "-weird"}));
  EXPECT_EQ(Srun({"--mpi=none", "-J", "x", "true"}),
            (Words{"run", "--pmi=off", "--job-name=x", "--", "true"}));
  EXPECT_EQ(Srun({"--mpi=pmi2", "true"}), (Words{"run", "--pmi=simple", "--", "true"}));
  EXPECT_EQ(Srun({"-l", "true"}), (Words{"run", "--label-io", "--", "true"}));
}

TEST(SrunAsConvergeTest, TakesItsDefaultsFromTheBatchJob) {
  const std::map<std::string, std::string> batch = {{"SLURM_NTASKS", "8"},
                                                    {"SLURM_CPUS_PER_TASK", "2"}};
  EXPECT_EQ(Srun({"./app"}, batch),
            (Words{"run", "--ntasks=8", "--cores-per-task=2", "--", "./app"}));
  EXPECT_EQ(Srun({"-n1", "-c1", "./app"}, batch),
            (Words{"run", "--ntasks=1", "--cores-per-task=1", "--", "./app"}));
  // -N alone: a task on each node, the nodes shared.
  EXPECT_EQ(Srun({"-N3", "hostname"}), (Words{"run", "--nodes=3", "--ntasks=3", "--", "hostname"}));
  EXPECT_EQ(Srun({"hostname"}), (Words{"run", "--", "hostname"}));
  // --ntasks-per-node without -N (as Open MPI's mpirun starts its daemons): enough nodes.
  EXPECT_EQ(Srun({"--ntasks-per-node=1", "--ntasks=2", "orted"}, batch),
            (Words{"run", "--tasks-per-node=1", "--ntasks=2", "--nodes=2", "--cores-per-task=2",
                   "--", "orted"}));
  EXPECT_EQ(Srun({"--ntasks-per-node=2", "app"}, {{"SLURM_NNODES", "3"}}),
            (Words{"run", "--tasks-per-node=2", "--nodes=3", "--", "app"}));
}

TEST(SrunAsConvergeTest, RefusesWhatItCannotMap) {
  EXPECT_NE(SrunError({"--multi-prog", "app"}).find("--multi-prog: unknown option"),
            std::string::npos);
  EXPECT_NE(SrunError({"-n"}).find("-n: needs a value"), std::string::npos);
  EXPECT_NE(SrunError({"--overlap=yes", "app"}).find("takes no value"), std::string::npos);
  EXPECT_NE(SrunError({"-n2"}).find("name a program"), std::string::npos);
  EXPECT_NE(SrunError({"-uQ", "app"}).find("unknown option"), std::string::npos);
}

TEST(FluxAsConvergeTest, RunsTheConvergeCommandOfTheSameName) {
  EXPECT_EQ(
      FluxAsConverge({"run", "-N2", "-o", "pmi=pmix", "-t", "5m", "./app", "-o", "x"}).value(),
      (Words{"run", "-N2", "--pmi=pmix", "-t", "5m", "./app", "-o", "x"}));
  EXPECT_EQ(FluxAsConverge({"submit", "-x", "--setopt=pmi=simple", "-opmi=off", "app"}).value(),
            (Words{"submit", "-x", "--pmi=simple", "--pmi=off", "app"}));
  EXPECT_EQ(FluxAsConverge({"jobs", "-a"}).value(), (Words{"jobs", "-a"}));
  EXPECT_NE(FluxAsConverge({"run", "-o", "cpu-affinity=off", "app"}).status().ToString().find(
                "only the shell option pmi"),
            std::string::npos);
  EXPECT_NE(FluxAsConverge({"kvs", "get"}).status().ToString().find("flux kvs"),
            std::string::npos);
  EXPECT_FALSE(FluxAsConverge({}).ok());
}

}  // namespace
}  // namespace converge::cli
