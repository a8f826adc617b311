// A multi-node instance for real: the leader and two agents each in its own network namespace
// (a private 10.213.0.0/24 behind a bridge in a namespace of its own), started with
// `nsenter --net=`; jobs whose tasks run on the agents, cancel on every node, and kill -9 of an
// agent (its node goes down, its job fails naming it, and it comes back with the agent).
// As root (label `netns`); without root the same tests run with everything on loopback. Every
// namespace and process is removed at the end.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/mpi_ring_checks.h"
#include "tests/testutil/processes.h"
#include "tests/testutil/run_command.h"

extern char** environ;

namespace converge::testutil {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool Sh(const std::string& command) {
  return RunCommand({"sh", "-c", command}, {}, "", true).exit_code == 0;
}

// A child process with its output in `log`; SIGTERM then SIGKILL when destroyed.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log) : log_(log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() { Stop(SIGTERM); }
  void Stop(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string log() const { return ReadFile(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

// The namespaces: PREFIX-sw (bridge br0), PREFIX-l (leader, .10), PREFIX-n1/-n2 (agents .11/.12).
class Network {
 public:
  Network() : prefix_("cvg" + std::to_string(::getpid() % 100000)) {
    ok_ = Sh("ip netns add " + Name("sw") + " && ip -n " + Name("sw") +
             " link add br0 type bridge && ip -n " + Name("sw") + " link set br0 up");
    const std::vector<std::pair<std::string, std::string>> hosts = {
        {"l", "10.213.0.10"}, {"n1", "10.213.0.11"}, {"n2", "10.213.0.12"}};
    for (const auto& [host, address] : hosts) {
      const std::string ns = Name(host);
      const std::string peer = prefix_ + host;  // the bridge's end, in the switch namespace
      ok_ = ok_ &&
            Sh("ip netns add " + ns + " && ip link add eth0 netns " + ns + " type veth peer name " +
               peer + " netns " + Name("sw") + " && ip -n " + Name("sw") + " link set " + peer +
               " master br0 up && ip -n " + ns + " addr add " + address + "/24 dev eth0 && ip -n " +
               ns + " link set eth0 up && ip -n " + ns + " link set lo up");
    }
  }
  ~Network() {
    for (const char* host : {"l", "n1", "n2", "sw"}) Sh("ip netns delete " + Name(host));
  }
  bool ok() const { return ok_; }
  std::string Name(const std::string& host) const { return prefix_ + "-" + host; }
  // argv run inside `host`'s network namespace.
  std::vector<std::string> In(const std::string& host, std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"nsenter", "--net=/run/netns/" + Name(host), "--"});
    return argv;
  }

 private:
  std::string prefix_;
  bool ok_ = false;
};

class MultiNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Without root (or nsenter/ip) everything runs on loopback instead: the same checks,
    // except that a task cannot show whose network it ran in.
    if (::geteuid() == 0 && Sh("command -v nsenter && command -v ip")) {
      network_ = std::make_unique<Network>();
      ASSERT_TRUE(network_->ok()) << "could not set up the network namespaces";
      leader_address_ = "tcp:10.213.0.10:7100";
    } else {
      std::cerr << "not root: leader and agents on loopback, not in network namespaces\n";
      leader_address_ = "tcp:127.0.0.1:" + std::to_string(20000 + ::getpid() % 20000);
    }
    token_ = dir_.Write("token", "multinode-test-token\n");
    ::chmod(token_.c_str(), 0600);
    hosts_ = dir_.Write("hosts", "# the agents\nn[1-2]\n");
    socket_ = dir_.path() + "/leader.sock";
    StartLeader();
    for (const char* node : {"n1", "n2"}) StartAgent(node);
    ASSERT_TRUE(WaitFor(
        [&] {
          return Converge({"resource", "list"}).exit_code == 0;
        },
        seconds(25)))
        << leader_->log();
  }

  void StartLeader() {
    leader_ = std::make_unique<Child>(
        In("l", {ConvergeBinary(), "start", "--state", dir_.path() + "/leader", "--nodes", hosts_,
                 "--token-file", token_, "--listen", leader_address_, "--listen", "unix:" + socket_,
                 "--agent-wait", "20", "--policy", "fcfs", "--sync", "normal"}),
        dir_.path() + "/leader.log");
  }

