// The instance's HTTP API driven directly: answers to bad requests, listing and paging,
// streams, YAML submission, bearer tokens on TCP, users and ownership, and the OpenAPI
// document kept in step with the route table.
#include <grp.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "api/router.h"
#include "instance/routes.h"
#include "tests/e2e/instance_test_support.h"
#include "tests/testutil/throwaway_user.h"

namespace converge::testutil {
namespace {

std::string TrueJobspec(const std::string& extra_system = "") {
  return R"({"version": 1, "resources": [{"type": "slot", "count": 1, "label": "task",
    "with": [{"type": "core", "count": 1}]}],
    "tasks": [{"command": ["true"], "slot": "task", "count": {"per_slot": 1}}],
    "attributes": {"system": {"duration": 60)" +
         extra_system + "}}}";
}

class InstanceApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(instance_.Start()) << instance_.log(); }
  void TearDown() override { instance_.PrintLogIfFailed(); }
  InstanceLauncher instance_;
};

TEST_F(InstanceApiTest, BadRequestsGetAClearFourHundred) {
  ApiAnswer malformed = CallApi(instance_, "POST", "/v1/jobs", "{\"version\": 1,");
  EXPECT_EQ(malformed.status, 400) << malformed.text;
  EXPECT_TRUE(malformed.body.contains("error") && malformed.body.contains("field"));

  ApiAnswer unknown = CallApi(instance_, "POST", "/v1/jobs",
                              R"({"version": 1, "resources": [], "tasks": [], "colour": 1})");
  EXPECT_EQ(unknown.status, 400) << unknown.text;

  std::string negative = TrueJobspec();
  negative.replace(negative.find("\"count\": 1"), 10, "\"count\": -4");
  ApiAnswer counts = CallApi(instance_, "POST", "/v1/jobs", negative);
  EXPECT_EQ(counts.status, 400) << counts.text;
  EXPECT_EQ(counts.body["field"], "resources[0].count") << counts.text;

  ApiAnswer dots = CallApi(
      instance_, "POST", "/v1/jobs",
      TrueJobspec(R"(, "shell": {"options": {"output": {"stdout": {"path": "/tmp/../etc/x"}}}})"));
  EXPECT_EQ(dots.status, 400) << dots.text;
  EXPECT_EQ(dots.body["field"], "attributes.system.shell.options.output.stdout.path");

  std::string huge(2 << 20, ' ');
  ApiAnswer big = CallApi(instance_, "POST", "/v1/jobs", "[" + huge + "]");
  EXPECT_EQ(big.status, 413) << big.text;

  std::string too_many = TrueJobspec();
  too_many.replace(too_many.find("\"count\": 1"), 10, "\"count\": 100000");
  ApiAnswer unsatisfiable = CallApi(instance_, "POST", "/v1/jobs", too_many);
  EXPECT_EQ(unsatisfiable.status, 422) << unsatisfiable.text;

  EXPECT_EQ(CallApi(instance_, "GET", "/v1/nothing").status, 404);
  EXPECT_EQ(CallApi(instance_, "DELETE", "/v1/jobs").status, 405);
  EXPECT_EQ(CallApi(instance_, "GET", "/v1/jobs/abc").status, 400);
  EXPECT_EQ(CallApi(instance_, "GET", "/v1/jobs/424242").status, 404);
  EXPECT_EQ(CallApi(instance_, "GET", "/v1/jobs?state=SLEEPING").status, 400);
  EXPECT_EQ(CallApi(instance_, "GET", "/v1/jobs?limit=-1").status, 400);
  EXPECT_EQ(CallApi(instance_, "POST", "/v1/resources/drain", "[]").status, 400);
  EXPECT_EQ(CallApi(instance_, "GET", "/v1/health").status, 200);  // still serving
}

TEST_F(InstanceApiTest, SubmitsYamlAndArraysListsWithPagingAndRefusesCancellingTwice) {
  const std::string yaml = kTrueJobspecYaml;
  ApiAnswer one = CallApi(instance_, "POST", "/v1/jobs", yaml, "application/yaml");
  ASSERT_EQ(one.status, 201) << one.text;
  ApiAnswer many = CallApi(instance_, "POST", "/v1/jobs",
                           "[" + TrueJobspec() + "," + TrueJobspec() + "," + TrueJobspec() + "]");
  ASSERT_EQ(many.status, 201) << many.text;
  ASSERT_EQ(many.body["ids"].size(), 3u);
  const int64_t last = many.body["ids"][2];
  WaitInactive(instance_, last);
  for (int64_t id = one.body["id"]; id <= last; ++id) WaitInactive(instance_, id);

  ApiAnswer page = CallApi(instance_, "GET", "/v1/jobs?state=all&limit=2");
  ASSERT_EQ(page.status, 200);
  ASSERT_EQ(page.body["jobs"].size(), 2u);
  const int64_t after = page.body["next_after"];
  ApiAnswer rest = CallApi(instance_, "GET", "/v1/jobs?state=all&limit=2&after=" +
                                                 std::to_string(after));
  ASSERT_EQ(rest.body["jobs"].size(), 2u);
  EXPECT_GT(rest.body["jobs"][0]["id"].get<int64_t>(), after);
  EXPECT_EQ(CallApi(instance_, "GET", "/v1/jobs?state=inactive").body["jobs"].size(), 4u);
  EXPECT_EQ(CallApi(instance_, "GET", "/v1/jobs").body["jobs"].size(), 0u);  // none active

  ApiAnswer twice = CallApi(instance_, "POST", "/v1/jobs/" + std::to_string(last) + "/cancel");
  EXPECT_EQ(twice.status, 409) << twice.text;

  ApiAnswer job = CallApi(instance_, "GET", "/v1/jobs/" + std::to_string(last));
  EXPECT_EQ(job.body["jobspec"]["version"], 1);
  EXPECT_TRUE(job.body["R"].contains("execution")) << job.text;
}

