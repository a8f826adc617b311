// `converge events` and GET /v1/events against a real instance: one stream of job, service and
// node events, listed or followed (-f), filtered by kind and age, with bad filters refused.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/instance_test_support.h"
#include "tests/testutil/instance_launcher.h"
#include "tests/testutil/run_command.h"

namespace converge {
namespace {

using testutil::CallApi;
using testutil::CommandResult;
using testutil::InstanceLauncher;
using testutil::InstanceOptions;
using testutil::TempDir;

constexpr const char* kCluster = R"(cluster: {name: test}
nodes:
  - {count: 2, basename: node, sockets: 1, cores_per_socket: 2}
)";

// `converge ARGS` running in the background against `instance`, its stdout read line by line.
class Follower {
 public:
  Follower(const InstanceLauncher& instance, const std::vector<std::string>& args) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::setenv("CONVERGE_URI", instance.uri().c_str(), 1);
      std::vector<std::string> argv = {testutil::ConvergeBinary()};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> raw;
      for (std::string& arg : argv) raw.push_back(arg.data());
      raw.push_back(nullptr);
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
  }
  ~Follower() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  // Whether a line read so far passes `wanted`, else reads lines until one does or `seconds`
  // pass; every line read is kept.
  bool WaitFor(const std::function<bool(const nlohmann::json&)>& wanted, double seconds = 20) {
    for (const nlohmann::json& line : lines_) {
      if (wanted(line)) return true;
    }
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      for (size_t end; (end = buffer_.find('\n')) != std::string::npos;) {
        lines_.push_back(nlohmann::json::parse(buffer_.substr(0, end), nullptr, false));
        buffer_.erase(0, end + 1);
        if (wanted(lines_.back())) return true;
      }
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 100) <= 0) continue;
      char chunk[4096];
      const ssize_t got = ::read(fd_, chunk, sizeof chunk);
      if (got <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(got));
    }
    return false;
  }
  const std::vector<nlohmann::json>& lines() const { return lines_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  std::vector<nlohmann::json> lines_;
};

auto Is(const std::string& kind, const std::string& name, const std::string& reason) {
  return [=](const nlohmann::json& event) {
    return event.value("kind", "") == kind && event.value("name", "") == name &&
           event.value("reason", "") == reason;
  };
}

class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    instance_ = std::make_unique<InstanceLauncher>(
        InstanceOptions{.resources = files_.Write("cluster.yaml", kCluster)});
    ASSERT_TRUE(instance_->Start()) << instance_->log();
  }
  void TearDown() override { instance_->PrintLogIfFailed(); }

  TempDir files_;
  std::unique_ptr<InstanceLauncher> instance_;
};

