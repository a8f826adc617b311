// Service rules through ParseDocuments, each with its exact message.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "workload/document.h"
#include "workload/test_util.h"

namespace converge::workload {
namespace {

using testing::ParseError;

const std::string kPrefix = "w.yaml: document 1 (Service ml): ";

// A Service "ml" whose spec holds `fields` (indented 2).
std::string Service(const std::string& fields) {
  return "apiVersion: converge/v1\nkind: Service\nmetadata: {name: ml}\nspec:\n" + fields;
}

ServiceSpec Parse(const std::string& text) {
  Result<std::vector<Document>> documents = ParseDocuments(text, "w.yaml");
  EXPECT_TRUE(documents.ok()) << documents.status().ToString() << "\n" << text;
  if (!documents.ok()) return {};
  return std::get<ServiceSpec>((*documents)[0].spec);
}

TEST(ServiceParse, Defaults) {
  const ServiceSpec spec = Parse(Service("  command: serve --port $PORT\n"));
  EXPECT_EQ(spec.task.command, (std::vector<std::string>{"sh", "-c", "serve --port $PORT"}));
  EXPECT_EQ(spec.task.cores, 1);
  EXPECT_EQ(spec.task.gpus, 0);
  EXPECT_EQ(spec.port, 0);
  EXPECT_EQ(spec.health_http, "");
  EXPECT_EQ(spec.restart, ServiceSpec::Restart::kAlways);
}

TEST(ServiceParse, Values) {
  const ServiceSpec spec =
      Parse(Service("  command: [serve]\n  port: 8080\n  restartPolicy: OnFailure\n"
                    "  resources: {cores: 2, gpus: 1}\n  env: {MODEL: m}\n  workingDir: /srv\n"));
  EXPECT_EQ(spec.port, 8080);
  EXPECT_EQ(spec.restart, ServiceSpec::Restart::kOnFailure);
  EXPECT_EQ(spec.task.cores, 2);
  EXPECT_EQ(spec.task.gpus, 1);
  EXPECT_EQ(spec.task.env.at("MODEL"), "m");
  EXPECT_EQ(spec.task.cwd, "/srv");
  EXPECT_EQ(Parse(Service("  command: [serve]\n  restartPolicy: Never\n")).restart,
            ServiceSpec::Restart::kNever);
  EXPECT_EQ(Parse(Service("  command: [serve]\n  port: 1024\n")).port, 1024);
  EXPECT_EQ(Parse(Service("  command: [serve]\n  port: 65535\n")).port, 65535);
}

TEST(ServiceParse, CommandRequired) {
  EXPECT_EQ(ParseError(Service("  port: auto\n")), kPrefix + "spec.command: is required");
  EXPECT_EQ(ParseError(Service("  command: []\n")), kPrefix + "spec.command: must not be empty");
}

TEST(ServiceParse, Port) {
  const std::string rule = "spec.port: must be auto or an integer from 1024 to 65535";
  EXPECT_EQ(ParseError(Service("  command: [s]\n  port: 80\n")), kPrefix + rule);
  EXPECT_EQ(ParseError(Service("  command: [s]\n  port: 65536\n")), kPrefix + rule);
  EXPECT_EQ(ParseError(Service("  command: [s]\n  port: Auto\n")), kPrefix + rule);
  EXPECT_EQ(ParseError(Service("  command: [s]\n  port: \"8080\"\n")), kPrefix + rule);
  EXPECT_EQ(ParseError(Service("  command: [s]\n  port: 8080.5\n")), kPrefix + rule);
}

TEST(ServiceParse, HealthCheck) {
  EXPECT_EQ(ParseError(Service("  command: [s]\n  healthCheck: {httpGet: {path: healthz}}\n")),
            kPrefix + "spec.healthCheck.httpGet.path: must start with '/'");
  EXPECT_EQ(ParseError(Service("  command: [s]\n  healthCheck: {httpGet: {}}\n")),
            kPrefix + "spec.healthCheck.httpGet.path: is required");
  EXPECT_EQ(ParseError(Service("  command: [s]\n  healthCheck: {}\n")),
            kPrefix + "spec.healthCheck.httpGet: is required");
  EXPECT_EQ(ParseError(Service("  command: [s]\n  healthCheck: {tcpSocket: {port: 1}}\n")),
            kPrefix + "spec.healthCheck.tcpSocket: unknown field");
  EXPECT_EQ(ParseError(Service("  command: [s]\n  healthCheck: {httpGet: {path: /, port: 1}}\n")),
            kPrefix + "spec.healthCheck.httpGet.port: unknown field");
}

TEST(ServiceParse, RestartPolicyAndUnknownFields) {
  EXPECT_EQ(ParseError(Service("  command: [s]\n  restartPolicy: always\n")),
            kPrefix + "spec.restartPolicy: must be Always, OnFailure or Never");
  EXPECT_EQ(ParseError(Service("  command: [s]\n  duration: 10m\n")),
            kPrefix + "spec.duration: unknown field");
  EXPECT_EQ(ParseError(Service("  command: [s]\n  replicas: 2\n")),
            kPrefix + "spec.replicas: unknown field");
}

}  // namespace
}  // namespace converge::workload
