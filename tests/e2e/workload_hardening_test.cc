// Issue 9 (hardening) for workload objects: a service's readiness comes from its own process
// (a port held by another process neither makes it READY nor lets it restart every second),
// its restart backoff survives kill -9 of the instance, and the environment of Services and
// JobSets is shown only to the object's owner and the instance owner.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <tuple>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/instance_test_support.h"
#include "tests/testutil/throwaway_user.h"

namespace converge::testutil {
namespace {

// Another process's web server on 127.0.0.1: listens on a free port and answers every request
// with 200 OK, until destroyed.
class ForeignHttpServer {
 public:
  ForeignHttpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ForeignHttpServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }  // 0: could not listen

 private:
  void Serve() {
    while (!stop_) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      char request[1024];
      pollfd readable{client, POLLIN, 0};
      if (::poll(&readable, 1, 1000) > 0) (void)!::read(client, request, sizeof request);
      const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      (void)!::write(client, answer, sizeof answer - 1);
      ::close(client);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class WorkloadHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    instance_ = std::make_unique<InstanceLauncher>(InstanceOptions{});
    ASSERT_TRUE(instance_->Start()) << instance_->log();
  }
  void TearDown() override { instance_->PrintLogIfFailed(); }

  CommandResult Apply(const std::string& yaml) {
    return instance_->Run({"apply", "-f", "-"}, yaml);
  }
  nlohmann::json Object(const std::string& kind, const std::string& name) {
    return CallApi(*instance_, "GET", "/v1/objects/" + kind + "/" + name).body;
  }
  // Polls the object until `done(object)` holds (or `seconds` pass); returns the last one.
  template <typename Predicate>
  nlohmann::json WaitFor(const std::string& kind, const std::string& name, Predicate done,
                         double seconds = 30) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    nlohmann::json object;
    while (std::chrono::steady_clock::now() < deadline) {
      object = Object(kind, name);
      if (object.is_object() && done(object)) return object;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << kind << "/" << name << ": condition never held: " << object.dump();
    return object;
  }
  nlohmann::json WaitRestarts(const std::string& name, int restarts, double seconds = 30) {
    return WaitFor("service", name, [&](const nlohmann::json& object) {
      return object["status"].value("restarts", 0) >= restarts;
    }, seconds);
  }
  // The object's describe events of `type`, oldest first.
  std::vector<nlohmann::json> Events(const std::string& kind, const std::string& name,
                                     const std::string& type) {
    nlohmann::json described =
        CallApi(*instance_, "GET", "/v1/objects/" + kind + "/" + name + "/describe").body;
    std::vector<nlohmann::json> found;
    if (!described.is_object()) return found;
    for (const nlohmann::json& event : described["events"]) {
      if (event.value("type", "") == type) found.push_back(event);
    }
    return found;
  }

