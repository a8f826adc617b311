// Declarative workloads against a running instance: JobSet success (All, Any), failure with
// restarts (Recreate, RestartJob), InOrder start, exclusive topology placement on racks,
// the injected environment, services' readiness, restart and discovery, bad documents
// (nothing half-applied), and nested instances (batch depth 2, alloc, MiniCluster).
#include <algorithm>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "tests/e2e/instance_test_support.h"

namespace converge::testutil {
namespace {

// A Service document: the example's model server, READY once /healthz answers.
std::string ModelService() {
  return std::string(R"(apiVersion: converge/v1
kind: Service
metadata: {name: model}
spec:
  command: [")") +
         CONVERGE_ML_BIN + R"(", "serve"]
  healthCheck: {httpGet: {path: /healthz}}
)";
}

// Two racks of two nodes, four cores each.
constexpr const char* kRacks = R"(cluster: {name: test}
racks: {nodes_per_rack: 2}
nodes:
  - {count: 4, basename: node, sockets: 1, cores_per_socket: 4}
)";

class WorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = files_.Write("cluster.yaml", kRacks);
    instance_ = std::make_unique<InstanceLauncher>(InstanceOptions{.resources = cluster_});
    ASSERT_TRUE(instance_->Start()) << instance_->log();
  }
  void TearDown() override { instance_->PrintLogIfFailed(); }

  CommandResult Apply(const std::string& yaml) {
    return instance_->Run({"apply", "-f", files_.Write("w" + std::to_string(++files_written_) +
                                                           ".yaml", yaml)});
  }
  nlohmann::json Object(const std::string& kind, const std::string& name) {
    return CallApi(*instance_, "GET", "/v1/objects/" + kind + "/" + name).body;
  }
  // Polls the object until its status.phase is `phase` (or `seconds` pass); returns it.
  nlohmann::json WaitPhase(const std::string& kind, const std::string& name,
                           const std::string& phase, double seconds = 30) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    nlohmann::json object;
    while (std::chrono::steady_clock::now() < deadline) {
      object = Object(kind, name);
      if (object.is_object() && object["status"].value("phase", "") == phase) return object;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << kind << "/" << name << " never reached " << phase << ": " << object.dump();
    return object;
  }
  std::string Output(int64_t job) {
    return instance_->Run({"logs", std::to_string(job)}).out;
  }
  int64_t ChildJob(const nlohmann::json& jobset, const std::string& name) {
    for (const auto& child : jobset["status"]["childJobs"]) {
      if (child["name"] == name) return child["job"].get<int64_t>();
    }
    ADD_FAILURE() << "no child " << name << " in " << jobset.dump();
    return -1;
  }

  TempDir files_;
  int files_written_ = 0;
  std::string cluster_;
  std::unique_ptr<InstanceLauncher> instance_;
};