TEST_F(EventsTest, OneFollowedStreamOfJobServiceAndNodeEventsInOrder) {
  const int64_t before = testutil::SubmitJob(*instance_, {"true"});
  testutil::WaitInactive(*instance_, before);
  Follower follower(*instance_, {"events", "-f", "-o", "json"});
  // What happened before the follower started is listed first.
  ASSERT_TRUE(follower.WaitFor(Is("job", std::to_string(before), "clean")));

  const int64_t job = testutil::SubmitJob(*instance_, {"true"});
  ASSERT_EQ(instance_->Run({"drain", "node1", "disk", "check"}).exit_code, 0);
  ASSERT_EQ(instance_->Run({"service", "create", "web", "--port", "auto", "--", "sleep", "60"})
                .exit_code,
            0);
  EXPECT_TRUE(follower.WaitFor(Is("service", "web", "Ready")));
  EXPECT_TRUE(follower.WaitFor(Is("job", std::to_string(job), "clean")));
  bool drained = false;
  uint64_t last_seq = 0;
  for (const nlohmann::json& event : follower.lines()) {
    ASSERT_TRUE(event.is_object()) << "a line that is not JSON";
    EXPECT_GT(event.value("seq", uint64_t{0}), last_seq) << event.dump();
    last_seq = event.value("seq", uint64_t{0});
    if (Is("node", "node1", "Drained")(event)) {
      drained = true;
      EXPECT_EQ(event["message"], "disk check");
    }
    if (Is("job", std::to_string(job), "clean")(event)) {
      EXPECT_EQ(event["context"]["result"], "completed") << event.dump();
      EXPECT_EQ(event["message"], "result=completed");
    }
  }
  EXPECT_TRUE(drained);

  // Listed with filters: only node events; a table for humans.
  CommandResult nodes = instance_->Run({"events", "--type", "node"});
  ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
  EXPECT_NE(nodes.out.find("node/node1"), std::string::npos) << nodes.out;
  EXPECT_NE(nodes.out.find("Drained"), std::string::npos) << nodes.out;
  EXPECT_EQ(nodes.out.find("job/"), std::string::npos) << nodes.out;
  EXPECT_EQ(nodes.out.rfind("TIME", 0), 0u) << nodes.out;
  CommandResult recent = instance_->Run({"events", "--since", "1h", "--type", "service,job"});
  ASSERT_EQ(recent.exit_code, 0) << recent.err;
  EXPECT_NE(recent.out.find("service/web"), std::string::npos) << recent.out;
  EXPECT_NE(recent.out.find("job/" + std::to_string(job) + " "), std::string::npos);
  EXPECT_EQ(recent.out.find("node/"), std::string::npos) << recent.out;

  // The API: after= resumes past an event, limit= keeps the newest.
  testutil::ApiAnswer all = CallApi(*instance_, "GET", "/v1/events?limit=50000");
  ASSERT_EQ(all.status, 200);
  const nlohmann::json& events = all.body["events"];
  ASSERT_GT(events.size(), 10u);
  EXPECT_EQ(all.body["last_seq"], events.back()["seq"]);
  const uint64_t middle = events[events.size() / 2]["seq"];
  testutil::ApiAnswer later =
      CallApi(*instance_, "GET", "/v1/events?after=" + std::to_string(middle));
  ASSERT_EQ(later.status, 200);
  EXPECT_EQ(later.body["events"].size(), events.size() - events.size() / 2 - 1);
  EXPECT_EQ(later.body["events"][0]["seq"], middle + 1);
  testutil::ApiAnswer two = CallApi(*instance_, "GET", "/v1/events?limit=2");
  ASSERT_EQ(two.body["events"].size(), 2u);
  EXPECT_EQ(two.body["events"][1]["seq"], all.body["last_seq"]);
}

TEST_F(EventsTest, BadFiltersAreRefusedWithTheirName) {
  testutil::ApiAnswer kind = CallApi(*instance_, "GET", "/v1/events?type=job,pod");
  EXPECT_EQ(kind.status, 400);
  EXPECT_EQ(kind.body["field"], "type");
  EXPECT_NE(kind.body.value("error", "").find("'pod'"), std::string::npos) << kind.text;
  for (const char* query : {"since=-1", "since=soon", "after=1.5", "limit=x"}) {
    testutil::ApiAnswer bad = CallApi(*instance_, "GET", std::string("/v1/events?") + query);
    EXPECT_EQ(bad.status, 400) << query;
  }
  CommandResult since = instance_->Run({"events", "--since", "yesterday"});
  EXPECT_EQ(since.exit_code, 2);
  EXPECT_NE(since.err.find("--since yesterday"), std::string::npos) << since.err;
  CommandResult type = instance_->Run({"events", "--type", "pods"});
  EXPECT_EQ(type.exit_code, 1);
  EXPECT_NE(type.err.find("'pods' is not a kind of event"), std::string::npos) << type.err;
  CommandResult output = instance_->Run({"events", "-o", "yaml"});
  EXPECT_EQ(output.exit_code, 2);
  CommandResult unknown = instance_->Run({"events", "--watch-all"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("--watch-all"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace converge
