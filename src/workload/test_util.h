// Helpers shared by the workload tests: the reference example file and error extraction.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "workload/document.h"

namespace converge::workload::testing {

// The format's reference example (docs/formats/workload.md): a JobSet with two
// replicatedJobs, the Service it needs and a MiniCluster.
inline std::string ExampleYaml() {
  return R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: train, labels: {app: ml}}
spec:
  successPolicy: {operator: All}
  failurePolicy: {maxRestarts: 2, restartStrategy: Recreate}
  startupPolicy: {startupPolicyOrder: InOrder}
  needsServices: [ml]
  replicatedJobs:
    - name: driver
      template:
        task:
          command: ./drive
    - name: workers
      replicas: 2
      exclusiveTopology: rack
      dependsOn: [{name: driver, status: Ready}]
      template:
        parallelism: 2
        completions: 2
        backoffLimit: 0
        task:
          command: ["sh", "-c", "./work --rank $POD_INDEX"]
          resources: {cores: 1, gpus: 0}
          env: {A: "1"}
          workingDir: /tmp
          duration: 10m
---
apiVersion: converge/v1
kind: Service
metadata: {name: ml}
spec:
  command: ["converge-ml", "serve"]
  resources: {cores: 1}
  env: {}
  workingDir: ...
  port: auto
  healthCheck: {httpGet: {path: /healthz}}
  restartPolicy: Always
---
apiVersion: converge/v1
kind: MiniCluster
metadata: {name: mc}
spec:
  size: 2
  cores: 4
  command: ["sh", "-c", "converge submit ..."]
)";
}

// The error message of parsing `text` as source "w.yaml"; "" (and a test failure) if it
// parses.
inline std::string ParseError(const std::string& text) {
  Result<std::vector<Document>> documents = ParseDocuments(text, "w.yaml");
  EXPECT_FALSE(documents.ok()) << text;
  if (documents.ok()) return "";
  EXPECT_EQ(documents.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(documents.status().where(), "");
  return documents.status().message();
}

// A one-replicatedJob JobSet named "train" whose replicatedJob body (indented 6 spaces,
// after "- name: workers") is `job`, and whose spec has `extra` (indented 2) first.
inline std::string JobSet(const std::string& job, const std::string& extra = "") {
  return "apiVersion: converge/v1\nkind: JobSet\nmetadata: {name: train}\nspec:\n" + extra +
         "  replicatedJobs:\n    - name: workers\n" + job;
}

// A replicatedJob body with the given template body (indented 8).
inline std::string Template(const std::string& body) { return "      template:\n" + body; }

// A template body whose task is `task` (indented 10).
inline std::string Task(const std::string& task) { return "        task:\n" + task; }

inline const char* kCommand = "          command: [run]\n";

}  // namespace converge::workload::testing
