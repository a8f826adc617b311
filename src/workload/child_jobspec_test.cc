#include "workload/child_jobspec.h"

#include <gtest/gtest.h>

#include "jobspec/parse.h"

namespace converge::workload {
namespace {

Document Parsed(const std::string& yaml) {
  Result<std::vector<Document>> documents = ParseDocuments(yaml, "t.yaml");
  EXPECT_TRUE(documents.ok()) << documents.status().ToString();
  return documents->front();
}

TEST(ChildJobspecTest, JobSetChildIsAGangOfPodsInsideItsTopologyDomain) {
  Document jobset = Parsed(R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: train}
spec:
  needsServices: [ml]
  replicatedJobs:
    - name: workers
      replicas: 3
      exclusiveTopology: rack
      template:
        parallelism: 4
        task: {command: ["./work"], resources: {cores: 2, gpus: 1}, env: {A: "1"}, duration: 10m}
)");
  Result<nlohmann::json> spec = JobSetChildJobspec(jobset, 0, 2, {"/work", {{"B", "2"}}});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const nlohmann::json& rack = (*spec)["resources"][0];
  EXPECT_EQ(rack["type"], "rack");
  EXPECT_EQ(rack["exclusive"], true);
  EXPECT_EQ(rack["with"][0]["count"], 4);
  EXPECT_EQ(rack["with"][0]["with"][1]["type"], "gpu");
  const nlohmann::json& system = (*spec)["attributes"]["system"];
  EXPECT_EQ(system["job"]["name"], "train-workers-2");
  EXPECT_EQ(system["duration"], 600);
  EXPECT_EQ(system["cwd"], "/work");
  EXPECT_EQ(system["environment"]["JOB_INDEX"], "2");
  EXPECT_EQ(system["environment"]["REPLICATED_JOB_REPLICAS"], "3");
  EXPECT_EQ(system["environment"]["A"], "1");
  EXPECT_EQ(system["environment"]["B"], "2");
  EXPECT_EQ(system["converge"]["pod_prefix"], "train-workers-2");
  EXPECT_EQ(system["converge"]["needs_services"], nlohmann::json::array({"ml"}));
  // What the instance will parse.
  EXPECT_TRUE(jobspec::Parse(spec->dump(), {}).ok());
}

TEST(ChildJobspecTest, ServiceAndMiniCluster) {
  Document service = Parsed(
      "apiVersion: converge/v1\nkind: Service\nmetadata: {name: ml}\n"
      "spec: {command: [serve], resources: {cores: 2}}\n");
  Result<nlohmann::json> job = ServiceJobspec(service, 20001, {"/", {}});
  ASSERT_TRUE(job.ok());
  EXPECT_EQ((*job)["attributes"]["system"]["environment"]["CONVERGE_PORT"], "20001");
  EXPECT_EQ((*job)["resources"][0]["with"][0]["count"], 2);
  Document mini = Parsed(
      "apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: mc}\n"
      "spec: {size: 2, command: [sh, -c, 'true']}\n");
  job = MiniClusterJobspec(mini, "/bin/converge", "/s/mc", {"/", {}});
  ASSERT_TRUE(job.ok());
  EXPECT_EQ((*job)["resources"][0]["count"], 2);
  EXPECT_EQ((*job)["resources"][0]["exclusive"], true);
  EXPECT_EQ((*job)["tasks"][0]["command"],
            nlohmann::json::array({"/bin/converge", "start", "--nested", "--state", "/s/mc", "--",
                                   "sh", "-c", "true"}));
  // One task per node, finding each other over PMI-1 (a nested instance spread over its nodes).
  EXPECT_EQ((*job)["attributes"]["system"]["shell"]["options"]["per-resource"],
            nlohmann::json({{"type", "node"}, {"count", 1}}));
  EXPECT_EQ((*job)["attributes"]["system"]["shell"]["options"]["pmi"], "simple");
  EXPECT_TRUE(jobspec::Parse(job->dump(), {}).ok());
}

}  // namespace
}  // namespace converge::workload
