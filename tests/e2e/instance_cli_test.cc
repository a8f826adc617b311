// A running instance driven through the real binary: submit/run/wait/cancel/show/logs/jobs,
// time limits, exec errors, dependencies, multi-node placement on a declared cluster,
// live resources with drain, the queue view, and restarts on the same state.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/e2e/instance_test_support.h"
#include "tests/testutil/processes.h"

namespace converge::testutil {
namespace {

constexpr const char* kFourNodes = R"(cluster: {name: test}
nodes:
  - {count: 4, basename: node, sockets: 1, cores_per_socket: 4, gpus_per_socket: 1}
)";

class InstanceCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = files_.Write("cluster.yaml", kFourNodes);
    instance_ = std::make_unique<InstanceLauncher>(InstanceOptions{.resources = cluster_});
    ASSERT_TRUE(instance_->Start()) << instance_->log();
  }
  void TearDown() override { instance_->PrintLogIfFailed(); }

  TempDir files_;
  std::string cluster_;
  std::unique_ptr<InstanceLauncher> instance_;
};

TEST_F(InstanceCliTest, SubmitRunsTheJobAndKeepsItsOutputAndResult) {
  int64_t id = SubmitJob(*instance_, {"sh", "-c", "echo hello from $CONVERGE_JOB_ID"});
  nlohmann::json job = WaitInactive(*instance_, id);
  EXPECT_EQ(job["result"], "completed") << job.dump();
  EXPECT_EQ(job["exit_code"], 0);
  EXPECT_EQ(job["ntasks"], 1);
  EXPECT_GT(job["end_time"].get<double>(), 0);
  CommandResult logs = instance_->Run({"logs", std::to_string(id)});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "hello from " + std::to_string(id) + "\n");
  CommandResult wait = instance_->Run({"wait", std::to_string(id)});
  EXPECT_EQ(wait.exit_code, 0) << wait.err;
  CommandResult jobs = instance_->Run({"jobs", "-a"});
  EXPECT_EQ(jobs.exit_code, 0) << jobs.err;
  EXPECT_NE(jobs.out.find("JOBID"), std::string::npos);
  EXPECT_NE(jobs.out.find(std::to_string(id)), std::string::npos) << jobs.out;
  CommandResult show = instance_->Run({"show", std::to_string(id)});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("completed"), std::string::npos) << show.out;
}