TEST_F(InstanceApiTest, EventAndOutputStreamsEndWhenTheJobEnds) {
  std::string spec = TrueJobspec();
  spec.replace(spec.find("[\"true\"]"), 8,
               R"(["sh", "-c", "echo one; sleep 0.3; echo two"])");
  ApiAnswer submitted = CallApi(instance_, "POST", "/v1/jobs", spec);
  ASSERT_EQ(submitted.status, 201);
  const std::string id = std::to_string(submitted.body["id"].get<int64_t>());
  auto address = api::ParseAddress(instance_.uri());
  auto client = api::HttpClient::Connect(*address, "");
  ASSERT_TRUE(client.ok());
  std::string output;
  auto status = (*client)->Stream("GET", "/v1/jobs/" + id + "/output?follow=true",
                                  [&](std::string_view chunk) {
                                    output += chunk;
                                    return true;
                                  });
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(*status, 200);
  EXPECT_EQ(output, "one\ntwo\n");
  auto events_client = api::HttpClient::Connect(*address, "");
  std::string lines;
  auto watched = (*events_client)->Stream("GET", "/v1/jobs/" + id + "/events?watch=true",
                                          [&](std::string_view chunk) {
                                            lines += chunk;
                                            return true;
                                          });
  ASSERT_TRUE(watched.ok());
  std::istringstream in(lines);
  std::string line, last;
  int count = 0;
  while (std::getline(in, line)) {
    auto event = nlohmann::json::parse(line);
    last = event["name"];
    ++count;
  }
  EXPECT_EQ(last, "clean");
  EXPECT_GE(count, 9);
}

TEST(InstanceTcpTest, TcpListenersRequireTheBearerToken) {
  InstanceLauncher instance({.tcp = true});
  ASSERT_TRUE(instance.Start()) << instance.log();
  auto address = api::ParseAddress(instance.TcpAddress());
  ASSERT_TRUE(address.ok()) << instance.log();
  struct stat info;
  const std::string token_path = instance.state_dir() + "/token";
  ASSERT_EQ(::stat(token_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::string token = ReadFile(token_path);
  token.erase(token.find_last_not_of("\n") + 1);

  auto anonymous = api::HttpClient::Connect(*address, "");
  ASSERT_TRUE(anonymous.ok());
  auto refused = (*anonymous)->Call("GET", "/v1/health");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
  auto wrong = api::HttpClient::Connect(*address, "not-the-token");
  EXPECT_EQ((*wrong)->Call("GET", "/v1/health")->status, 401);
  auto holder = api::HttpClient::Connect(*address, token);
  EXPECT_EQ((*holder)->Call("GET", "/v1/health")->status, 200);
  CommandResult over_tcp = RunConvergeWithEnv(
      {"run", "echo", "via tcp"},
      {{"CONVERGE_URI", instance.TcpAddress()}, {"CONVERGE_TOKEN", token}});
  EXPECT_EQ(over_tcp.exit_code, 0) << over_tcp.err;
  EXPECT_EQ(over_tcp.out, "via tcp\n");
  instance.PrintLogIfFailed();
}

TEST(OpenApiTest, TheDocumentListsExactlyTheRoutes) {
  api::Router router;
  instance::AddRoutes(router, nullptr);
  std::set<std::string> served;
  for (const api::Route& route : router.routes()) served.insert(route.method + " " + route.pattern);
  YAML::Node doc = YAML::LoadFile("docs/api/openapi.yaml");
  std::set<std::string> documented;
  for (const auto& path : doc["paths"]) {
    for (const auto& operation : path.second) {
      std::string method = operation.first.as<std::string>();
      if (method == "parameters") continue;
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(method + " " + path.first.as<std::string>());
    }
  }
  EXPECT_EQ(served, documented);
}

TEST(InstanceUsersTest, TasksRunAsTheSubmitterWhoMayCancelOnlyTheirOwnJobs) {
  ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  InstanceLauncher instance({.extra_args = {"--multiuser"}});
  ASSERT_TRUE(instance.Start()) << instance.log();
  const std::string name = user.name();
  CommandResult own = user.RunConverge(instance, {"run", "--cwd", "/tmp", "id", "-un"});
  EXPECT_EQ(own.exit_code, 0) << own.err;
  EXPECT_EQ(own.out, name + "\n");
  int64_t root_job = SubmitJob(instance, {"--env", "SECRET=hunter2", "sleep", "30"});
  // Another user sees the job but not its environment.
  CommandResult peek = user.RunConverge(instance, {"show", "--json", std::to_string(root_job)});
  EXPECT_EQ(peek.exit_code, 0) << peek.err;
  EXPECT_EQ(peek.out.find("hunter2"), std::string::npos) << peek.out;
  EXPECT_NE(instance.Run({"show", "--json", std::to_string(root_job)}).out.find("hunter2"),
            std::string::npos);
  CommandResult denied = user.RunConverge(instance, {"cancel", std::to_string(root_job)});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("belongs to"), std::string::npos) << denied.err;
  CommandResult theirs = user.RunConverge(instance, {"submit", "--cwd", "/tmp", "sleep", "30"});
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  const int64_t user_job = std::stoll(theirs.out);
  EXPECT_EQ(GetJob(instance, user_job)["user"], name);
  EXPECT_EQ(instance.Run({"cancel", std::to_string(user_job), std::to_string(root_job)}).exit_code,
            0);  // the owner may cancel everybody's jobs
  EXPECT_EQ(WaitInactive(instance, user_job)["result"], "canceled");
  instance.PrintLogIfFailed();
}

}  // namespace
}  // namespace converge::testutil
