// `converge events [-f] [--since DURATION] [--type KINDS] [-o json]`: the instance's one
// stream of job, service, JobSet, MiniCluster and node events (GET /v1/events), as
// `kubectl get events [-w]` shows a cluster's.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/event_format.h"
#include "jobspec/duration.h"

namespace converge::cli {
namespace {

struct EventsFlags {
  bool follow = false;
  std::string since;
  std::string type;
  std::string output;
  int64_t limit = 1000;
};

// Prints one line (an event's JSON) as the flags ask.
void PrintEvent(const std::string& line, bool json) {
  if (json) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  } else {
    nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_object()) std::fputs(FormatStreamEvent(event).c_str(), stdout);
  }
  std::fflush(stdout);
}

int Events(const EventsFlags& flags) {
  if (!flags.output.empty() && flags.output != "json") {
    std::fprintf(stderr, "converge events: -o must be json, not '%s'\n", flags.output.c_str());
    return 2;
  }
  const bool json = flags.output == "json";
  std::string query;  // since and type, for the list and the stream alike
  if (!flags.since.empty()) {
    Result<double> ago = jobspec::ParseDuration(flags.since);
    if (!ago.ok()) {
      std::fprintf(stderr, "converge events: --since %s: %s (a duration: 90, 10m, 2h, 1d)\n",
                   flags.since.c_str(), ago.status().message().c_str());
      return 2;
    }
    char since[32];
    std::snprintf(since, sizeof since, "%.3f", std::max(0.0, WallClockNow() - *ago));
    query += std::string("&since=") + since;
  }
  if (!flags.type.empty()) query += "&type=" + flags.type;
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("events", session.status());
  // The list first: it also checks the query (an error is an answer, not a stream).
  Result<nlohmann::json> listed =
      session->Call("GET", "/v1/events?limit=" + std::to_string(flags.limit) + query);
  if (!listed.ok()) return Fail("events", listed.status());
  if (!json) std::fputs(StreamEventHeader().c_str(), stdout);
  for (const nlohmann::json& event : listed->value("events", nlohmann::json::array())) {
    PrintEvent(event.dump(), json);
  }
  if (!flags.follow) return 0;
  // Then every event after the last one listed, as it comes.
  const std::string after = std::to_string(listed->value("last_seq", uint64_t{0}));
  std::string pending;
  Result<int> streamed = session->Stream(
      "/v1/events?watch=true&limit=50000&after=" + after + query,
      [&](std::string_view chunk) {
        pending.append(chunk);
        size_t start = 0;
        for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
          PrintEvent(pending.substr(start, end - start), json);
        }
        pending.erase(0, start);
        return true;
      });
  if (!streamed.ok()) return Fail("events", streamed.status());
  std::fprintf(stderr, "converge events: the instance closed the stream\n");
  return 1;
}

}  // namespace

void AddEventsCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<EventsFlags>();
  CLI::App* events = app.add_subcommand(
      "events", "Job, service, JobSet, MiniCluster and node events, in one stream");
  events->add_flag("-f,--follow", flags->follow, "Keep printing new events as they come");
  events->add_option("--since", flags->since, "Only events of the last DURATION (10m, 2h)");
  events->add_option("--type", flags->type,
                     "Only these kinds, comma-separated: job, service, jobset, minicluster, node");
  events->add_option("-o,--output", flags->output, "json: one JSON object per line");
  events->add_option("--limit", flags->limit, "At most this many past events (default 1000)")
      ->check(CLI::Range(int64_t{1}, int64_t{50000}));
  events->callback([=] { *exit_code = Events(*flags); });
}

}  // namespace converge::cli
