// PmixServer against real PMIx clients (pmix_test_client): job-level info, a fence that
// exchanges every rank's data, connect/finalize events, and an abort reaching the owner's
// thread through event_fd(). The library cannot be initialised twice in one process, so each
// test that starts a server runs it in a child process of its own (InOwnProcess).
#include "exec/pmix_server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testutil/run_command.h"

extern char** environ;

namespace converge::exec {
namespace {

constexpr auto kTimeout = std::chrono::seconds(30);

// Sets "KEY=VALUE" in `env`, replacing KEY's entries.
void SetVariable(std::vector<std::string>& env, const std::string& entry) {
  const std::string prefix = entry.substr(0, entry.find('=') + 1);
  std::erase_if(env, [&](const std::string& item) { return item.rfind(prefix, 0) == 0; });
  env.push_back(entry);
}

class PmixServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = dir_.path() + "/pmix";
    ASSERT_EQ(::mkdir(folder_.c_str(), 0700), 0);
  }

  Result<std::unique_ptr<PmixServer>> Start(int size) {
    PmixJobInfo job;
    job.nspace = "converge.test." + std::to_string(::getpid());
    job.size = size;
    job.tmpdir = folder_;
    job.uid = ::geteuid();
    job.gid = ::getegid();
    return PmixServer::Start(job);
  }

  // Starts pmix_test_client for `rank` with the server's variables; stdout to OUT.rank.
  pid_t Spawn(PmixServer& server, int rank, const std::vector<std::string>& args = {}) {
    Result<std::vector<std::string>> variables = server.TaskEnvironment(rank);
    EXPECT_TRUE(variables.ok()) << variables.status().ToString();
    if (!variables.ok()) return -1;
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
    for (const std::string& variable : *variables) SetVariable(env, variable);
    std::vector<std::string> argv = {CONVERGE_PMIX_TEST_CLIENT};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> argv_c, env_c;
    for (std::string& arg : argv) argv_c.push_back(arg.data());
    argv_c.push_back(nullptr);
    for (std::string& entry : env) env_c.push_back(entry.data());
    env_c.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = dir_.path() + "/out." + std::to_string(rank);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    EXPECT_EQ(::posix_spawn(&pid, argv_c[0], &actions, nullptr, argv_c.data(), env_c.data()), 0);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
  }

  // Waits for `pids` (killing them at the timeout), collecting the server's events meanwhile.
  // Returns their exit codes in order.
  std::vector<int> WaitAll(PmixServer& server, const std::vector<pid_t>& pids,
                           std::vector<PmixEvent>& events) {
    std::vector<int> codes(pids.size(), -1);
    size_t left = pids.size();
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (left > 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "clients did not end within " << kTimeout.count() << " s";
        for (pid_t pid : pids) ::kill(pid, SIGKILL);
      }
      pollfd readable{server.event_fd(), POLLIN, 0};
      ::poll(&readable, 1, 20);
      for (PmixEvent& event : server.TakeEvents()) events.push_back(std::move(event));
      for (size_t i = 0; i < pids.size(); ++i) {
        int status = 0;
        if (codes[i] == -1 && ::waitpid(pids[i], &status, WNOHANG) == pids[i]) {
          codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          --left;
        }
      }
    }
    for (PmixEvent& event : server.TakeEvents()) events.push_back(std::move(event));
    return codes;
  }

  std::string Output(int rank) const {
    std::ifstream file(dir_.path() + "/out." + std::to_string(rank));
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  void ClientsSeeTheJobAndExchangeTheirDataInAFenceBody();
  void AnAbortReachesTheOwnerWithItsStatusAndMessageBody();
  void BadJobsAndRanksAreRefusedByNameBody();
  testutil::TempDir dir_;
  std::string folder_;
};

// Runs `body` in a fresh child process (gtest's threadsafe death-test style re-executes this
// test alone); passes when the body had no failure. The child's failures are printed.
#define IN_OWN_PROCESS(body)                                \
  do {                                                      \
    GTEST_FLAG_SET(death_test_style, "threadsafe");         \
    EXPECT_EXIT(                                            \
        {                                                   \
          body;                                             \
          std::exit(::testing::Test::HasFailure() ? 1 : 0); \
        },                                                  \
        ::testing::ExitedWithCode(0), "");                  \
  } while (false)

int Count(const std::vector<PmixEvent>& events, PmixEvent::Kind kind) {
  int count = 0;
  for (const PmixEvent& event : events) count += event.kind == kind ? 1 : 0;
  return count;
}

TEST_F(PmixServerTest, ClientsSeeTheJobAndExchangeTheirDataInAFence) {
  IN_OWN_PROCESS(ClientsSeeTheJobAndExchangeTheirDataInAFenceBody());
}

TEST_F(PmixServerTest, AnAbortReachesTheOwnerWithItsStatusAndMessage) {
  IN_OWN_PROCESS(AnAbortReachesTheOwnerWithItsStatusAndMessageBody());
}

TEST_F(PmixServerTest, BadJobsAndRanksAreRefusedByName) {
  IN_OWN_PROCESS(BadJobsAndRanksAreRefusedByNameBody());
}

void PmixServerTest::ClientsSeeTheJobAndExchangeTheirDataInAFenceBody() {
  Result<std::unique_ptr<PmixServer>> server = Start(3);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::vector<pid_t> pids;
  for (int rank = 0; rank < 3; ++rank) pids.push_back(Spawn(**server, rank));
  std::vector<PmixEvent> events;
  EXPECT_EQ(WaitAll(**server, pids, events), (std::vector<int>{0, 0, 0}));
  for (int rank = 0; rank < 3; ++rank) {
    EXPECT_EQ(Output(rank), "rank " + std::to_string(rank) + " size 3 sum 303\n");
  }
  EXPECT_EQ(Count(events, PmixEvent::Kind::kConnected), 3);
  EXPECT_EQ(Count(events, PmixEvent::Kind::kFinalized), 3);
  EXPECT_EQ(Count(events, PmixEvent::Kind::kAbort), 0);
}

void PmixServerTest::AnAbortReachesTheOwnerWithItsStatusAndMessageBody() {
  Result<std::unique_ptr<PmixServer>> server = Start(1);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::vector<PmixEvent> events;
  WaitAll(**server, {Spawn(**server, 0, {"abort", "9"})}, events);
  ASSERT_EQ(Count(events, PmixEvent::Kind::kAbort), 1);
  for (const PmixEvent& event : events) {
    if (event.kind != PmixEvent::Kind::kAbort) continue;
    EXPECT_EQ(event.rank, 0);
    EXPECT_EQ(event.status, 9);
    EXPECT_EQ(event.message, "test client gives up");
  }
}

void PmixServerTest::BadJobsAndRanksAreRefusedByNameBody() {
  PmixJobInfo job;
  job.nspace = "converge.bad";
  job.size = 0;
  job.tmpdir = folder_;
  Result<std::unique_ptr<PmixServer>> none = PmixServer::Start(job);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().where(), "pmix.size");
  Result<std::unique_ptr<PmixServer>> server = Start(2);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Result<std::vector<std::string>> outside = (*server)->TaskEnvironment(2);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace converge::exec