TEST_F(InstanceCliTest, RunStreamsOutputAndExitsWithTheJobsExitCode) {
  CommandResult ok = instance_->Run({"run", "echo", "streamed"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "streamed\n");
  CommandResult three = instance_->Run({"run", "sh", "-c", "exit 3"});
  EXPECT_EQ(three.exit_code, 3) << three.err;
}

// flux submit --wait and sbatch --wait: until the jobs end, exiting as they did.
TEST_F(InstanceCliTest, SubmitAndBatchWaitExitAsTheJobsDid) {
  CommandResult ok = instance_->Run({"submit", "--wait", "true"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(GetJob(*instance_, std::stoll(ok.out))["state"], "INACTIVE");
  CommandResult three = instance_->Run({"submit", "--wait", "--cc", "1-2", "sh", "-c",
                                        "exit $((2 + {cc}))"});
  EXPECT_EQ(three.exit_code, 4) << three.err;  // the largest of 3 and 4
  EXPECT_NE(three.err.find("exit code 3"), std::string::npos) << three.err;
  CommandResult batch = instance_->Run(
      {"batch", "-W", "--parsable", "-o", files_.path() + "/w.out", "--wrap", "exit 5"});
  EXPECT_EQ(batch.exit_code, 5) << batch.err;
}

// Issue 16 item 1: an option converge does not know is a usage error that names it, never
// the program's first word, on every command that takes a program.
TEST_F(InstanceCliTest, UnknownOptionsAreUsageErrorsAndSubmitNothing) {
  // Flags converge learns leave this list (a known one here would submit or run).
  const char* const unknown[] = {"--bogus",        "-Z",           "--ndoes=2",
                                 "--licenses=x",   "--nice=5",     "--cpu-bind=cores",
                                 "--hint=nomultithread", "--gpus=1", "--distribution=block",
                                 "--taskmap=block", "--account=p1", "--mpi=pmix"};
  for (const char* command : {"submit", "run", "batch", "alloc"}) {
    for (const char* flag : unknown) {
      CommandResult result = instance_->Run({command, "-n1", flag, "true"});
      const std::string name = std::string(flag).substr(0, std::string(flag).find('='));
      EXPECT_EQ(result.exit_code, 2) << command << " " << flag << ": " << result.err;
      EXPECT_NE(result.err.find("unknown option '" + name + "'"), std::string::npos)
          << command << " " << flag << ": " << result.err;
    }
  }
  CommandResult typo = instance_->Run({"submit", "--ndoes=2", "true"});
  EXPECT_NE(typo.err.find("did you mean --nodes?"), std::string::npos) << typo.err;
  CommandResult jobs = instance_->Run({"jobs", "-a", "--no-header"});
  EXPECT_EQ(jobs.exit_code, 0) << jobs.err;
  EXPECT_EQ(jobs.out, "") << "a command with an unknown option submitted a job";
  // After "--" or the program's first word, words that look like options are the program's.
  CommandResult dashes = instance_->Run({"run", "-n1", "--", "echo", "--bogus", "--", "x"});
  EXPECT_EQ(dashes.exit_code, 0) << dashes.err;
  EXPECT_EQ(dashes.out, "--bogus -- x\n");
  CommandResult inside = instance_->Run({"run", "echo", "--", "--bogus"});
  EXPECT_EQ(inside.exit_code, 0) << inside.err;
  EXPECT_EQ(inside.out, "-- --bogus\n");
}

// Issue 16 item 2: --dry-run prints the jobspec each command would submit, and submits nothing.
TEST_F(InstanceCliTest, DryRunPrintsTheJobspecAndSubmitsNothing) {
  CommandResult submit = instance_->Run({"submit", "--dry-run", "-n2", "-t", "5m", "hostname"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  nlohmann::json spec = nlohmann::json::parse(submit.out);
  EXPECT_EQ(spec["tasks"][0]["command"], nlohmann::json::array({"hostname"})) << submit.out;
  EXPECT_EQ(spec["attributes"]["system"]["duration"], 300) << submit.out;
  CommandResult copies = instance_->Run({"submit", "--dry-run", "--cc", "1-3", "echo", "{cc}"});
  ASSERT_EQ(copies.exit_code, 0) << copies.err;
  std::istringstream lines(copies.out);
  std::vector<std::string> words;
  for (std::string line; std::getline(lines, line);) {
    words.push_back(nlohmann::json::parse(line)["tasks"][0]["command"][1]);
  }
  EXPECT_EQ(words, (std::vector<std::string>{"1", "2", "3"})) << copies.out;
  CommandResult run = instance_->Run({"run", "--dry-run", "-N2", "hostname"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["resources"][0]["type"], "node") << run.out;
  const std::string script = files_.Write("job.sh", "#!/bin/sh\n#SBATCH -N 2\nhostname\n");
  CommandResult batch = instance_->Run({"batch", "--dry-run", script});
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  nlohmann::json batch_spec = nlohmann::json::parse(batch.out);
  EXPECT_EQ(batch_spec["resources"][0]["count"], 2) << batch.out;
  EXPECT_EQ(batch_spec["tasks"][0]["command"][1], "start") << batch.out;
  CommandResult alloc = instance_->Run({"alloc", "--dry-run", "-N1"});
  ASSERT_EQ(alloc.exit_code, 0) << alloc.err;
  EXPECT_NE(alloc.out.find("converge-alloc-XXXXXX"), std::string::npos) << alloc.out;
  const std::string directive = files_.Write("dry.sh", "#!/bin/sh\n#SBATCH --dry-run\ntrue\n");
  CommandResult in_script = instance_->Run({"batch", directive});
  EXPECT_EQ(in_script.exit_code, 1);
  EXPECT_NE(in_script.err.find("line 2"), std::string::npos) << in_script.err;
  CommandResult jobs = instance_->Run({"jobs", "-a", "--no-header"});
  EXPECT_EQ(jobs.out, "") << "a dry run submitted a job";
}

// Issue 16 item 2: urgency 0 holds a job (submit --hold, --urgency=hold, #SBATCH --hold,
// converge hold) until converge release or converge urgency lets it go.
TEST_F(InstanceCliTest, HeldJobsWaitUntilReleased) {
  const int64_t held = SubmitJob(*instance_, {"--hold", "true"});
  CommandResult jobs = instance_->Run({"jobs", "--no-header"});
  EXPECT_NE(jobs.out.find(" P "), std::string::npos) << jobs.out;
  EXPECT_NE(jobs.out.find("held (urgency 0): converge release " + std::to_string(held)),
            std::string::npos)
      << jobs.out;
  const int64_t by_word = SubmitJob(*instance_, {"--urgency=hold", "true"});
  const std::string script = files_.Write("held.sh", "#!/bin/sh\n#SBATCH --hold\ntrue\n");
  CommandResult batch = instance_->Run({"batch", "--parsable", script});
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  const int64_t by_directive = std::stoll(batch.out);
  for (int64_t id : {held, by_word, by_directive}) {
    nlohmann::json job = CallApi(*instance_, "GET", "/v1/jobs/" + std::to_string(id)).body;
    EXPECT_EQ(job["state"], "PRIORITY") << job.dump();
    EXPECT_EQ(job["priority"], 0) << job.dump();
  }
  CommandResult release =
      instance_->Run({"release", std::to_string(held), std::to_string(by_directive)});
  EXPECT_EQ(release.exit_code, 0) << release.err;
  CommandResult urgency = instance_->Run({"urgency", std::to_string(by_word), "expedite"});
  EXPECT_EQ(urgency.exit_code, 0) << urgency.err;
  for (int64_t id : {held, by_word, by_directive}) {
    EXPECT_EQ(WaitInactive(*instance_, id)["result"], "completed") << id;
  }
  CommandResult ended = instance_->Run({"hold", std::to_string(held)});
  EXPECT_EQ(ended.exit_code, 1);
  EXPECT_NE(ended.err.find("only a pending job's urgency can change"), std::string::npos)
      << ended.err;
  CommandResult bad = instance_->Run({"urgency", std::to_string(held), "soon"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("'soon' is not 0..31"), std::string::npos) << bad.err;
  CommandResult bad_flag = instance_->Run({"submit", "--urgency=40", "true"});
  EXPECT_EQ(bad_flag.exit_code, 2) << bad_flag.err;
}

// Issue 16 item 2: -w, --exclude and --requires restrict placement (RFC 31 constraints).
TEST_F(InstanceCliTest, NodelistExcludeAndRequiresPlaceTheTasks) {
  CommandResult listed = instance_->Run({"run", "-w", "node[1-2]", "printenv", "CONVERGE_NODE"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  std::vector<std::string> nodes;
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) nodes.push_back(line);
  std::sort(nodes.begin(), nodes.end());
  EXPECT_EQ(nodes, (std::vector<std::string>{"node1", "node2"})) << listed.out;
  CommandResult excluded =
      instance_->Run({"run", "--exclude", "node[0-2]", "printenv", "CONVERGE_NODE"});
  EXPECT_EQ(excluded.out, "node3\n") << excluded.err;
  CommandResult required =
      instance_->Run({"run", "--requires", "-host:node0 host:node[0-1]", "printenv",
                      "CONVERGE_NODE"});
  EXPECT_EQ(required.out, "node1\n") << required.err;
  // An RFC 35 query with or, not and parentheses, and Slurm's -C: node3 alone satisfies both.
  CommandResult query = instance_->Run(
      {"run", "--requires", "(host:node3 or rank:0) and not host:node0", "-C", "(x|y)|-z",
       "printenv", "CONVERGE_NODE"});
  EXPECT_EQ(query.out, "node3\n") << query.err;
  CommandResult nowhere = instance_->Run({"submit", "--requires", "host:elsewhere", "true"});
  EXPECT_EQ(nowhere.exit_code, 1);
  EXPECT_NE(nowhere.err.find("converge submit:"), std::string::npos) << nowhere.err;
}

// Issue 16 items 2 and 4: --mem is memory on each node, held in the graph like cores.
TEST(InstanceMemoryTest, MemoryFlagsPlaceJobsWhereTheMemoryIsFree) {
  TempDir files;
  const std::string cluster = files.Write("cluster.yaml", R"(cluster: {name: test}
nodes:
  - {count: 2, basename: node, sockets: 1, cores_per_socket: 4, memory_per_socket: 4GiB}
)");
  InstanceLauncher instance(InstanceOptions{.resources = cluster});
  ASSERT_TRUE(instance.Start()) << instance.log();
  int64_t holder = SubmitJob(instance, {"-w", "node0", "--mem=3G", "sleep", "300"});
  for (int i = 0; i < 500 && GetJob(instance, holder)["state"] != "RUN"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(GetJob(instance, holder)["state"], "RUN");
  // node0 has 3 cores but only 1 GiB free: 3 GiB goes to node1, 2 x 512M fits node0.
  CommandResult elsewhere = instance.Run({"run", "--mem=3G", "printenv", "CONVERGE_NODE"});
  EXPECT_EQ(elsewhere.out, "node1\n") << elsewhere.err;
  CommandResult beside = instance.Run(
      {"run", "-w", "node0", "-n2", "--mem-per-cpu=512M", "printenv", "CONVERGE_NODE"});
  EXPECT_EQ(beside.out, "node0\nnode0\n") << beside.err;
  int64_t waiting = SubmitJob(instance, {"-w", "node0", "--mem=2G", "true"});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  nlohmann::json pending = GetJob(instance, waiting);
  EXPECT_EQ(pending["state"], "SCHED") << pending.dump();
  EXPECT_NE(pending.value("reason", "").find("memory"), std::string::npos) << pending.dump();
  CommandResult never = instance.Run({"submit", "--mem=5G", "true"});
  EXPECT_EQ(never.exit_code, 1);
  EXPECT_NE(never.err.find("memory"), std::string::npos) << never.err;
  EXPECT_EQ(instance.Run({"cancel", std::to_string(holder)}).exit_code, 0);
  EXPECT_EQ(WaitInactive(instance, waiting)["result"], "completed");
  instance.PrintLogIfFailed();
}

// Issue 16 item 2: --label-io (-l) puts each task's rank in front of each line it writes.
TEST_F(InstanceCliTest, LabelIoPutsTheRankInFrontOfEachLine) {
  auto sorted_lines = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  CommandResult run = instance_->Run(
      {"run", "-N2", "-n4", "--label-io", "sh", "-c", "echo out; printf 'e1\ne2' >&2"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(sorted_lines(run.out),
            (std::vector<std::string>{"0: out", "1: out", "2: out", "3: out"}));
  const std::vector<std::string> err = sorted_lines(run.err);
  EXPECT_EQ(std::count(err.begin(), err.end(), "2: e1"), 1) << run.err;
  EXPECT_EQ(std::count(err.begin(), err.end(), "2: e2"), 1) << run.err;  // its newline added
  // Into one --output file, both streams labelled.
  const std::string out = files_.path() + "/labelled.out";
  int64_t id = SubmitJob(*instance_, {"-n2", "-l", "-o", out, "sh", "-c", "echo a; echo b >&2"});
  EXPECT_EQ(WaitInactive(*instance_, id)["result"], "completed");
  EXPECT_EQ(sorted_lines(ReadFile(out)),
            (std::vector<std::string>{"0: a", "0: b", "1: a", "1: b"}));
}

// Issue 16 item 5: named queues with their own policy and limits, stopped and started (and
// still stopped after a restart), listed, drained, and picked by `jobs -q`.
TEST(InstanceQueuesTest, NamedQueuesHaveLimitsAndStopAndStart) {
  TempDir files;
  InstanceLauncher instance(InstanceOptions{
      .resources = files.Write("cluster.yaml", kFourNodes),
      .extra_args = {"--queue", "batch", "--queue", "debug:fcfs:max-time=1m:max-nodes=2",
                     "--queue", "edge:hosts=node[2-3]"}});
  ASSERT_TRUE(instance.Start()) << instance.log();
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"submit", "-q", "gpu", "true"}, "no queue 'gpu' here (queues: batch, debug, edge)"},
           {{"submit", "-p", "debug", "-t", "5m", "true"}, "over queue debug's limit of 1m"},
           {{"submit", "-q", "debug", "-N3", "true"}, "over queue debug's limit of 2"}}) {
    CommandResult refused = instance.Run(args);
    EXPECT_EQ(refused.exit_code, 1) << message;
    EXPECT_NE(refused.err.find(message), std::string::npos) << refused.err;
  }
  const int64_t plain = SubmitJob(instance, {"true"});
  EXPECT_EQ(WaitInactive(instance, plain)["queue"], "batch");  // the first is the default
  const int64_t limited = SubmitJob(instance, {"-q", "debug", "true"});
  nlohmann::json done = WaitInactive(instance, limited);
  EXPECT_EQ(done["result"], "completed") << done.dump();
  EXPECT_EQ(done["duration"], 60) << done.dump();  // the queue's max-time is its limit
  // A queue's hosts are the only ones its jobs get.
  CommandResult edge = instance.Run({"run", "-q", "edge", "-N2", "printenv", "CONVERGE_NODE"});
  std::istringstream edge_lines(edge.out);
  std::vector<std::string> edge_nodes;
  for (std::string line; std::getline(edge_lines, line);) edge_nodes.push_back(line);
  std::sort(edge_nodes.begin(), edge_nodes.end());
  EXPECT_EQ(edge_nodes, (std::vector<std::string>{"node2", "node3"})) << edge.err;
  EXPECT_EQ(instance.Run({"submit", "-q", "edge", "-N3", "true"}).exit_code, 1);

  ASSERT_EQ(instance.Run({"queue", "stop", "debug"}).exit_code, 0);
  const int64_t waiting = SubmitJob(instance, {"-q", "debug", "true"});
  const int64_t other = SubmitJob(instance, {"true"});
  EXPECT_EQ(WaitInactive(instance, other)["result"], "completed");
  nlohmann::json pending = GetJob(instance, waiting);
  EXPECT_EQ(pending["state"], "SCHED") << pending.dump();
  EXPECT_NE(pending.value("reason", "").find("queue debug is stopped"), std::string::npos)
      << pending.dump();
  CommandResult list = instance.Run({"queue", "list"});
  EXPECT_NE(list.out.find("debug fcfs   stopped"), std::string::npos) << list.out;
  CommandResult status = instance.Run({"queue", "status"});
  EXPECT_NE(status.out.find("policy: fcfs"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("queue debug is stopped"), std::string::npos) << status.out;
  ASSERT_TRUE(instance.Stop()) << instance.log();
  ASSERT_TRUE(instance.Start()) << instance.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(GetJob(instance, waiting)["state"], "SCHED");  // still stopped
  ASSERT_EQ(instance.Run({"queue", "start", "--all"}).exit_code, 0);
  EXPECT_EQ(instance.Run({"queue", "drain", "debug", "--timeout", "20"}).exit_code, 0);
  EXPECT_EQ(GetJob(instance, waiting)["result"], "completed");
  // Without names: the whole instance (this read a destroyed temporary and crashed).
  CommandResult whole = instance.Run({"queue", "drain", "--timeout", "20"});
  EXPECT_EQ(whole.exit_code, 0) << whole.err;
  CommandResult debug_jobs = instance.Run({"jobs", "-a", "-q", "debug", "-n", "-o", "{id}"});
  EXPECT_EQ(debug_jobs.out, std::to_string(waiting) + "\n" + std::to_string(limited) + "\n")
      << debug_jobs.out << debug_jobs.err;
  // A script's partition must be a queue here; the error names its line.
  CommandResult partition = instance.Run({"batch", "-"}, "#!/bin/sh\n#SBATCH -p gpu\ntrue\n");
  EXPECT_EQ(partition.exit_code, 1);
  EXPECT_EQ(partition.err, "converge batch: stdin: line 2: #SBATCH queue 'gpu': no such queue "
                           "here (queues: batch, debug, edge)\n");
  CommandResult in_debug = instance.Run(
      {"batch", "--parsable", "-o", files.path() + "/p.out", "-"}, "#SBATCH -p debug\ntrue\n");
  ASSERT_EQ(in_debug.exit_code, 0) << in_debug.err;
  EXPECT_EQ(WaitInactive(instance, std::stoll(in_debug.out))["queue"], "debug");
  EXPECT_EQ(instance.Run({"queue", "stop"}).exit_code, 2);  // no names, no --all
  EXPECT_EQ(instance.Run({"queue", "start", "nosuch"}).exit_code, 1);
  instance.PrintLogIfFailed();
}

// Issue 9 item 9: no process a job started outlives it (background, setsid, SIGTERM-proof).
TEST_F(InstanceCliTest, ProcessesLeftByAJobAreGoneWhenItEnds) {
  const std::vector<std::string> background = {"sleep", "3011"};
  const std::vector<std::string> own_session = {"sleep", "3012"};
  ProcessSweep sweep_background(background), sweep_session(own_session);
  CommandResult run = instance_->Run(
      {"run", "sh", "-c", "sleep 3011 & setsid sleep 3012 & echo left; exit 0"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "left\n");
  EXPECT_TRUE(NoProcessRunning(background)) << "'sleep 3011 &' outlived `converge run`";
  EXPECT_TRUE(NoProcessRunning(own_session)) << "'setsid sleep 3012' outlived `converge run`";
}

TEST_F(InstanceCliTest, ACancelEndsAGrandchildThatIgnoresSigterm) {
  const std::vector<std::string> stubborn = {"sleep", "3013"};
  ProcessSweep sweep(stubborn);
  int64_t id = SubmitJob(*instance_, {"sh", "-c", "(trap '' TERM; sleep 3013) & wait"});
  ASSERT_TRUE(ProcessAppears(stubborn));
  CommandResult cancel = instance_->Run({"cancel", std::to_string(id)});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_EQ(WaitInactive(*instance_, id)["result"], "canceled");
  EXPECT_TRUE(NoProcessRunning(stubborn)) << "a SIGTERM-proof grandchild outlived the cancel";
}

TEST_F(InstanceCliTest, TasksGetTheirEnvironmentOnTheDeclaredNodes) {
  CommandResult run = instance_->Run(
      {"run", "-N2", "-n2", "-c2", "-g1", "sh", "-c",
       "echo $CONVERGE_TASK_RANK/$CONVERGE_TASK_COUNT $CONVERGE_NODE $CONVERGE_NODELIST "
       "cores=$CONVERGE_CORES gpus=$CUDA_VISIBLE_DEVICES"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("0/2 node0 node[0-1] cores=0,1 gpus=0"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1/2 node1 node[0-1] cores=0,1 gpus=0"), std::string::npos) << run.out;
}

TEST_F(InstanceCliTest, TimeLimitEndsTheJobWithTimeout) {
  int64_t id = SubmitJob(*instance_, {"-t", "1s", "sleep", "30"});
  nlohmann::json job = WaitInactive(*instance_, id, 20);
  EXPECT_EQ(job["result"], "timeout") << job.dump();
  EXPECT_EQ(instance_->Run({"wait", std::to_string(id)}).exit_code, 1);
}

TEST_F(InstanceCliTest, CancelEndsRunningAndPendingJobs) {
  int64_t running = SubmitJob(*instance_, {"-N4", "-x", "sleep", "30"});
  int64_t pending = SubmitJob(*instance_, {"-N4", "-x", "sleep", "30"});
  for (int i = 0; i < 500 && GetJob(*instance_, running)["state"] != "RUN"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(GetJob(*instance_, pending)["state"], "SCHED");
  CommandResult cancel = instance_->Run({"cancel", std::to_string(running),
                                         std::to_string(pending)});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_EQ(WaitInactive(*instance_, running)["result"], "canceled");
  EXPECT_EQ(WaitInactive(*instance_, pending)["result"], "canceled");
  CommandResult again = instance_->Run({"cancel", std::to_string(running)});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("inactive"), std::string::npos) << again.err;
}

TEST_F(InstanceCliTest, ACommandThatCannotRunFailsWithTheExecErrorInTheEventlog) {
  int64_t id = SubmitJob(*instance_, {"/no/such/program"});
  nlohmann::json job = WaitInactive(*instance_, id);
  EXPECT_EQ(job["result"], "failed") << job.dump();
  ApiAnswer events = CallApi(*instance_, "GET", "/v1/jobs/" + std::to_string(id) + "/events");
  ASSERT_EQ(events.status, 200);
  std::string names;
  bool exec_error = false;
  for (const auto& event : events.body["events"]) {
    names += event["name"].get<std::string>() + " ";
    if (event["name"] == "exception" &&
        event["context"]["note"].get<std::string>().find("/no/such/program") !=
            std::string::npos) {
      exec_error = true;
    }
  }
  EXPECT_TRUE(exec_error) << events.text;
  EXPECT_EQ(names.rfind("submit validate depend priority alloc", 0), 0u) << names;
  EXPECT_NE(names.find("release clean"), std::string::npos) << names;
}

TEST_F(InstanceCliTest, DependenciesOrderJobsAndFailWhenTheyCannotBeMet) {
  int64_t first = SubmitJob(*instance_, {"sh", "-c", "sleep 0.3; exit 1"});
  int64_t on_ok = SubmitJob(*instance_, {"--dependency=afterok:" + std::to_string(first), "true"});
  int64_t on_fail =
      SubmitJob(*instance_, {"--dependency=afternotok:" + std::to_string(first), "true"});
  int64_t on_any = SubmitJob(*instance_, {"--dependency=afterany:" + std::to_string(on_fail),
                                          "true"});
  EXPECT_EQ(GetJob(*instance_, on_ok)["state"], "DEPEND");
  EXPECT_EQ(WaitInactive(*instance_, first)["result"], "failed");
  nlohmann::json never = WaitInactive(*instance_, on_ok);
  EXPECT_EQ(never["result"], "failed");
  EXPECT_NE(never["reason"].get<std::string>().find("can never be met"), std::string::npos);
  EXPECT_EQ(WaitInactive(*instance_, on_fail)["result"], "completed");
  nlohmann::json any = WaitInactive(*instance_, on_any);
  EXPECT_EQ(any["result"], "completed");
  EXPECT_GE(any["start_time"].get<double>(),
            GetJob(*instance_, on_fail)["end_time"].get<double>() - 0.01);
  CommandResult bad = instance_->Run({"submit", "--dependency=afterok:999", "true"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("no such job"), std::string::npos) << bad.err;
}

TEST_F(InstanceCliTest, ResourcesShowAllocationsAndDrainedNodes) {
  int64_t id = SubmitJob(*instance_, {"-N1", "-x", "sleep", "30"});
  for (int i = 0; i < 500 && GetJob(*instance_, id)["state"] != "RUN"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CommandResult drain = instance_->Run({"resource", "drain", "node[2-3]", "maintenance"});
  EXPECT_EQ(drain.exit_code, 0) << drain.err;
  ApiAnswer resources = CallApi(*instance_, "GET", "/v1/resources");
  ASSERT_EQ(resources.status, 200);
  std::map<std::string, std::string> states;
  for (const auto& node : resources.body["nodes"]) states[node["name"]] = node["state"];
  EXPECT_EQ(states["node0"], "allocated");
  EXPECT_EQ(states["node1"], "free");
  EXPECT_EQ(states["node2"], "drained");
  CommandResult list = instance_->Run({"resource", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("drained"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("allocated"), std::string::npos) << list.out;
  // Issue 16 item 6: only node1's cores are free; node0 is busy, node2 and node3 drained.
  EXPECT_NE(list.out.find("free: 4 of 16 cores, 1 of 4 GPUs"), std::string::npos) << list.out;
  EXPECT_EQ(resources.body["totals"]["cores_free"], 4) << resources.text;
  // A job needing three whole nodes waits while two are drained, and says why.
  int64_t waiting = SubmitJob(*instance_, {"-N3", "-x", "true"});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(GetJob(*instance_, waiting)["state"], "SCHED");
  CommandResult queue = instance_->Run({"queue"});
  EXPECT_EQ(queue.exit_code, 0) << queue.err;
  EXPECT_NE(queue.out.find(std::to_string(waiting)), std::string::npos) << queue.out;
  EXPECT_EQ(instance_->Run({"resource", "undrain", "node[2-3]"}).exit_code, 0);
  EXPECT_EQ(WaitInactive(*instance_, waiting)["result"], "completed");
  EXPECT_EQ(instance_->Run({"resource", "drain", "nodeX"}).exit_code, 1);
  instance_->Run({"cancel", std::to_string(id)});
}

TEST_F(InstanceCliTest, ARestartKeepsResultsAndRunsPendingJobs) {
  int64_t done = SubmitJob(*instance_, {"true"});
  EXPECT_EQ(WaitInactive(*instance_, done)["result"], "completed");
  instance_->Run({"resource", "drain", "node[0-3]"});
  int64_t pending = SubmitJob(*instance_, {"echo", "after restart"});
  EXPECT_EQ(GetJob(*instance_, pending)["state"], "SCHED");
  ASSERT_TRUE(instance_->Stop()) << instance_->log();
  ASSERT_TRUE(instance_->Start()) << instance_->log();
  nlohmann::json kept = GetJob(*instance_, done);
  EXPECT_EQ(kept["result"], "completed");
  EXPECT_EQ(GetJob(*instance_, pending)["state"], "SCHED");  // the drain survived too
  instance_->Run({"resource", "undrain", "node[0-3]"});
  EXPECT_EQ(WaitInactive(*instance_, pending)["result"], "completed");
  EXPECT_EQ(instance_->Run({"logs", std::to_string(pending)}).out, "after restart\n");
  int64_t next = SubmitJob(*instance_, {"true"});
  EXPECT_GT(next, pending);  // ids are never reused
}

TEST_F(InstanceCliTest, BatchScriptDirectivesSetTheJobsOptions) {
  std::string script = files_.Write("job.sh",
                                    "#!/bin/sh\n#SBATCH --nodes=2\n#FLUX: --job-name=dirs\n"
                                    "echo nodes=$CONVERGE_NODELIST\n");
  ::chmod(script.c_str(), 0755);
  CommandResult batch = instance_->Run({"batch", "--parsable", "--output",
                                        files_.path() + "/out-{{id}}.txt", script});
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  int64_t id = std::stoll(batch.out);
  nlohmann::json job = WaitInactive(*instance_, id);
  EXPECT_EQ(job["result"], "completed") << job.dump();
  EXPECT_EQ(job["name"], "dirs");
  EXPECT_EQ(job["nnodes"], 2);
  EXPECT_EQ(ReadFile(files_.path() + "/out-" + std::to_string(id) + ".txt"),
            "nodes=node[0-1]\n");
}

// Issue 16 item 4: #SBATCH --array makes a batch job per index, named by %x, %A and %a.
TEST_F(InstanceCliTest, BatchArraysRunTheScriptOncePerIndex) {
  const std::string script = files_.Write(
      "array.sh", "#!/bin/sh\n#SBATCH --array=1-5:2\n#SBATCH -J arr -n1\n#SBATCH -o " +
                      files_.path() + "/%x_%A_%a.out\n"
                      "echo \"$SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT\"\n");
  CommandResult batch = instance_->Run({"batch", "--parsable", script});
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  std::istringstream ids(batch.out);
  std::vector<std::string> outputs;
  for (int64_t id = 0, index = 1; ids >> id; index += 2) {
    EXPECT_EQ(WaitInactive(*instance_, id)["result"], "completed");
    outputs.push_back(ReadFile(files_.path() + "/arr_" + std::to_string(id) + "_" +
                               std::to_string(index) + ".out"));
  }
  EXPECT_EQ(outputs, (std::vector<std::string>{"1 of 3\n", "3 of 3\n", "5 of 3\n"}));
  // The command line wins over the script, --cc over --array too.
  CommandResult cc = instance_->Run({"batch", "--dry-run", "--cc", "7", script});
  ASSERT_EQ(cc.exit_code, 0) << cc.err;
  const nlohmann::json environment =
      nlohmann::json::parse(cc.out)["attributes"]["system"]["environment"];
  EXPECT_EQ(environment.value("CONVERGE_CC", ""), "7") << cc.out;
  EXPECT_FALSE(environment.contains("SLURM_ARRAY_TASK_ID")) << cc.out;
  CommandResult both = instance_->Run({"batch", "--cc", "1-2", "--array", "1-2", script});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_NE(both.err.find("give --cc or --array, not both"), std::string::npos) << both.err;
}

// Issue 16 item 8: a Slurm script runs as it is: srun is converge run inside the batch job,
// with sbatch's variables; a Flux script's flux run likewise; --no-shims turns that off.
TEST_F(InstanceCliTest, SlurmAndFluxScriptsRunUnmodified) {
  const std::string out = files_.path() + "/out-{{id}}.txt";
  auto output_of = [&](const CommandResult& batch, int64_t* id) {
    EXPECT_EQ(batch.exit_code, 0) << batch.err;
    *id = std::stoll(batch.out);
    EXPECT_EQ(WaitInactive(*instance_, *id, 60)["result"], "completed");
    return ReadFile(files_.path() + "/out-" + std::to_string(*id) + ".txt");
  };
  const std::string slurm =
      "#!/bin/sh\n#SBATCH -N2 --ntasks-per-node=2 -J slurmish\n"
      "echo \"$SLURM_JOB_ID $SLURM_JOB_NAME $SLURM_NTASKS $SLURM_NNODES $SLURM_JOB_NODELIST\"\n"
      "srun sh -c 'echo rank $SLURM_PROCID of $SLURM_NTASKS' | sort\n"
      "srun -n1 --mpi=pmi2 --overlap true && echo one\n"
      "srun -n2 -l sh -c 'echo hi' | sort\n"
      "srun --multi-prog x 2>/dev/null || echo refused\n"
      "flux submit --wait true >/dev/null && echo waited\n";
  int64_t id = 0;
  const std::string text = output_of(instance_->Run({"batch", "--parsable", "-o", out, "-"},
                                                     slurm), &id);
  const std::string job = GetJob(*instance_, id)["nodelist"].get<std::string>();
  EXPECT_EQ(text, std::to_string(id) + " slurmish 4 2 " + job + "\n" +
                      "rank 0 of 4\nrank 1 of 4\nrank 2 of 4\nrank 3 of 4\none\n0: hi\n1: hi\n"
                      "refused\nwaited\n");
  const std::string flux = "#!/bin/sh\n#FLUX: -N1 -n2\n"
                           "flux run -n2 -o pmi=simple printenv CONVERGE_TASK_RANK | sort\n";
  EXPECT_EQ(output_of(instance_->Run({"batch", "--parsable", "-o", out, "-"}, flux), &id),
            "0\n1\n");
  // Without shims, srun is whatever PATH finds (here: none, or Slurm's own).
  const std::string which = "#!/bin/sh\ncommand -v srun || echo none\n";
  const std::string shimmed = output_of(
      instance_->Run({"batch", "--parsable", "-o", out, "-"}, which), &id);
  EXPECT_NE(shimmed.find("/shims-"), std::string::npos) << shimmed;
  const std::string plain = output_of(
      instance_->Run({"batch", "--parsable", "--no-shims", "-o", out, "-"}, which), &id);
  EXPECT_EQ(plain.find("/shims-"), std::string::npos) << plain;
}

TEST_F(InstanceCliTest, BatchTakesAScriptOnStdinOrFromWrap) {
  const std::string out = files_.path() + "/out-{{id}}.txt";
  auto output_of = [&](const CommandResult& batch) {
    EXPECT_EQ(batch.exit_code, 0) << batch.err;
    const int64_t id = std::stoll(batch.out);
    EXPECT_EQ(WaitInactive(*instance_, id)["result"], "completed");
    return ReadFile(files_.path() + "/out-" + std::to_string(id) + ".txt");
  };
  // On stdin ("-" or no SCRIPT): its #! shell (with its options) runs the text; $0 is "stdin".
  const std::string script =
      "#!/bin/bash -e\n#SBATCH --job-name=piped\necho \"$0 $1 ${BASH_VERSION:+bash}\"\n";
  EXPECT_EQ(output_of(instance_->Run({"batch", "--parsable", "-o", out, "-", "arg1"}, script)),
            "stdin arg1 bash\n");
  EXPECT_EQ(output_of(instance_->Run({"batch", "--parsable", "-o", out}, "#SBATCH -n1\necho hi\n")),
            "hi\n");
  EXPECT_EQ(
      output_of(instance_->Run({"batch", "--parsable", "-o", out, "--wrap", "echo a; echo b"})),
      "a\nb\n");
  // Directives converge does not know refuse the script, unless told to warn instead.
  const std::string unknown = "#!/bin/sh\n#SBATCH --gres-flags=enforce-binding -n 1\necho ran\n";
  CommandResult refused = instance_->Run({"batch", "-"}, unknown);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "converge batch: stdin: line 2: #SBATCH --gres-flags: unknown option\n");
  CommandResult warned = instance_->Run(
      {"batch", "--parsable", "-o", out, "--ignore-unknown-directives", "-"}, unknown);
  EXPECT_EQ(output_of(warned), "ran\n");
  EXPECT_EQ(warned.err,
            "converge batch: stdin: line 2: #SBATCH --gres-flags: unknown option, ignored\n");
  // What cannot run that way is refused by name.
  for (const auto& [input, message] : std::vector<std::pair<std::string, std::string>>{
           {"", "the script is empty"},
           {"#!/usr/bin/python3\nprint(1)\n", "runs through a shell"},
           {std::string(200 * 1024, '#'), "more than 131071 bytes"}}) {
    CommandResult bad = instance_->Run({"batch", "-"}, input);
    EXPECT_EQ(bad.exit_code, 1) << message;
    EXPECT_NE(bad.err.find(message), std::string::npos) << bad.err;
  }
  CommandResult both = instance_->Run({"batch", "--wrap", "true", "job.sh"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--wrap is the script"), std::string::npos) << both.err;
}

TEST_F(InstanceCliTest, SubmitArrayIsSlurmsCcWithSteps) {
  CommandResult submit = instance_->Run(
      {"submit", "--array", "1-5:2,8", "sh", "-c",
       "echo {cc} $CONVERGE_CC $SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_MIN-$SLURM_ARRAY_TASK_MAX "
       "$SLURM_ARRAY_TASK_COUNT"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  std::istringstream ids(submit.out);
  std::vector<int64_t> list;
  for (int64_t id; ids >> id;) list.push_back(id);
  ASSERT_EQ(list.size(), 4u) << submit.out;
  const char* const expected[] = {"1 1 1 1-8 4\n", "3 3 3 1-8 4\n", "5 5 5 1-8 4\n",
                                  "8 8 8 1-8 4\n"};
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(WaitInactive(*instance_, list[i])["result"], "completed");
    EXPECT_EQ(instance_->Run({"logs", std::to_string(list[i])}).out, expected[i]);
  }
  for (const auto& [array, message] : std::vector<std::pair<std::string, std::string>>{
           {"1-10%2", "'%2': a limit on copies running at once is not supported"},
           {"5-1", "'5-1': the range ends before it starts"},
           {"1-3,2", "'2': 2 is given twice"},
           {"1:2", "'1:2': use N, A-B or A-B:STEP"}}) {
    CommandResult bad = instance_->Run({"submit", "--array", array, "true"});
    EXPECT_EQ(bad.exit_code, 1) << array;
    EXPECT_NE(bad.err.find(message), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("(field: --array)"), std::string::npos) << bad.err;
  }
  CommandResult both = instance_->Run({"submit", "--array", "1", "--cc", "1", "true"});
  EXPECT_NE(both.err.find("give --cc or --array, not both"), std::string::npos) << both.err;
}

// Issue 16 item 2: --begin-time, -d singleton and -d after order jobs in time.
TEST_F(InstanceCliTest, BeginTimeSingletonAndAfterOrderJobs) {
  const std::string log = files_.path() + "/order.log";
  const int64_t first = SubmitJob(*instance_, {"--job-name=step", "-o", log, "sh", "-c",
                                               "sleep 0.5; echo first >> " + log});
  const int64_t single = SubmitJob(*instance_, {"--job-name=step", "-d", "singleton", "-o", log,
                                                "sh", "-c", "echo singleton >> " + log});
  const int64_t after = SubmitJob(
      *instance_, {"-d", "after:" + std::to_string(first), "-o", log, "sh", "-c",
                   "echo after >> " + log});
  const int64_t later = SubmitJob(
      *instance_, {"--begin-time=+2s", "-o", log, "sh", "-c", "echo later >> " + log});
  CommandResult listed = instance_->Run({"jobs", "--no-header"});
  EXPECT_NE(listed.out.find("waiting for begin-time (in"), std::string::npos) << listed.out;
  for (int64_t id : {first, single, after, later}) {
    EXPECT_EQ(WaitInactive(*instance_, id)["result"], "completed") << id;
  }
  // after: once `first` started; singleton: once it ended; later: two seconds on.
  EXPECT_EQ(ReadFile(log), "after\nfirst\nsingleton\nlater\n");
  nlohmann::json shown = nlohmann::json::parse(
      instance_->Run({"show", std::to_string(later), "--json"}).out);
  EXPECT_EQ(shown["dependencies"][0].get<std::string>().rfind("begin-time:", 0), 0u)
      << shown.dump();
}

// Issue 16 item 6: flux-jobs formats, job ids, --name and flux-jobs' filter words.
TEST_F(InstanceCliTest, JobsTakeFormatsIdsNamesAndFluxFilters) {
  const int64_t ok = SubmitJob(*instance_, {"--job-name=good", "true"});
  const int64_t bad = SubmitJob(*instance_, {"--job-name=bad", "sh", "-c", "exit 3"});
  WaitInactive(*instance_, ok);
  WaitInactive(*instance_, bad);
  CommandResult format = instance_->Run(
      {"jobs", "-a", "-o", "{id:>4} {name:<5}|{status_abbrev} {status} {returncode}"});
  EXPECT_EQ(format.exit_code, 0) << format.err;
  const std::string good_line = std::string(4 - std::to_string(ok).size(), ' ') +
                                std::to_string(ok) + " good |CD COMPLETED 0\n";
  const std::string bad_line = std::string(4 - std::to_string(bad).size(), ' ') +
                               std::to_string(bad) + " bad  |F FAILED 3\n";
  EXPECT_EQ(format.out, "JOBID NAME |ST STATUS RC\n" + bad_line + good_line);
  EXPECT_EQ(instance_->Run({"jobs", "-n", "-o", "{id}", "-f", "failed"}).out,
            std::to_string(bad) + "\n");
  EXPECT_EQ(instance_->Run({"jobs", "-n", "-o", "{id}", "-a", "--name", "good"}).out,
            std::to_string(ok) + "\n");
  EXPECT_EQ(instance_->Run({"jobs", "-n", "-o", "{name}", std::to_string(ok), std::to_string(bad)})
                .out,
            "good\nbad\n");
  CommandResult unknown = instance_->Run({"jobs", "-o", "{nmae}"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown field {nmae}"), std::string::npos) << unknown.err;
  CommandResult missing = instance_->Run({"jobs", "999999"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("job 999999 not found"), std::string::npos) << missing.err;
}

// Issue 16 item 6: cancel -s passes a signal on (the job goes on); --name and --state select.
TEST_F(InstanceCliTest, CancelSignalsTasksAndSelectsByNameAndState) {
  const std::string at = files_.path() + "/";
  const int64_t trapping = SubmitJob(
      *instance_, {"--job-name=trap", "-o", at + "trap.out", "sh", "-c",
                   "trap 'echo got USR1' USR1; touch " + at + "ready; i=0; while [ $i -lt 30 ]; "
                   "do sleep 0.05; i=$((i+1)); done; echo done"});
  for (int i = 0; i < 200 && ::access((at + "ready").c_str(), F_OK) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CommandResult signalled = instance_->Run({"cancel", "-s", "SIGUSR1", std::to_string(trapping)});
  EXPECT_EQ(signalled.exit_code, 0) << signalled.err;
  EXPECT_EQ(WaitInactive(*instance_, trapping)["result"], "completed");
  const std::string out = ReadFile(at + "trap.out");
  // Once (its `sleep` got one too, and the shell says so), and the job went on.
  size_t got = 0;
  for (size_t at = out.find("got USR1"); at != std::string::npos;
       at = out.find("got USR1", at + 1)) {
    ++got;
  }
  EXPECT_EQ(got, 1u) << out;
  EXPECT_NE(out.find("done\n"), std::string::npos) << out;
  CommandResult ended = instance_->Run({"cancel", "-s", "USR1", std::to_string(trapping)});
  EXPECT_EQ(ended.exit_code, 1);
  EXPECT_NE(ended.err.find("only a running job's tasks can be signalled"), std::string::npos)
      << ended.err;
  EXPECT_EQ(instance_->Run({"cancel", "-s", "USR3", "1"}).exit_code, 2);
  // --name and --state pick among the caller's active jobs.
  const int64_t keep = SubmitJob(*instance_, {"--job-name=keep", "sleep", "30"});
  const int64_t drop = SubmitJob(*instance_, {"--job-name=drop", "sleep", "30"});
  EXPECT_EQ(instance_->Run({"cancel", "--name", "drop", "--state", "running,pending"}).exit_code,
            0);
  EXPECT_EQ(WaitInactive(*instance_, drop)["result"], "canceled");
  EXPECT_NE(GetJob(*instance_, keep)["state"], "INACTIVE");
  EXPECT_EQ(instance_->Run({"cancel", "--name", "keep"}).exit_code, 0);
  EXPECT_EQ(WaitInactive(*instance_, keep)["result"], "canceled");
}

// Issue 16 item 2: --signal=SIG@TIME warns the tasks TIME before the time limit.
TEST_F(InstanceCliTest, SignalOptionWarnsBeforeTheTimeLimit) {
  CommandResult run = instance_->Run(
      {"run", "-t", "3s", "--signal=USR2@2.5", "sh", "-c",
       "trap 'echo warned; exit 0' USR2; i=0; while [ $i -lt 50 ]; do sleep 0.05; "
       "i=$((i+1)); done; echo never"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "warned\n");
}

TEST_F(InstanceCliTest, SubmitCcMakesOneJobPerIndex) {
  CommandResult submit = instance_->Run({"submit", "--cc", "1-5", "echo", "copy{cc}"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  std::istringstream ids(submit.out);
  std::vector<int64_t> list;
  for (int64_t id; ids >> id;) list.push_back(id);
  ASSERT_EQ(list.size(), 5u);
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(WaitInactive(*instance_, list[i])["result"], "completed");
    EXPECT_EQ(instance_->Run({"logs", std::to_string(list[i])}).out,
              "copy" + std::to_string(i + 1) + "\n");
  }
  EXPECT_EQ(instance_->Run({"wait", "--all"}).exit_code, 0);
}

// Issue 12, item 4: copies are sent as they are made, in POSTs bounded by count and bytes;
// every copy arrives once, in order, whatever the split.
TEST_F(InstanceCliTest, SubmitCcSendsManyLargeCopiesOnceEachInOrder) {
  const std::string big(6000, 'x');  // 300 copies of ~8 KB: several POSTs by size, not count
  CommandResult submit =
      instance_->Run({"submit", "--hold", "--cc", "1-300", "echo", "{cc}", big});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  std::istringstream ids(submit.out);
  std::vector<int64_t> list;
  for (int64_t id; ids >> id;) list.push_back(id);
  ASSERT_EQ(list.size(), 300u);
  for (size_t i = 1; i < list.size(); ++i) EXPECT_EQ(list[i], list[i - 1] + 1);
  for (size_t i : {size_t{0}, size_t{137}, size_t{299}}) {
    nlohmann::json job = GetJob(*instance_, list[i]);
    EXPECT_EQ(job["jobspec"]["tasks"][0]["command"][1], std::to_string(i + 1)) << job.dump();
  }
  EXPECT_EQ(instance_->Run({"cancel", "--all"}).exit_code, 0);
}

}  // namespace
}  // namespace converge::testutil
