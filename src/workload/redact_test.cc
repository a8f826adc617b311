#include "workload/redact.h"

#include <gtest/gtest.h>

namespace converge::workload {
namespace {

TEST(WithoutEnvironmentTest, RemovesServiceAndJobSetTaskEnvironments) {
  const nlohmann::json service = nlohmann::json::parse(R"({
    "kind": "Service", "metadata": {"name": "s", "labels": {"env": "prod"}},
    "spec": {"command": ["serve"], "env": {"TOKEN": "secret"}, "port": 8080}})");
  const nlohmann::json shown = WithoutEnvironment(service);
  EXPECT_FALSE(shown["spec"].contains("env"));
  EXPECT_EQ(shown["spec"]["port"], 8080);
  EXPECT_EQ(shown["metadata"]["labels"]["env"], "prod") << "only the spec is touched";

  const nlohmann::json jobset = nlohmann::json::parse(R"({
    "kind": "JobSet", "metadata": {"name": "j"},
    "spec": {"replicatedJobs": [
      {"name": "a", "template": {"task": {"command": ["a"], "env": {"K": "v1"}}}},
      {"name": "b", "template": {"task": {"command": ["b"], "env": {"K": "v2"}}}}]}})");
  const std::string text = WithoutEnvironment(jobset).dump();
  EXPECT_EQ(text.find("v1"), std::string::npos) << text;
  EXPECT_EQ(text.find("v2"), std::string::npos) << text;
  EXPECT_NE(text.find("\"command\":[\"b\"]"), std::string::npos) << text;
}

TEST(WithoutEnvironmentTest, LeavesOtherShapesAlone) {
  EXPECT_EQ(WithoutEnvironment(nlohmann::json::array({1})), nlohmann::json::array({1}));
  const nlohmann::json odd = {{"spec", "text"}, {"env", "top"}};
  EXPECT_EQ(WithoutEnvironment(odd), odd);
}

}  // namespace
}  // namespace converge::workload
