// `converge start` inside a real Slurm allocation (../shared/tools/slurm/cluster.sh: one
// slurmctld and three slurmd on this host): one agent per node through one srun step, the
// allocation's node names and partition in the graph, tasks started by the agents on their
// nodes, a leader killed with -9 and started again reusing the step, and the step gone after
// `converge stop`. Needs root and slurm-wlm/munge (label
// `slurm`); skips otherwise. The cluster is started and stopped by the test.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

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
  // The leader is killed (-9) once and started again: it reuses the agents' step.
  const std::string script = dir.Write("job.sh", "#!/bin/sh\nB=" + bin + "\nS=" + state + R"(
export CONVERGE_URI=unix:$S/converge.sock
OUT=$($B start --detach --state $S --agent-wait 30) || exit 1
echo "$OUT"
$B resource list
$B resource list --json | grep -c '"partition": "debug"'
$B run -N3 -n3 sh -c 'echo task $CONVERGE_TASK_RANK on $CONVERGE_NODE'
kill -9 $(echo "$OUT" | sed -n 's/.*instance started (pid \([0-9]*\)).*/\1/p')
sleep 0.2
$B start --detach --state $S --agent-wait 30 >/dev/null || exit 1
$B run -N3 -n3 sh -c 'echo again $CONVERGE_TASK_RANK on $CONVERGE_NODE'
echo agents started: $(grep -c 'serving on' $S/agents.log)
$B stop
for i in $(seq 50); do [ -e $S/agents.step ] || break; sleep 0.1; done
for i in $(seq 100); do pgrep -f "token-file $S/token" >/dev/null || break; sleep 0.1; done
)");
  ::chmod(script.c_str(), 0755);
  // -n4 on three 2-cpu nodes: Slurm allocates 2+1+1 cpus, and exports SLURM_NTASKS=4, which
  // the agents' step must not take for its own.
  CommandResult job = RunCommand({"timeout", "90", "salloc", "-N3", "-n4", script},
                                 {{"SLURM_CONF", cluster.conf()}}, "", true);
  // Whatever the script did, no leader of it outlives the test (pids from the instance's log,
  // checked to be this state folder's leader before they are killed).
  std::istringstream log(ReadFile(state + "/instance.log"));
  for (std::string line; std::getline(log, line);) {
    const size_t at = line.find("instance started (pid ");
    if (at == std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::atoi(line.c_str() + at + 22));
    if (pid > 1 &&
        ReadFile("/proc/" + std::to_string(pid) + "/cmdline").find(state) != std::string::npos) {
      ::kill(pid, SIGKILL);
    }
  }
  EXPECT_EQ(job.exit_code, 0) << job.out << job.err << ReadFile(state + "/instance.log");
  EXPECT_NE(job.out.find("3 nodes, 4 cores"), std::string::npos)
      << "each node's cores are the allocation's there\n" << job.out;
  EXPECT_NE(job.out.find("n[01-03]"), std::string::npos) << job.out;
  for (const char* line : {"task 0 on n01", "task 1 on n02", "task 2 on n03"}) {
    EXPECT_NE(job.out.find(line), std::string::npos) << job.out << job.err;
  }
  for (const char* line : {"again 0 on n01", "again 1 on n02", "again 2 on n03"}) {
    EXPECT_NE(job.out.find(line), std::string::npos) << job.out << job.err;
  }
  EXPECT_NE(job.out.find("agents started: 3\n"), std::string::npos) << "one step only\n" << job.out;
  EXPECT_NE(job.out.find("\n3\n"), std::string::npos) << "every node has partition=debug\n"
                                                      << job.out;
  // The step ended with the instance: no agent of it is left.
  CommandResult left =
      RunCommand({"pgrep", "-f", "agent --leader .* --token-file " + state}, {}, "", true);
  EXPECT_NE(left.exit_code, 0) << left.out;
}

}  // namespace
}  // namespace converge::testutil