TEST_F(WorkloadTest, JobSetAllSucceedsAndTasksSeeTheirNamesAndIndexes) {
  CommandResult applied = Apply(R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: train}
spec:
  replicatedJobs:
    - name: workers
      replicas: 2
      template:
        parallelism: 2
        task:
          command: ["sh", "-c", "echo $POD_NAME $JOBSET_NAME $REPLICATED_JOB_NAME $JOB_INDEX $POD_INDEX $REPLICATED_JOB_REPLICAS $COORDINATOR_NAME $COORDINATOR"]
)");
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(applied.out, "jobset/train created\n");
  nlohmann::json jobset = WaitPhase("jobset", "train", "Completed");
  EXPECT_EQ(jobset["status"]["replicatedJobsStatus"][0]["succeeded"], 2) << jobset.dump();
  std::string out = Output(ChildJob(jobset, "workers-1"));
  EXPECT_NE(out.find("train-workers-1-0 train workers 1 0 2 train-workers-0-0 127.0.0.1"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("train-workers-1-1 train workers 1 1 2"), std::string::npos) << out;
  // Re-applying the same file changes nothing.
  CommandResult again = instance_->Run({"apply", "-f", files_.path() + "/w1.yaml"});
  EXPECT_EQ(again.out, "jobset/train unchanged\n") << again.err;
  // So does applying what `get -o yaml` prints (status and creationTimestamp are ignored).
  CommandResult yaml = instance_->Run({"get", "jobset", "train", "-o", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  CommandResult reapplied = instance_->Run({"apply", "-f", "-"}, yaml.out);
  EXPECT_EQ(reapplied.out, "jobset/train unchanged\n") << reapplied.err << yaml.out;
  // A changed spec cannot be applied in place; the message names what changed.
  CommandResult changed = Apply(R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: train}
spec:
  replicatedJobs:
    - {name: workers, replicas: 3, template: {parallelism: 2, task: {command: ["true"]}}}
)");
  EXPECT_EQ(changed.exit_code, 1);
  EXPECT_NE(changed.err.find("changed: replicatedJobs"), std::string::npos) << changed.err;
}

TEST_F(WorkloadTest, JobSetAnyCompletesWhenATargetSucceedsAndCancelsTheRest) {
  ASSERT_EQ(Apply(R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: race}
spec:
  successPolicy: {operator: Any, targetReplicatedJobs: [fast]}
  replicatedJobs:
    - name: fast
      template: {parallelism: 1, task: {command: ["true"]}}
    - name: slow
      template: {parallelism: 1, task: {command: ["sleep", "60"]}}
)").exit_code, 0);
  nlohmann::json jobset = WaitPhase("jobset", "race", "Completed");
  nlohmann::json slow = WaitInactive(*instance_, ChildJob(jobset, "slow-0"));
  EXPECT_EQ(slow["result"], "canceled") << slow.dump();
}

TEST_F(WorkloadTest, FailedChildRecreatesTheSetUntilMaxRestarts) {
  const std::string marker = files_.path() + "/failed-once";
  ASSERT_EQ(Apply(R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: flaky}
spec:
  failurePolicy: {maxRestarts: 2}
  replicatedJobs:
    - name: w
      replicas: 2
      template:
        parallelism: 1
        task: {command: "if [ $JOB_INDEX = 1 ] && [ ! -e )" + marker + R"( ]; then touch )" + marker +
                  R"(; exit 1; fi; sleep 0.2"}
)").exit_code, 0);
  nlohmann::json jobset = WaitPhase("jobset", "flaky", "Completed");
  EXPECT_EQ(jobset["status"]["restarts"], 1) << jobset.dump();

  ASSERT_EQ(Apply(R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: doomed}
spec:
  failurePolicy: {maxRestarts: 1, restartStrategy: RestartJob}
  replicatedJobs:
    - name: ok
      template: {parallelism: 1, task: {command: ["sleep", "1"]}}
    - name: bad
      template: {parallelism: 1, task: {command: ["false"]}}
)").exit_code, 0);
  jobset = WaitPhase("jobset", "doomed", "Failed");
  EXPECT_EQ(jobset["status"]["restarts"], 1) << jobset.dump();
  EXPECT_EQ(jobset["status"]["conditions"][0]["reason"], "FailurePolicyMaxRestartsReached");
  // RestartJob re-ran only the failed child: the other one kept its first job.
  EXPECT_EQ(jobset["status"]["replicatedJobsStatus"][1]["failed"], 2) << jobset.dump();
  CommandResult described = instance_->Run({"describe", "jobset", "doomed"});
  EXPECT_NE(described.out.find("restarting it alone"), std::string::npos) << described.out;
}

TEST_F(WorkloadTest, InOrderStartsAReplicatedJobOnlyOnceThePreviousOneRuns) {
  ASSERT_EQ(Apply(R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: ordered}
spec:
  startupPolicy: {startupPolicyOrder: InOrder}
  replicatedJobs:
    - name: driver
      template: {parallelism: 1, task: {command: ["sleep", "1"]}}
    - name: workers
      replicas: 2
      template: {parallelism: 1, task: {command: ["true"]}}
)").exit_code, 0);
  nlohmann::json jobset = WaitPhase("jobset", "ordered", "Completed");
  nlohmann::json driver = GetJob(*instance_, ChildJob(jobset, "driver-0"));
  for (const char* name : {"workers-0", "workers-1"}) {
    nlohmann::json worker = GetJob(*instance_, ChildJob(jobset, name));
    EXPECT_GE(worker["submit_time"].get<double>(), driver["start_time"].get<double>())
        << worker.dump() << driver.dump();
  }
}

TEST_F(WorkloadTest, ExclusiveTopologyGivesEachChildJobARackOfItsOwn) {
  ASSERT_EQ(Apply(R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: racks}
spec:
  replicatedJobs:
    - name: w
      replicas: 2
      exclusiveTopology: rack
      template: {parallelism: 2, task: {command: ["sleep", "1"]}}
)").exit_code, 0);
  nlohmann::json jobset = WaitPhase("jobset", "racks", "Completed");
  nlohmann::json first = GetJob(*instance_, ChildJob(jobset, "w-0"));
  nlohmann::json second = GetJob(*instance_, ChildJob(jobset, "w-1"));
  std::set<std::string> racks = {first["nodelist"], second["nodelist"]};
  EXPECT_EQ(racks, (std::set<std::string>{"node[0-1]", "node[2-3]"}))
      << first.dump() << second.dump();
  // They ran side by side, each holding a whole rack.
  EXPECT_LT(second["start_time"].get<double>(), first["end_time"].get<double>());
}

TEST_F(WorkloadTest, ServiceBecomesReadyIsDiscoveredAndRestartsWithBackoff) {
  ASSERT_EQ(Apply(ModelService() + R"(---
apiVersion: converge/v1
kind: JobSet
metadata: {name: client}
spec:
  needsServices: [model]
  replicatedJobs:
    - name: ask
      template: {parallelism: 1, task: {command: ["sh", "-c", "echo $CONVERGE_SERVICE_MODEL_URL"]}}
)").exit_code, 0);
  nlohmann::json service = WaitPhase("service", "model", "Ready");
  const std::string url = service["status"]["url"];
  nlohmann::json jobset = WaitPhase("jobset", "client", "Completed");
  EXPECT_EQ(Output(ChildJob(jobset, "ask-0")), url + "\n");
  // A plain job may need the service too; an unknown service is refused.
  int64_t needing = SubmitJob(*instance_, {"--needs-service", "model", "true"});
  EXPECT_EQ(WaitInactive(*instance_, needing)["result"], "completed");
  CommandResult unknown = instance_->Run({"submit", "--needs-service", "nope", "true"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no service named 'nope'"), std::string::npos) << unknown.err;
  CommandResult list = instance_->Run({"service", "list"});
  EXPECT_NE(list.out.find("model  Ready  " + url), std::string::npos) << list.out;

  // A crashing service is restarted with growing delays.
  CommandResult created = instance_->Run(
      {"service", "create", "crashy", "--restart", "always", "--", "sh", "-c", "exit 1"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));
  nlohmann::json crashy = Object("service", "crashy");
  EXPECT_GE(crashy["status"]["restarts"].get<int>(), 2) << crashy.dump();
  EXPECT_LE(crashy["status"]["restarts"].get<int>(), 3) << crashy.dump();  // 1 s, 2 s, 4 s
  ASSERT_EQ(instance_->Run({"delete", "service", "model"}).exit_code, 0);
  nlohmann::json ended = WaitInactive(*instance_, service["status"]["job"].get<int64_t>());
  EXPECT_EQ(ended["result"], "canceled");
}

TEST_F(WorkloadTest, ObjectsSurviveAnInstanceKilledMidway) {
  ASSERT_EQ(Apply(ModelService() + R"(---
apiVersion: converge/v1
kind: JobSet
metadata: {name: steady}
spec:
  needsServices: [model]
  replicatedJobs:
    - name: w
      replicas: 3
      template: {parallelism: 1, task: {command: ["sleep", "2"]}}
)").exit_code, 0);
  nlohmann::json service = WaitPhase("service", "model", "Ready");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  instance_->Kill9();
  ASSERT_TRUE(instance_->Start()) << instance_->log();
  nlohmann::json jobset = WaitPhase("jobset", "steady", "Completed");
  EXPECT_EQ(jobset["status"]["restarts"], 0) << jobset.dump();
  // No child ran twice: the parent holds exactly the service and three children.
  CommandResult jobs = instance_->Run({"jobs", "-a"});
  size_t lines = std::count(jobs.out.begin(), jobs.out.end(), '\n');
  EXPECT_EQ(lines, 5u) << jobs.out;
  nlohmann::json again = WaitPhase("service", "model", "Ready");
  EXPECT_EQ(again["status"]["port"], service["status"]["port"]);
  EXPECT_EQ(again["status"]["job"], service["status"]["job"]) << "re-attached, not restarted";
}

TEST_F(WorkloadTest, ServicePortsNeverCollideAndAChangedSpecRestartsTheService) {
  ASSERT_EQ(instance_->Run({"service", "create", "a", "--port", "23999", "--", "sleep", "100"})
                .exit_code,
            0);
  CommandResult clash =
      instance_->Run({"service", "create", "b", "--port", "23999", "--", "sleep", "100"});
  EXPECT_EQ(clash.exit_code, 1);
  EXPECT_NE(clash.err.find("23999 is already assigned"), std::string::npos) << clash.err;
  nlohmann::json before = WaitPhase("service", "a", "Ready");
  CommandResult changed = Apply(R"(apiVersion: converge/v1
kind: Service
metadata: {name: a}
spec: {command: ["sleep", "200"], port: 23999, restartPolicy: Never}
)");
  EXPECT_EQ(changed.out, "service/a configured\n") << changed.err;
  nlohmann::json replacing = Object("service", "a");
  EXPECT_FALSE(replacing["status"]["phase"] == "Ready" &&
               replacing["status"]["job"] == before["status"]["job"])
      << "the old process is stopping: " << replacing.dump();
  nlohmann::json old_job = WaitInactive(*instance_, before["status"]["job"].get<int64_t>());
  EXPECT_EQ(old_job["result"], "canceled");
  nlohmann::json after = WaitPhase("service", "a", "Ready");
  ASSERT_NE(after["status"]["job"], before["status"]["job"]);
  nlohmann::json job = GetJob(*instance_, after["status"]["job"].get<int64_t>());
  EXPECT_EQ(job["jobspec"]["tasks"][0]["command"][1], "200") << job.dump();
  // restartPolicy never: a service that exits stays down.
  ASSERT_EQ(instance_->Run({"service", "create", "once", "--restart", "never", "--", "false"})
                .exit_code,
            0);
  nlohmann::json once = WaitPhase("service", "once", "Failed");
  EXPECT_EQ(once["status"]["restarts"], 0);
}

TEST_F(WorkloadTest, BadDocumentsAreRefusedWholeWithTheirPlace) {
  CommandResult unknown = Apply("apiVersion: converge/v1\nkind: Pod\nmetadata: {name: p}\n");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("document 1"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("unknown kind"), std::string::npos) << unknown.err;
  CommandResult cycle = Apply(R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: c}
spec:
  replicatedJobs:
    - {name: a, dependsOn: [{name: b}], template: {parallelism: 1, task: {command: ["true"]}}}
    - {name: b, dependsOn: [{name: a}], template: {parallelism: 1, task: {command: ["true"]}}}
)");
  EXPECT_NE(cycle.err.find("cycle"), std::string::npos) << cycle.err;
  // A good Service beside an impossible JobSet: nothing is applied.
  CommandResult impossible = Apply(R"(apiVersion: converge/v1
kind: Service
metadata: {name: fine}
spec: {command: ["sleep", "100"]}
---
apiVersion: converge/v1
kind: JobSet
metadata: {name: huge}
spec:
  replicatedJobs:
    - {name: w, exclusiveTopology: zone, template: {parallelism: 1, task: {command: ["true"]}}}
)");
  EXPECT_EQ(impossible.exit_code, 1);
  EXPECT_NE(impossible.err.find("document 2 (JobSet huge)"), std::string::npos) << impossible.err;
  EXPECT_NE(impossible.err.find("zone"), std::string::npos) << impossible.err;
  CommandResult too_big = Apply(
      "apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: big}\nspec: {size: 9}\n");
  EXPECT_EQ(too_big.exit_code, 1);
  EXPECT_NE(too_big.err.find("MiniCluster big"), std::string::npos) << too_big.err;
  EXPECT_EQ(CallApi(*instance_, "GET", "/v1/objects/service/fine").status, 404);
  EXPECT_EQ(CallApi(*instance_, "GET", "/v1/objects/service").body["items"].size(), 0u);
}

TEST_F(WorkloadTest, BatchNestsInstancesTwoDeep) {
  const std::string inner = files_.Write("inner.sh",
                                         "#!/bin/sh\nconverge resource list\n"
                                         "converge run -n1 echo deep in $CONVERGE_NODELIST\n");
  const std::string outer = files_.Write(
      "outer.sh", "#!/bin/sh\n#FLUX: -N2 -c2\nconverge resource list\n"
                  "id=$(converge batch --parsable -N1 -o " + files_.path() + "/inner.out " +
                      inner + ")\nconverge wait $id\nconverge jobs -a\n");
  CommandResult submitted = instance_->Run(
      {"batch", "--parsable", "-o", files_.path() + "/outer.out", outer}, "",
      {{"PATH", std::string(CONVERGE_BIN_DIR) + ":/usr/bin:/bin"}});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  nlohmann::json job = WaitInactive(*instance_, std::stoll(submitted.out), 60);
  EXPECT_EQ(job["result"], "completed") << job.dump();
  std::ifstream outer_file(files_.path() + "/outer.out"), inner_file(files_.path() + "/inner.out");
  std::string outer_text((std::istreambuf_iterator<char>(outer_file)), {});
  std::string inner_text((std::istreambuf_iterator<char>(inner_file)), {});
  // -N without -n is whole nodes (flux-core's rule): the child instance owns 2 nodes x 4
  // cores, the grandchild one of them.
  EXPECT_NE(outer_text.find("free: 8 of 8 cores"), std::string::npos) << outer_text;
  EXPECT_NE(inner_text.find("free: 4 of 4 cores"), std::string::npos) << inner_text;
  EXPECT_NE(inner_text.find("deep in node"), std::string::npos) << inner_text;
  // The parent saw one job.
  EXPECT_EQ(CallApi(*instance_, "GET", "/v1/jobs?state=all").body["jobs"].size(), 1u);
}

// Issue 16 item 8, as salloc users type it: srun inside `converge alloc` runs in the allocation.
TEST_F(WorkloadTest, SrunInsideAllocRunsInTheAllocation) {
  CommandResult alloc = instance_->Run(
      {"alloc", "-N1", "-n2", "--", "sh", "-c",
       "echo $SLURM_NTASKS $SLURM_JOB_NODELIST; srun printenv SLURM_PROCID | sort"},
      "", {{"PATH", std::string(CONVERGE_BIN_DIR) + ":/usr/bin:/bin"}});
  EXPECT_EQ(alloc.exit_code, 0) << alloc.err;
  const std::string nodelist =
      CallApi(*instance_, "GET", "/v1/jobs?state=all").body["jobs"][0].value("nodelist", "");
  EXPECT_EQ(alloc.out, "2 " + nodelist + "\n0\n1\n") << alloc.err;
  CommandResult plain = instance_->Run(
      {"alloc", "--no-shims", "-n1", "--", "sh", "-c", "echo ${CONVERGE_SHIMS:-none}"}, "",
      {{"PATH", std::string(CONVERGE_BIN_DIR) + ":/usr/bin:/bin"}});
  EXPECT_EQ(plain.out, "none\n") << plain.err;
}

TEST_F(WorkloadTest, AllocRunsACommandInsideANestedInstanceAndMiniClusterStaysUp) {
  CommandResult alloc =
      instance_->Run({"alloc", "-N1", "-n1", "-c3", "--", "converge", "resource", "list"}, "",
                     {{"PATH", std::string(CONVERGE_BIN_DIR) + ":/usr/bin:/bin"}});
  EXPECT_EQ(alloc.exit_code, 0) << alloc.err;
  EXPECT_NE(alloc.out.find("free: 3 of 3 cores"), std::string::npos) << alloc.out;

  ASSERT_EQ(Apply("apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: mc}\n"
                  "spec: {size: 2}\n").exit_code, 0);
  nlohmann::json mc = WaitPhase("minicluster", "mc", "Running");
  const std::string uri = mc["status"]["uri"];
  CommandResult inside;
  for (int attempt = 0; attempt < 100; ++attempt) {  // the nested instance may still start
    inside = RunConvergeWithEnv({"resource", "list"}, {{"CONVERGE_URI", uri}});
    if (inside.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(inside.out.find("free: 8 of 8 cores"), std::string::npos) << inside.out << inside.err;
  ASSERT_EQ(instance_->Run({"delete", "minicluster", "mc"}).exit_code, 0);
  WaitInactive(*instance_, mc["status"]["job"].get<int64_t>());
}

}  // namespace
}  // namespace converge::testutil
