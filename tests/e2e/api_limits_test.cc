// The instance's HTTP hardening, through the real binary: deep bodies refused on every route
// that takes a body, job output streamed with bounded memory to several clients (some of which
// never read), and the connection cap with the owner's reserve.
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "api/http_test_support.h"
#include "api/router.h"
#include "instance/routes.h"
#include "tests/e2e/instance_test_support.h"

namespace converge::testutil {
namespace {

// The instance's resident memory in KiB (VmRSS), or -1.
int64_t ResidentKiB(int64_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

std::string HealthRequest(const std::string& extra_headers = "") {
  return "GET /v1/health HTTP/1.1\r\nHost: x\r\n" + extra_headers + "\r\n";
}

TEST(ApiLimitsTest, DeepBodiesToEveryBodyTakingRouteGet400AndTheInstanceStillAnswers) {
  InstanceLauncher instance;
  ASSERT_TRUE(instance.Start()) << instance.log();
  api::Router router;
  instance::AddRoutes(router, nullptr);
  const std::string deep(500000, '[');  // the reported SIGSEGV: 1 MB-ish of nested arrays
  int checked = 0;
  for (const api::Route& route : router.routes()) {
    if (route.method == "GET") continue;
    std::string target = std::regex_replace(route.pattern, std::regex("\\{kind\\}"), "jobset");
    target = std::regex_replace(target, std::regex("\\{id\\}"), "1");
    target = std::regex_replace(target, std::regex("\\{name\\}"), "x");
    ApiAnswer answer = CallApi(instance, route.method, target, deep);
    EXPECT_EQ(answer.status, 400) << route.method << " " << target << ": " << answer.text;
    EXPECT_EQ(answer.body.value("field", ""), "body") << answer.text;
    ++checked;
    ASSERT_EQ(CallApi(instance, "GET", "/v1/health").status, 200) << "after " << target;
  }
  EXPECT_GE(checked, 5);
  // Ordinary bodies still work, YAML included.
  ApiAnswer yaml = CallApi(instance, "POST", "/v1/jobs", kTrueJobspecYaml, "application/yaml");
  EXPECT_EQ(yaml.status, 201) << yaml.text;
  instance.PrintLogIfFailed();
}

TEST(ApiLimitsTest, ABigOutputReadBySeveralClientsCostsBoundedMemory) {
  InstanceLauncher instance;
  ASSERT_TRUE(instance.Start()) << instance.log();
  constexpr int64_t kSize = int64_t{256} << 20;
  const int64_t id =
      SubmitJob(instance, {"sh", "-c", "head -c " + std::to_string(kSize) + " /dev/zero"});
  ASSERT_GT(id, 0);
  ASSERT_EQ(WaitInactive(instance, id, 120).value("result", ""), "completed");
  const int64_t pid = CallApi(instance, "GET", "/v1/health").body.value("pid", int64_t{-1});
  ASSERT_GT(pid, 0);
  const int64_t before = ResidentKiB(pid);
  ASSERT_GT(before, 0);
  const std::string socket = instance.uri().substr(5);
  const std::string target = "/v1/jobs/" + std::to_string(id) + "/output";
  // Two clients ask for the whole file and never read.
  api::RawSocket idle1(socket), idle2(socket);
  ASSERT_TRUE(idle1.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle2.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  // A third reads it all; meanwhile the instance keeps answering and its memory is sampled.
  auto reader = api::HttpClient::Connect(*api::ParseAddress(instance.uri()), "");
  ASSERT_TRUE(reader.ok());
  int64_t received = 0;
  int64_t most = before;
  int health_checks = 0;
  Result<int> status = (*reader)->Stream("GET", target, [&](std::string_view chunk) {
    const int64_t previous = received;
    received += static_cast<int64_t>(chunk.size());
    if (previous / (16 << 20) != received / (16 << 20)) {
      most = std::max(most, ResidentKiB(pid));
      EXPECT_EQ(CallApi(instance, "GET", "/v1/health").status, 200);
      ++health_checks;
    }
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(*status, 200);
  EXPECT_EQ(received, kSize);
  EXPECT_GE(health_checks, 8);
  most = std::max(most, ResidentKiB(pid));
  // Whole-file reads grew the instance by the file size per client; streaming costs buffers.
  EXPECT_LT(most - before, 64 * 1024) << "resident KiB before " << before << ", most " << most;
  instance.PrintLogIfFailed();
}

TEST(ApiLimitsTest, ConnectionsBeyondTheCapGet503AndTheOwnerCanStillStopTheInstance) {
  InstanceLauncher instance({.extra_args = {"--max-connections", "8"}, .tcp = true});
  ASSERT_TRUE(instance.Start()) << instance.log();
  std::ifstream token_file(instance.state_dir() + "/token");
  std::string token;
  std::getline(token_file, token);
  const std::string bearer = "Authorization: Bearer " + token + "\r\n";
  const int port = std::stoi(instance.TcpAddress().substr(instance.TcpAddress().rfind(':') + 1));
  // TCP callers are not the owner's Unix socket: they get the cap less the reserve (8 - 4).
  std::vector<std::unique_ptr<api::RawSocket>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<api::RawSocket>(port));
    ASSERT_TRUE(held.back()->Send(HealthRequest(bearer)));
    EXPECT_NE(held.back()->ReadResponse().find("200 OK"), std::string::npos) << i;
  }
  for (int i = 0; i < 3; ++i) {
    api::RawSocket extra(port);
    const std::string refused = extra.ReadToEnd();
    EXPECT_NE(refused.find("503 Service Unavailable"), std::string::npos) << refused;
    EXPECT_NE(refused.find("too many connections"), std::string::npos) << refused;
  }
  // The owner still connects (three held, one more for `converge stop`).
  const std::string socket = instance.uri().substr(5);
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<api::RawSocket>(socket));
    ASSERT_TRUE(held.back()->Send(HealthRequest()));
    EXPECT_NE(held.back()->ReadResponse().find("200 OK"), std::string::npos) << i;
  }
  EXPECT_TRUE(instance.Stop()) << instance.log();
  instance.PrintLogIfFailed();
}

}  // namespace
}  // namespace converge::testutil
