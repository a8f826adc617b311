// `converge start` inside a real Slurm allocation (../shared/tools/slurm/cluster.sh: one
// slurmctld and three slurmd on this host): one agent per node through one srun step, the
// allocation's node names and partition in the graph, tasks started by the agents on their
// nodes, and the step gone after `converge stop`. Needs root and slurm-wlm/munge (label
// `slurm`); skips otherwise. The cluster is started and stopped by the test.
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/testutil/processes.h"
#include "tests/testutil/run_command.h"

namespace converge::testutil {
namespace {

const char* kClusterScript = CONVERGE_SOURCE_DIR "/../shared/tools/slurm/cluster.sh";

class SlurmCluster {
 public:
  explicit SlurmCluster(const std::string& base) : base_(base) {
    // A port range of its own, so that another test's cluster may run at the same time.
    port_ = std::to_string(19001 + (::getpid() % 50) * 10);
    CommandResult started =
        RunCommand({"timeout", "120", kClusterScript, "start"},
                   {{"BASE", base_}, {"NODES", "3"}, {"CPUS", "2"}, {"PORT", port_}}, "", true);
    ok_ = started.exit_code == 0;
    log_ = started.out + started.err;
  }
  ~SlurmCluster() {
    RunCommand({"timeout", "60", kClusterScript, "stop"}, {{"BASE", base_}}, "", true);
  }
  bool ok() const { return ok_; }
  const std::string& log() const { return log_; }
  std::string conf() const { return base_ + "/etc/slurm.conf"; }

 private:
  std::string base_, port_, log_;
  bool ok_ = false;
};

TEST(SlurmBootstrapTest, OneAgentPerAllocatedNodeThroughOneStep) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run slurmctld, slurmd and munged";
  if (::access("/usr/sbin/slurmctld", X_OK) != 0 || ::access("/usr/sbin/munged", X_OK) != 0) {
    GTEST_SKIP() << "needs slurm-wlm and munge (scripts/install-deps)";
  }
  if (::access(kClusterScript, X_OK) != 0) GTEST_SKIP() << kClusterScript << " is missing";
  TempDir dir;
  SlurmCluster cluster(dir.path() + "/slurm");
  ASSERT_TRUE(cluster.ok()) << cluster.log();
  const std::string state = dir.path() + "/state";
  const std::string bin = ConvergeBinary();
  const std::string script =
      dir.Write("job.sh",
                "#!/bin/sh\n"
                "B=" +
                    bin +
                    "\n"
                    "S=" +
                    state +
                    "\n"
                    "export CONVERGE_URI=unix:$S/converge.sock\n"
                    "$B start --detach --state $S --agent-wait 30 || exit 1\n"
                    "$B resource list\n"
                    "$B resource list --json | grep -c '\"partition\": \"debug\"'\n"
                    "$B run -N3 -n3 sh -c 'echo task $CONVERGE_TASK_RANK on $CONVERGE_NODE'\n"
                    "$B stop\n"
                    "for i in $(seq 50); do [ -e $S/agents.step ] || break; sleep 0.1; done\n"
                    "for i in $(seq 100); do pgrep -f \"token-file $S/token\" >/dev/null || break; "
                    "sleep 0.1; done\n");
  ::chmod(script.c_str(), 0755);
  CommandResult job = RunCommand({"timeout", "90", "salloc", "-N3", script},
                                 {{"SLURM_CONF", cluster.conf()}}, "", true);
  EXPECT_EQ(job.exit_code, 0) << job.out << job.err << ReadFile(state + "/instance.log");
  EXPECT_NE(job.out.find("3 nodes"), std::string::npos) << job.out;
  EXPECT_NE(job.out.find("n[01-03]"), std::string::npos) << job.out;
  for (const char* line : {"task 0 on n01", "task 1 on n02", "task 2 on n03"}) {
    EXPECT_NE(job.out.find(line), std::string::npos) << job.out << job.err;
  }
  EXPECT_NE(job.out.find("\n3\n"), std::string::npos) << "every node has partition=debug\n"
                                                      << job.out;
  // The step ended with the instance: no agent of it is left.
  CommandResult left =
      RunCommand({"pgrep", "-f", "agent --leader .* --token-file " + state}, {}, "", true);
  EXPECT_NE(left.exit_code, 0) << left.out;
}

}  // namespace
}  // namespace converge::testutil
