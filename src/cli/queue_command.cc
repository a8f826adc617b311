// `converge queue` (GET /v1/queue) and `converge stop` (POST /v1/shutdown, then wait until
// the instance no longer accepts connections).
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/status_tables.h"

namespace converge::cli {
namespace {

// How long `stop` waits for the instance to go (it cancels running jobs first).
constexpr std::chrono::seconds kStopTimeout{30};
constexpr std::chrono::milliseconds kStopProbe{20};

int Queue(bool json) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("queue", session.status());
  Result<nlohmann::json> queue = session->Call("GET", "/v1/queue");
  if (!queue.ok()) return Fail("queue", queue.status());
  std::string out = json ? queue->dump(2) + "\n" : FormatQueue(*queue, WallClockNow());
  std::fputs(out.c_str(), stdout);
  return 0;
}

int Stop() {
  {
    Result<Session> session = Session::Open();
    if (!session.ok()) return Fail("stop", session.status());
    Result<nlohmann::json> answer = session->Call("POST", "/v1/shutdown");
    if (!answer.ok()) return Fail("stop", answer.status());
  }
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    Result<std::unique_ptr<api::HttpClient>> probe = api::HttpClient::ConnectFromEnvironment();
    if (!probe.ok()) return 0;
    std::this_thread::sleep_for(kStopProbe);
  }
  return Fail("stop", Status(Code::kInternal, "the instance still answers after 30 s"));
}

}  // namespace

void AddQueueCommand(CLI::App& app, int* exit_code) {
  auto json = std::make_shared<bool>(false);
  CLI::App* queue = app.add_subcommand("queue", "Queue policy, counts and pending reasons");
  queue->add_flag("--json", *json, "The API's answer");
  queue->callback([=] { *exit_code = Queue(*json); });
}

void AddStopCommand(CLI::App& app, int* exit_code) {
  CLI::App* stop = app.add_subcommand(
      "stop", "Cancel running jobs and stop the instance (pending jobs stay queued)");
  stop->callback([exit_code] { *exit_code = Stop(); });
}

}  // namespace converge::cli
