// `converge queue [list|start|stop|drain]` (GET /v1/queue; POST /v1/queues/NAME/start|stop)
// and `converge stop` (POST /v1/shutdown, then wait until the instance no longer accepts
// connections).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/status_tables.h"

namespace converge::cli {
namespace {

// How long `stop` waits for the instance to go (it cancels running jobs first).
constexpr std::chrono::seconds kStopTimeout{30};
constexpr std::chrono::milliseconds kStopProbe{20};
constexpr std::chrono::milliseconds kDrainProbe{200};

int Queue(bool json) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("queue", session.status());
  Result<nlohmann::json> queue = session->Call("GET", "/v1/queue");
  if (!queue.ok()) return Fail("queue", queue.status());
  std::string out = json ? queue->dump(2) + "\n" : FormatQueue(*queue, WallClockNow());
  std::fputs(out.c_str(), stdout);
  return 0;
}

// The named queues of the instance (GET /v1/queue), or the error.
Result<std::vector<std::string>> QueueNames(Session& session) {
  Result<nlohmann::json> queue = session.Call("GET", "/v1/queue");
  if (!queue.ok()) return queue.status();
  std::vector<std::string> names;
  for (const nlohmann::json& entry : queue->value("queues", nlohmann::json::array())) {
    names.push_back(entry.value("name", ""));
  }
  return names;
}

int QueueList() {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("queue list", session.status());
  Result<nlohmann::json> queue = session->Call("GET", "/v1/queue");
  if (!queue.ok()) return Fail("queue list", queue.status());
  std::fputs(FormatQueueList(*queue).c_str(), stdout);
  return 0;
}

// `queue start|stop NAME... | --all`.
int QueueStart(std::vector<std::string> names, bool all, bool start) {
  const std::string command = start ? "queue start" : "queue stop";
  if (names.empty() == !all) {
    std::fprintf(stderr, "converge %s: name the queues, or give --all\n", command.c_str());
    return 2;
  }
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail(command, session.status());
  if (all) {
    Result<std::vector<std::string>> every = QueueNames(*session);
    if (!every.ok()) return Fail(command, every.status());
    names = *every;
  }
  for (const std::string& name : names) {
    Result<nlohmann::json> answer =
        session->Call("POST", "/v1/queues/" + name + (start ? "/start" : "/stop"));
    if (!answer.ok()) return Fail(command, answer.status());
    std::printf("queue %s %s\n", name.c_str(), start ? "started" : "stopped");
  }
  return 0;
}

// `queue drain [NAME...] [--timeout S]`: waits until the queues (all jobs without names) have
// no pending or running job. Exit 1 on the timeout.
int QueueDrain(const std::vector<std::string>& names, double timeout) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("queue drain", session.status());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  for (;;) {
    Result<nlohmann::json> queue = session->Call("GET", "/v1/queue");
    if (!queue.ok()) return Fail("queue drain", queue.status());
    int64_t active = 0;
    if (names.empty()) {
      // Named: items() of a temporary would outlive it.
      const nlohmann::json counts = queue->value("counts", nlohmann::json::object());
      for (const auto& [state, count] : counts.items()) {
        if (count.is_number_integer()) active += count.get<int64_t>();
      }
    } else {
      std::set<std::string> seen;
      for (const nlohmann::json& entry : queue->value("queues", nlohmann::json::array())) {
        const std::string name = entry.value("name", "");
        if (std::find(names.begin(), names.end(), name) == names.end()) continue;
        seen.insert(name);
        active += entry.value("pending", int64_t{0}) + entry.value("running", int64_t{0});
      }
      for (const std::string& name : names) {
        if (!seen.count(name)) {
          return Fail("queue drain", Status(Code::kNotFound, "no queue '" + name + "'"));
        }
      }
    }
    if (active == 0) return 0;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail("queue drain",
                  Status(Code::kUnavailable, "timed out: " + std::to_string(active) +
                                                    " jobs still active"));
    }
    std::this_thread::sleep_for(kDrainProbe);
  }
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
  CLI::App* queue = app.add_subcommand(
      "queue", "Queue policy, counts and pending reasons; list, start, stop, drain queues");
  queue->add_flag("--json", *json, "The API's answer");
  queue->require_subcommand(0, 1);
  CLI::App* list = queue->add_subcommand("list", "The named queues: policy, state, limits, jobs");
  list->callback([=] { *exit_code = QueueList(); });
  CLI::App* status = queue->add_subcommand("status", "The same as `converge queue`");
  status->add_flag("--json", *json, "The API's answer");
  status->callback([=] { *exit_code = Queue(*json); });
  for (const bool start : {true, false}) {
    auto names = std::make_shared<std::vector<std::string>>();
    auto all = std::make_shared<bool>(false);
    CLI::App* sub = queue->add_subcommand(
        start ? "start" : "stop",
        start ? "Start queues: their jobs may run again (owner only)"
              : "Stop queues: their jobs stay pending, running ones go on (owner only)");
    sub->add_option("names", *names, "Queues");
    sub->add_flag("--all", *all, "Every queue");
    sub->callback([=] { *exit_code = QueueStart(*names, *all, start); });
  }
  auto drain_names = std::make_shared<std::vector<std::string>>();
  auto timeout = std::make_shared<double>(3600);
  CLI::App* drain = queue->add_subcommand(
      "drain", "Wait until the queues (all jobs, without names) have no pending or running job");
  drain->add_option("names", *drain_names, "Queues");
  drain->add_option("--timeout", *timeout, "Seconds to wait at most (default 3600)")
      ->check(CLI::PositiveNumber);
  drain->callback([=] { *exit_code = QueueDrain(*drain_names, *timeout); });
  queue->callback([=] {
    if (queue->get_subcommands().empty()) *exit_code = Queue(*json);
  });
}

void AddStopCommand(CLI::App& app, int* exit_code) {
  CLI::App* stop = app.add_subcommand(
      "stop", "Cancel running jobs and stop the instance (pending jobs stay queued)");
  stop->callback([exit_code] { *exit_code = Stop(); });
}

}  // namespace converge::cli