  std::unique_ptr<InstanceLauncher> instance_;
};

// Issue 9 item 11: the model server cannot bind the port another process holds; the probe
// used to reach that process, so the service went READY and restarted every second.
TEST_F(WorkloadHardeningTest, Issue9ServiceOnAPortHeldByAnotherProcessIsNotReadyAndBacksOff) {
  ForeignHttpServer foreign;
  ASSERT_GT(foreign.port(), 0);
  const std::string port = std::to_string(foreign.port());
  ASSERT_EQ(Apply(std::string(R"(apiVersion: converge/v1
kind: Service
metadata: {name: model}
spec:
  command: [")") + CONVERGE_ML_BIN + R"(", "serve"]
  port: )" + port + R"(
  healthCheck: {httpGet: {path: /healthz}}
)").exit_code, 0);
  nlohmann::json service = WaitRestarts("model", 3);
  EXPECT_NE(service["status"]["phase"], "Ready") << service.dump();
  EXPECT_NE(service["status"].value("message", "").find("port " + port +
                                                         " is in use by another process"),
            std::string::npos)
      << service.dump();
  EXPECT_TRUE(Events("service", "model", "Ready").empty()) << "never READY";
  // Growing delays, 1 s, 2 s, 4 s, really waited for.
  std::vector<nlohmann::json> backoffs = Events("service", "model", "BackOff");
  ASSERT_GE(backoffs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const std::string message = backoffs[i]["message"];
    EXPECT_NE(message.find("port " + port + " is in use by another process"), std::string::npos)
        << message;
    EXPECT_NE(message.find("restarting in " + std::to_string(1 << i) + " s"), std::string::npos)
        << message;
  }
  for (size_t i = 1; i < 3; ++i) {
    const double gap = backoffs[i]["time"].get<double>() - backoffs[i - 1]["time"].get<double>();
    EXPECT_GE(gap, 0.9 * (1 << (i - 1))) << "backoff " << i << " came early";
  }
  // No process was started on the taken port.
  EXPECT_EQ(service["status"]["job"], 0) << service.dump();
}

// Issue 9 item 11: a port taken by another process while the service runs answers probes,
// but those do not count: only a listener of the service's own processes makes it READY.
TEST_F(WorkloadHardeningTest, Issue9ProbeAnsweredByAnotherProcessDoesNotMakeAServiceReady) {
  // The port is free when the service starts; the foreign server takes it afterwards.
  std::optional<ForeignHttpServer> foreign;
  foreign.emplace();
  ASSERT_GT(foreign->port(), 0);
  const int port = foreign->port();
  foreign.reset();
  ASSERT_EQ(Apply(R"(apiVersion: converge/v1
kind: Service
metadata: {name: quiet}
spec:
  command: ["sleep", "100"]
  port: )" + std::to_string(port) + R"(
  healthCheck: {httpGet: {path: /healthz}}
)").exit_code, 0);
  WaitFor("service", "quiet", [](const nlohmann::json& object) {
    return object["status"]["phase"] == "Starting";
  });
  // Bind the same port again (the kernel may hand out another one: then retry with it).
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::thread server([&] {
    while (!stop) {
      pollfd ready{fd, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      int client = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      char request[1024];
      pollfd readable{client, POLLIN, 0};
      if (::poll(&readable, 1, 1000) > 0) (void)!::read(client, request, sizeof request);
      const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
      (void)!::write(client, answer, sizeof answer - 1);
      ::close(client);
      ++answered;
    }
  });
  // Wait until the foreign server answered three probes; the service must still not be READY.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (answered < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  nlohmann::json service = Object("service", "quiet");
  stop = true;
  server.join();
  ::close(fd);
  EXPECT_GE(answered.load(), 3);
  EXPECT_EQ(service["status"]["phase"], "Starting") << service.dump();
  EXPECT_NE(service["status"].value("message", "").find("not from this service's processes"),
            std::string::npos)
      << service.dump();
  EXPECT_TRUE(Events("service", "quiet", "Ready").empty());
}

// Issue 9 item 11: a crash-looping service keeps its backoff across kill -9 of the instance
// (it used to start again at once and then every second).
TEST_F(WorkloadHardeningTest, Issue9BackoffSurvivesAnInstanceKilledAndRestarted) {
  ASSERT_EQ(instance_->Run({"service", "create", "crashy", "--restart", "always", "--", "sh",
                            "-c", "exit 1"})
                .exit_code,
            0);
  WaitRestarts("crashy", 3);  // delays 1 s, 2 s; now waiting 4 s
  // A reply sent after a commit: the object's state is durable, with the 4 s backoff.
  SubmitJob(*instance_, {"true"});
  std::vector<nlohmann::json> before = Events("service", "crashy", "BackOff");
  ASSERT_EQ(before.size(), 3u);
  ASSERT_NE(before.back()["message"].get<std::string>().find("restarting in 4 s"),
            std::string::npos);
  const double planned = before.back()["time"].get<double>() + 4;
  instance_->Kill9();
  ASSERT_TRUE(instance_->Start()) << instance_->log();
  WaitRestarts("crashy", 4);
  std::vector<nlohmann::json> after = Events("service", "crashy", "BackOff");
  ASSERT_EQ(after.size(), 4u);
  EXPECT_GE(after.back()["time"].get<double>(), planned - 0.2) << "restarted early";
  EXPECT_NE(after.back()["message"].get<std::string>().find("restarting in 8 s"),
            std::string::npos)
      << after.back().dump();
}

// Issue 9 item 11: an automatic port that another process took while the service waited to
// restart moves to a free one (the instance chose it; nobody asked for that number).
TEST_F(WorkloadHardeningTest, Issue9AnAutomaticPortTakenByAnotherProcessMovesToAFreeOne) {
  ASSERT_EQ(instance_->Run({"service", "create", "flappy", "--restart", "always", "--", "sh",
                            "-c", "exit 1"})
                .exit_code,
            0);
  nlohmann::json first = WaitRestarts("flappy", 1);  // waiting 1 s
  const int port = first["status"]["port"];
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  nlohmann::json moved = WaitFor("service", "flappy", [&](const nlohmann::json& object) {
    return object["status"]["port"] != port;
  });
  ::close(fd);
  EXPECT_NE(moved["status"]["port"], port) << moved.dump();
  std::vector<nlohmann::json> changed = Events("service", "flappy", "PortChanged");
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_NE(changed[0]["message"].get<std::string>().find(
                "port " + std::to_string(port) + " is in use by another process"),
            std::string::npos);
}

// Issue 9 item 3: the environment of Services and JobSets (spec env, task env) is shown to the
// object's owner and to the instance owner only — through get -o yaml/json, describe and every
// object route.
TEST(WorkloadEnvironmentTest, Issue9OnlyTheOwnerAndTheInstanceOwnerSeeAnObjectsEnvironment) {
  ThrowawayUser alice;
  if (!alice.ok()) GTEST_SKIP() << alice.skip_reason();
  ThrowawayUser bob;
  if (!bob.ok()) GTEST_SKIP() << bob.skip_reason();
  InstanceLauncher instance({.extra_args = {"--multiuser"}});
  ASSERT_TRUE(instance.Start()) << instance.log();
  const std::string documents = R"(apiVersion: converge/v1
kind: Service
metadata: {name: SVC}
spec:
  command: ["sleep", "100"]
  workingDir: /tmp
  env: {TOKEN: service-hunter2-OWNER}
---
apiVersion: converge/v1
kind: JobSet
metadata: {name: SET}
spec:
  replicatedJobs:
    - name: w
      template:
        parallelism: 1
        task: {command: ["sleep", "100"], workingDir: /tmp, env: {TOKEN: jobset-hunter2-OWNER}}
)";
  auto named = [&](const std::string& owner) {
    std::string text = documents;
    text.replace(text.find("SVC"), 3, owner + "-svc");
    text.replace(text.find("SET"), 3, owner + "-set");
    for (size_t at; (at = text.find("OWNER")) != std::string::npos;) text.replace(at, 5, owner);
    return text;
  };
  ASSERT_EQ(instance.Run({"apply", "-f", "-"}, named("root")).exit_code, 0);
  CommandResult applied = alice.RunConverge(instance, {"apply", "-f", "-"}, named("alice"));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;

  // Every view of an object: the CLI's and the API's routes (through curl when there is one).
  const std::string socket = instance.uri().substr(std::string("unix:").size());
  auto views = [&](const ThrowawayUser* user, const std::string& kind, const std::string& name) {
    std::vector<std::vector<std::string>> commands = {
        {"get", kind, name, "-o", "yaml"}, {"get", kind, name, "-o", "json"},
        {"get", kind, "-o", "yaml"},       {"get", kind, "-o", "json"},
        {"describe", kind, name}};
    std::vector<CommandResult> results;
    for (const auto& args : commands) {
      results.push_back(user ? user->RunConverge(instance, args) : instance.Run(args));
    }
    if (std::filesystem::exists("/usr/bin/curl")) {
      for (const std::string& target :
           {"/v1/objects/" + kind + "/" + name, "/v1/objects/" + kind,
            "/v1/objects/" + kind + "/" + name + "/describe"}) {
        std::vector<std::string> curl = {"/usr/bin/curl", "-sS", "--unix-socket", socket,
                                         "http://converge" + target};
        results.push_back(user ? user->Run(curl) : RunProgram(curl));
      }
    }
    return results;
  };
  struct Case {
    const ThrowawayUser* viewer;  // nullptr: root, the instance owner
    std::string owner;
    bool sees;
  };
  const std::vector<Case> cases = {{&bob, "root", false},  {&alice, "root", false},
                                   {&bob, "alice", false}, {&alice, "alice", true},
                                   {nullptr, "alice", true}, {nullptr, "root", true}};
  for (const Case& test : cases) {
    const std::string viewer = test.viewer ? test.viewer->name() : "root";
    for (const auto& [kind, suffix, secret] :
         {std::tuple{"service", "-svc", std::string("service-hunter2-")},
          std::tuple{"jobset", "-set", std::string("jobset-hunter2-")}}) {
      for (const CommandResult& result : views(test.viewer, kind, test.owner + suffix)) {
        ASSERT_EQ(result.exit_code, 0) << viewer << ": " << result.err;
        EXPECT_NE(result.out.find(test.owner + suffix), std::string::npos) << result.out;
        EXPECT_EQ(result.out.find(secret + test.owner) != std::string::npos, test.sees)
            << viewer << " viewing " << test.owner << suffix << ":\n"
            << result.out;
      }
    }
  }
  instance.PrintLogIfFailed();
}

}  // namespace
}  // namespace converge::testutil