  void TearDown() override {
    if (!leader_) return;
    if (HasFailure()) {
      std::cerr << "--- leader ---\n" << leader_->log() << "\n";
      for (auto& [name, agent] : agents_) std::cerr << "--- " << name << " ---\n" << agent->log();
    }
    Converge({"stop"});
    leader_.reset();
    agents_.clear();
    network_.reset();
  }

  // In namespaces each agent's node also has its own host name (a UTS namespace), as separate
  // hosts do: Open MPI names its shared-memory files after the host.
  void StartAgent(const std::string& node) {
    std::vector<std::string> agent = {ConvergeBinary(), "agent", "--leader", leader_address_,
                                      "--token-file", token_, "--name", node,
                                      "--state", dir_.path() + "/agent-" + node,
                                      "--heartbeat", "0.5"};
    if (network_) {
      agent.insert(agent.begin(), {"unshare", "--uts", "--", "sh", "-c",
                                   "hostname \"$0\" && exec \"$@\"", node});
    }
    agents_[node] = std::make_unique<Child>(In(node, agent), dir_.path() + "/agent-" + node + ".log");
  }

  std::vector<std::string> In(const std::string& host, std::vector<std::string> argv) const {
    return network_ ? network_->In(host, std::move(argv)) : argv;
  }

  CommandResult Converge(std::vector<std::string> args) const {
    args.insert(args.begin(), ConvergeBinary());
    return RunCommand(args, {{"CONVERGE_URI", "unix:" + socket_}}, "", false);
  }

  nlohmann::json Job(const std::string& id) const {
    CommandResult shown = Converge({"show", "--json", id});
    nlohmann::json job = nlohmann::json::parse(shown.out, nullptr, false);
    return job.is_object() ? job : nlohmann::json::object();  // the leader may be down
  }

  template <typename Predicate>
  static bool WaitFor(Predicate predicate, milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (predicate()) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return predicate();
  }

  TempDir dir_;
  std::unique_ptr<Network> network_;
  std::string token_, hosts_, socket_, leader_address_;
  std::unique_ptr<Child> leader_;
  std::map<std::string, std::unique_ptr<Child>> agents_;
};

