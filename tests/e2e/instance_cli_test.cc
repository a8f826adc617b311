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

// Issue 16 item 1: an option converge does not know is a usage error that names it, never
// the program's first word, on every command that takes a program.
TEST_F(InstanceCliTest, UnknownOptionsAreUsageErrorsAndSubmitNothing) {
  const char* const unknown[] = {"--bogus",      "-Z",          "--ndoes=2",     "--wrap=true",
                                 "--mem=4G",     "--gres=gpu:1", "--begin-time=now",
                                 "--array=1-3",  "--mem-per-cpu=1G", "--signal=USR1@60",
                                 "--label-io",   "--account=p1", "--mpi=pmix"};
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
  CommandResult nowhere = instance_->Run({"submit", "--requires", "host:elsewhere", "true"});
  EXPECT_EQ(nowhere.exit_code, 1);
  EXPECT_NE(nowhere.err.find("converge submit:"), std::string::npos) << nowhere.err;
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

}  // namespace
}  // namespace converge::testutil