TEST_F(MultiNodeTest, ResourceListShowsTheAgentsNodes) {
  CommandResult list = Converge({"resource", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("n[1-2]"), std::string::npos) << list.out;
  EXPECT_NE(leader_->log().find("2 nodes"), std::string::npos) << leader_->log();
}

TEST_F(MultiNodeTest, TasksRunOnTheirNodesAgents) {
  CommandResult run = Converge({"run", "-N2", "-n4", "sh", "-c",
                                "A=$(ip -4 -o addr show dev eth0 2>/dev/null | "
                                "sed 's|.*inet \\([0-9.]*\\)/.*|\\1|'); "
                                "echo $CONVERGE_TASK_RANK $CONVERGE_NODE ${A:-none}"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::istringstream lines(run.out);
  std::set<std::string> seen;
  std::string rank, node, address;
  int count = 0;
  while (lines >> rank >> node >> address) {
    ++count;
    seen.insert(node);
    // Each task's network is its agent's namespace: it ran there, not on the leader.
    if (network_) {
      EXPECT_EQ(address, node == "n1" ? "10.213.0.11" : "10.213.0.12") << run.out;
    }
  }
  EXPECT_EQ(count, 4) << run.out;
  EXPECT_EQ(seen, (std::set<std::string>{"n1", "n2"})) << run.out;
}

TEST_F(MultiNodeTest, ExitCodeIsTheLargestOfEveryNode) {
  CommandResult run =
      Converge({"run", "-N2", "-n2", "sh", "-c", "exit $((CONVERGE_TASK_RANK + 3))"});
  EXPECT_EQ(run.exit_code, 4) << run.err;
}

TEST_F(MultiNodeTest, PmiForJobsOnOneNodeAndAcrossNodes) {
  CommandResult one = Converge({"run", "-N1", "-n2", "sh", "-c", "echo ${PMI_SIZE:-none}"});
  EXPECT_EQ(one.out, "2\n2\n") << one.err;
  // Across nodes every task knows the whole job, and its place among its node's tasks.
  CommandResult both = Converge({"run", "-N2", "-n4", "sh", "-c",
                                 "echo $PMI_RANK $PMI_SIZE $MPI_LOCALRANKID $MPI_LOCALNRANKS"});
  std::istringstream lines(both.out);
  std::multiset<std::string> seen;
  for (std::string line; std::getline(lines, line);) seen.insert(line);
  EXPECT_EQ(seen, (std::multiset<std::string>{"0 4 0 2", "1 4 1 2", "2 4 0 2", "3 4 1 2"}))
      << both.out << both.err;
}

// The nodes each rank of `out` ran on ("node RANK NODE" lines), and the other lines.
std::map<int, std::string> RankNodes(const std::string& out) {
  std::map<int, std::string> nodes;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string tag, node;
    int rank = -1;
    if (words >> tag >> rank >> node && tag == "node") nodes[rank] = node;
  }
  return nodes;
}

// `program` started through a shell that first says where it runs (exec keeps PMI_FD).
std::vector<std::string> Where(const std::string& program) {
  return {"sh", "-c", "echo node $CONVERGE_TASK_RANK $CONVERGE_NODE; exec \"$0\"", program};
}

constexpr const char* kNoMpich = "mpicc.mpich not found at configure time (apt install mpich)";

TEST_F(MultiNodeTest, MpichRanksOnTwoNodesFormOneWorld) {
  const std::string ring = CONVERGE_MPICH_RING;
  if (ring.empty()) GTEST_SKIP() << kNoMpich;
  if (!network_) GTEST_SKIP() << "MPI across nodes needs the nodes' own networks (root)";
  std::vector<std::string> args = {"run", "-N2", "-n4", "-t", "2m", "--pmi", "simple"};
  for (const std::string& arg : Where(ring)) args.push_back(arg);
  CommandResult run = Converge(args);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectMpichRingWorld(run.out, 4);
  const std::map<int, std::string> nodes = RankNodes(run.out);
  EXPECT_EQ(nodes, (std::map<int, std::string>{{0, "n1"}, {1, "n1"}, {2, "n2"}, {3, "n2"}}))
      << run.out;
}

TEST_F(MultiNodeTest, OpenMpiRanksOnTwoNodesFormOneWorld) {
  const std::string ring = CONVERGE_RING_OMPI;
  if (ring.empty()) GTEST_SKIP() << "mpicc.openmpi not found at configure time (libopenmpi-dev)";
#ifndef CONVERGE_HAVE_PMIX
  GTEST_SKIP() << "converge was built without libpmix (libpmix-dev): no converge-shim-pmix";
#endif
  if (!network_) GTEST_SKIP() << "MPI across nodes needs the nodes' own networks (root)";
  // As root, Open MPI wants to be told; between nodes its ranks talk TCP, on one node through
  // shared memory (plain copies: CMA needs ptrace rights containers often lack).
  std::vector<std::string> args = {"run", "-N2", "-n4", "-t", "2m", "--pmi", "pmix",
                                   "--env", "OMPI_ALLOW_RUN_AS_ROOT=1",
                                   "--env", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
                                   "--env", "OMPI_MCA_btl=self,vader,tcp",
                                   "--env", "OMPI_MCA_btl_vader_single_copy_mechanism=none"};
  for (const std::string& arg : Where(ring)) args.push_back(arg);
  CommandResult run = Converge(args);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectOmpiRingWorld(run.out, 4);
  const std::map<int, std::string> nodes = RankNodes(run.out);
  EXPECT_EQ(nodes, (std::map<int, std::string>{{0, "n1"}, {1, "n1"}, {2, "n2"}, {3, "n2"}}))
      << run.out;
}

// Issue 14 on the multi-node instance: a MetricSet's benchmarks run on the agents' nodes (MPI
// ones as one program across them), and each job's provenance names both nodes' facts, as
// their agents registered them.
TEST_F(MultiNodeTest, AMetricSetRunsItsBenchmarksOnTheAgentsNodes) {
#ifndef CONVERGE_HAVE_PMIX
  GTEST_SKIP() << "converge was built without libpmix (libpmix-dev): no converge-shim-pmix";
#endif
  for (const char* tool : {"/usr/bin/sysbench", "/usr/bin/hpcc", "/usr/bin/lmp"}) {
    if (::access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is missing (scripts/install-deps)";
  }
  if (!network_) GTEST_SKIP() << "MPI across nodes needs the nodes' own networks (root)";
  const std::string file = dir_.Write("bench.yaml", R"(apiVersion: converge/v1
kind: MetricSet
metadata: {name: bench}
spec:
  nodes: 2
  duration: 2m
  metrics:
    - name: sysbench
      options: {time: 1}
    - name: hpcc
    - name: lammps
  expect:
    - {metric: sysbench.events_per_s, op: ">=", value: 1}
)");
  // The applying shell's environment is the jobs': Open MPI as root, TCP between the nodes.
  CommandResult applied = RunCommand(
      {ConvergeBinary(), "apply", "-f", file},
      {{"CONVERGE_URI", "unix:" + socket_}, {"OMPI_ALLOW_RUN_AS_ROOT", "1"},
       {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"}, {"OMPI_MCA_btl", "self,vader,tcp"},
       {"OMPI_MCA_btl_vader_single_copy_mechanism", "none"}},
      "", false);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  nlohmann::json object;
  ASSERT_TRUE(WaitFor(
      [&] {
        object = nlohmann::json::parse(
            Converge({"get", "metricset", "bench", "-o", "json"}).out, nullptr, false);
        const std::string phase = object.is_object() ? object["status"].value("phase", "") : "";
        return phase == "Succeeded" || phase == "Failed";
      },
      seconds(180)));
  ASSERT_EQ(object["status"].value("phase", ""), "Succeeded") << object.dump(2);
  std::set<std::string> sysbench_nodes;
  int64_t hpcc_procs = 0, sysbench_job = 0;
  for (const auto& result : object["status"]["results"]) {
    for (const auto& value : result["values"]) {
      if (result.value("metric", "") == "sysbench") {
        sysbench_nodes.insert(value.value("node", ""));
        sysbench_job = result.value("job", int64_t{0});
      }
      if (result.value("metric", "") == "hpcc" && value.value("name", "") == "procs") {
        hpcc_procs = static_cast<int64_t>(value.value("value", 0.0));
      }
    }
  }
  EXPECT_EQ(sysbench_nodes, (std::set<std::string>{"n1", "n2"})) << object.dump(2);
  EXPECT_EQ(hpcc_procs, 2) << "one MPI world over both nodes: " << object.dump(2);
  CommandResult provenance =
      Converge({"provenance", "show", "--json", std::to_string(sysbench_job)});
  const nlohmann::json record = nlohmann::json::parse(provenance.out, nullptr, false);
  ASSERT_TRUE(record.is_object()) << provenance.out << provenance.err;
  ASSERT_EQ(record["nodes"].size(), 2u) << record.dump(2);
  for (const auto& node : record["nodes"]) {
    EXPECT_FALSE(node.value("kernel_release", "").empty()) << node.dump();
    EXPECT_EQ(node.value("topology_digest", "").size(), 64u) << node.dump();
  }
}

TEST_F(MultiNodeTest, AnMpiRankLostOnOneNodeEndsTheRanksWaitingOnTheOther) {
  const std::string ring = CONVERGE_MPICH_RING;
  if (ring.empty()) GTEST_SKIP() << kNoMpich;
  // Rank 3 (on n2) ends before MPI_Init: rank 2's barrier there can never complete, so n2's
  // part ends, and then the barrier n1's ranks wait in fails instead of waiting for ever.
  const auto start = std::chrono::steady_clock::now();
  CommandResult submit = Converge(
      {"submit", "-N2", "-n4", "-t", "2m", "--pmi", "simple", "sh", "-c",
       "if [ $CONVERGE_TASK_RANK = 3 ]; then exit 5; fi; exec \"$0\"", ring});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_TRUE(WaitFor([&] { return Job(id).value("state", "") == "INACTIVE"; }, seconds(60)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(60));
  const nlohmann::json job = Job(id);
  EXPECT_EQ(job.value("result", ""), "failed") << job.dump();
  EXPECT_NE(job.dump().find("rank 3 ended without PMI"), std::string::npos) << job.dump();
}

TEST_F(MultiNodeTest, ATaskKilledOnOneNodeEndsTheJobOnEveryNode) {
  ProcessSweep sweep({"sleep", "3005"});
  // Rank 1 (on n2) dies by a signal: rank 0 on n1 must not keep the job running alone.
  CommandResult submit = Converge({"submit", "-N2", "-n2", "sh", "-c",
                                   "if [ $CONVERGE_TASK_RANK = 1 ]; then sleep 0.5; kill -KILL $$; "
                                   "fi; exec sleep 3005"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_TRUE(WaitFor([&] { return Job(id).value("state", "") == "INACTIVE"; }, seconds(20)));
  EXPECT_TRUE(NoProcessRunning({"sleep", "3005"}, seconds(10)));
  const nlohmann::json job = Job(id);
  EXPECT_EQ(job.value("result", ""), "failed") << job.dump();  // not "canceled": nobody did
}

// A script that prints the node it ran on and, in namespaces, its node's address.
constexpr const char* kWhereScript =
    "#!/bin/sh\nA=$(ip -4 -o addr show dev eth0 2>/dev/null | "
    "sed 's|.*inet \\([0-9.]*\\)/.*|\\1|')\necho where $CONVERGE_NODE ${A:-none}\n";

// Checks `out` has one "where NODE ADDRESS" line per node, each run in its node's namespace.
void ExpectOneLinePerNode(const std::string& out, bool in_namespaces) {
  std::istringstream lines(out);
  std::multiset<std::string> seen;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string tag, node, address;
    if (!(words >> tag >> node >> address) || tag != "where") continue;
    seen.insert(node);
    if (in_namespaces) {
      EXPECT_EQ(address, node == "n1" ? "10.213.0.11" : "10.213.0.12") << out;
    }
  }
  EXPECT_EQ(seen, (std::multiset<std::string>{"n1", "n2"})) << out;
}

TEST_F(MultiNodeTest, AllocOverTwoNodesRunsItsJobsOnBothNodes) {
  const std::string where = dir_.Write("where.sh", kWhereScript);
  ::chmod(where.c_str(), 0755);
  // The nested instance leads on n1 and has an agent on each node (found over the job's
  // PMI-1): its own jobs' tasks run on their nodes, not all on the leader's.
  CommandResult alloc = Converge({"alloc", "-N2", "--", ConvergeBinary(), "run", "-N2", "-n2",
                                  where});
  ASSERT_EQ(alloc.exit_code, 0) << alloc.out << alloc.err;
  ExpectOneLinePerNode(alloc.out, network_ != nullptr);
  // The parent ran it as one task per node.
  const nlohmann::json jobs = nlohmann::json::parse(Converge({"jobs", "-a", "--json"}).out);
  ASSERT_EQ(jobs.size(), 1u) << jobs.dump();
  EXPECT_EQ(jobs[0].value("ntasks", 0), 2) << jobs.dump();
  EXPECT_EQ(jobs[0].value("nnodes", 0), 2) << jobs.dump();
}

TEST_F(MultiNodeTest, BatchOverTwoNodesEndsWithItsScriptOnEveryNode) {
  const std::string where = dir_.Write("where.sh", kWhereScript);
  ::chmod(where.c_str(), 0755);
  const std::string script = dir_.Write(
      "job.sh", "#!/bin/sh\n#SBATCH -N2\nconverge resource list\nconverge run -N2 -n2 " + where +
                    "\nexit 3\n");
  const std::string out = dir_.path() + "/batch.out";
  const std::string bin = ConvergeBinary().substr(0, ConvergeBinary().rfind('/'));
  CommandResult batch = RunCommand({ConvergeBinary(), "batch", "--parsable", "-o", out, script},
                                   {{"CONVERGE_URI", "unix:" + socket_},
                                    {"PATH", bin + ":/usr/bin:/bin"}},
                                   "", false);
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  const std::string id = batch.out.substr(0, batch.out.find('\n'));
  // The agents on n2 (and n1) leave within seconds of their leader.
  ASSERT_TRUE(WaitFor([&] { return Job(id).value("state", "") == "INACTIVE"; }, seconds(40)))
      << Job(id).dump();
  const nlohmann::json job = Job(id);
  EXPECT_EQ(job.value("result", ""), "failed") << job.dump();
  EXPECT_EQ(job.value("exit_code", -1), 3) << job.dump();
  std::ifstream file(out);
  const std::string text((std::istreambuf_iterator<char>(file)), {});
  EXPECT_NE(text.find("n[1-2]"), std::string::npos) << text;
  ExpectOneLinePerNode(text, network_ != nullptr);
}

TEST_F(MultiNodeTest, CancelEndsTheTasksOnEveryNode) {
  ProcessSweep sweep({"sleep", "3001"});
  CommandResult submit = Converge({"submit", "-N2", "-n2", "sleep", "3001"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_TRUE(WaitFor([] { return ProcessesRunning({"sleep", "3001"}).size() == 2; }, seconds(10)));
  ASSERT_EQ(Converge({"cancel", id}).exit_code, 0);
  EXPECT_TRUE(NoProcessRunning({"sleep", "3001"}, seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return Job(id).value("state", "") == "INACTIVE"; }, seconds(10)));
  EXPECT_EQ(Job(id).value("result", ""), "canceled") << Job(id).dump();
}

TEST_F(MultiNodeTest, ASignalReachesTheTasksOnEveryNodeAndTheJobGoesOn) {
  // Each task counts the USR1 it got in its node's own file, then ends by itself.
  const std::string at = dir_.path() + "/";
  const std::string script = "n=0; trap 'n=$((n+1))' USR1; touch " + at +
                             "ready-$CONVERGE_NODE; i=0; while [ $i -lt 40 ]; do sleep 0.05; "
                             "i=$((i+1)); done; echo $n > " + at + "usr1-$CONVERGE_NODE";
  CommandResult submit = Converge({"submit", "-N2", "-n2", "sh", "-c", script});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_TRUE(WaitFor(
      [&] { return ::access((at + "ready-n1").c_str(), F_OK) == 0 &&
                   ::access((at + "ready-n2").c_str(), F_OK) == 0; },
      seconds(10)));
  CommandResult signalled = Converge({"cancel", "-s", "USR1", id});
  ASSERT_EQ(signalled.exit_code, 0) << signalled.err;
  ASSERT_TRUE(WaitFor([&] { return Job(id).value("state", "") == "INACTIVE"; }, seconds(10)));
  EXPECT_EQ(Job(id).value("result", ""), "completed") << Job(id).dump();
  EXPECT_EQ(ReadFile(dir_.path() + "/usr1-n1"), "1\n");
  EXPECT_EQ(ReadFile(dir_.path() + "/usr1-n2"), "1\n");
}

TEST_F(MultiNodeTest, KilledAgentMarksItsNodeDownUntilItReturns) {
  ProcessSweep sweep({"sleep", "3002"});
  CommandResult submit = Converge({"submit", "-N2", "-n2", "sleep", "3002"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_TRUE(WaitFor([] { return ProcessesRunning({"sleep", "3002"}).size() == 2; }, seconds(10)));
  agents_["n2"]->Stop(SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return Job(id).value("state", "") == "INACTIVE"; }, seconds(10)));
  const nlohmann::json job = Job(id);
  EXPECT_EQ(job.value("result", ""), "failed") << job.dump();
  EXPECT_NE(job.dump().find("node n2: agent lost"), std::string::npos) << job.dump();
  CommandResult list = Converge({"resource", "list"});
  EXPECT_NE(list.out.find("down"), std::string::npos) << list.out;
  // No new work goes to the down node.
  CommandResult one = Converge({"run", "-N1", "sh", "-c", "echo $CONVERGE_NODE"});
  EXPECT_EQ(one.out, "n1\n") << one.err;
  // The agent comes back: the node is up and the part the failed job left there is ended.
  StartAgent("n2");
  EXPECT_TRUE(WaitFor(
      [&] {
        return Converge({"resource", "list"}).out.find("down") == std::string::npos;
      },
      seconds(10)));
  EXPECT_TRUE(NoProcessRunning({"sleep", "3002"}, seconds(10)));
  CommandResult both = Converge({"run", "-N2", "-n2", "sh", "-c", "echo $CONVERGE_NODE"});
  EXPECT_EQ(both.exit_code, 0) << both.err;
}

TEST_F(MultiNodeTest, NodeCutOffFromTheNetworkGoesDownAndComesBack) {
  if (!network_) GTEST_SKIP() << "needs network namespaces (root)";
  ProcessSweep sweep({"sleep", "3004"});
  CommandResult submit = Converge({"submit", "-N2", "-n2", "sleep", "3004"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_TRUE(WaitFor([] { return ProcessesRunning({"sleep", "3004"}).size() == 2; }, seconds(10)));
  // No RST, no FIN: packets to and from n2 are dropped, as when its host dies.
  ASSERT_TRUE(Sh("ip -n " + network_->Name("n2") + " link set eth0 down"));
  ASSERT_TRUE(WaitFor([&] { return Job(id).value("state", "") == "INACTIVE"; }, seconds(20)));
  EXPECT_NE(Job(id).dump().find("node n2: agent lost"), std::string::npos) << Job(id).dump();
  EXPECT_NE(Converge({"resource", "list"}).out.find("down"), std::string::npos);
  ASSERT_TRUE(Sh("ip -n " + network_->Name("n2") + " link set eth0 up"));
  EXPECT_TRUE(WaitFor(
      [&] {
        return Converge({"resource", "list"}).out.find("down") == std::string::npos;
      },
      seconds(20)));
  EXPECT_TRUE(NoProcessRunning({"sleep", "3004"}, seconds(10)));
}

TEST_F(MultiNodeTest, RestartedLeaderReattachesToTheAgentsParts) {
  CommandResult submit =
      Converge({"submit", "-N2", "-n2", "sh", "-c", "sleep 2; echo ran $CONVERGE_TASK_RANK"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_TRUE(WaitFor([&] { return Job(id).value("state", "") == "RUN"; }, seconds(10)));
  std::this_thread::sleep_for(milliseconds(300));
  leader_->Stop(SIGKILL);
  StartLeader();  // waits for both agents again, then re-attaches the job's parts
  ASSERT_TRUE(WaitFor([&] { return Job(id).value("state", "") == "INACTIVE"; }, seconds(20)))
      << leader_->log();
  EXPECT_EQ(Job(id).value("result", ""), "completed") << Job(id).dump();
  CommandResult logs = Converge({"logs", id});
  std::istringstream lines(logs.out);
  std::multiset<std::string> seen;
  for (std::string line; std::getline(lines, line);) seen.insert(line);
  EXPECT_EQ(seen, (std::multiset<std::string>{"ran 0", "ran 1"})) << logs.out << logs.err;
}

TEST_F(MultiNodeTest, TimeLimitEndsTheTasksOnEveryNode) {
  ProcessSweep sweep({"sleep", "3003"});
  CommandResult run = Converge({"run", "-N2", "-n2", "-t", "1s", "sleep", "3003"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(NoProcessRunning({"sleep", "3003"}, seconds(10)));
  CommandResult jobs = Converge({"jobs", "-a"});
  EXPECT_NE(jobs.out.find(" TO "), std::string::npos) << jobs.out;
}

TEST(MultiNodeStartTest, NamesTheHostsWhoseAgentsNeverCame) {
  TempDir dir;
  const std::string token = dir.Write("token", "t0ken\n");
  ::chmod(token.c_str(), 0600);
  const std::string hosts = dir.Write("hosts", "n[1-3]\n");
  CommandResult start =
      RunCommand({ConvergeBinary(), "start", "--state", dir.path() + "/state", "--nodes", hosts,
                  "--token-file", token, "--listen", "tcp:127.0.0.1:0", "--agent-wait", "0.5"},
                 {}, "", false);
  EXPECT_EQ(start.exit_code, 1);
  EXPECT_NE(start.err.find("no agent registered within"), std::string::npos) << start.err;
  EXPECT_NE(start.err.find("n[1-3]"), std::string::npos) << start.err;
}

TEST(MultiNodeStartTest, RefusesAHostsFileWithARepeatedName) {
  TempDir dir;
  const std::string hosts = dir.Write("hosts", "n1\nn[0-2]\n");
  CommandResult start = RunCommand({ConvergeBinary(), "start", "--state", dir.path() + "/s",
                                    "--nodes", hosts, "--listen", "tcp:127.0.0.1:0"},
                                   {}, "", false);
  EXPECT_EQ(start.exit_code, 2);
  EXPECT_NE(start.err.find("hosts:2: 'n1' is listed twice"), std::string::npos) << start.err;
}

}  // namespace
}  // namespace converge::testutil
