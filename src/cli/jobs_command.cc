// `converge jobs`, `show`, `logs`, `cancel`, `wait`, `queue` and `stop`: clients of the API.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_table.h"
#include "jobspec/parse.h"
#include "jobspec/write.h"

namespace converge::cli {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ',') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

// The caller, as the API's user filter takes it (a uid).
std::string SelfName() { return std::to_string(::getuid()); }

struct JobsFlags {
  bool all_states = false;
  bool all_users = false;
  std::string states;
  std::string user;
  bool json = false;
  bool no_header = false;
  int64_t count = 0;  // 0 = all
};

// Pages through GET /v1/jobs with `query`; at most `count` jobs (0 = all).
Result<std::vector<nlohmann::json>> ListJobs(Session& session, const std::string& query,
                                             int64_t count) {
  std::vector<nlohmann::json> jobs;
  int64_t after = 0;
  while (true) {
    Result<nlohmann::json> page = session.Call(
        "GET", "/v1/jobs?" + query + "&limit=1000&after=" + std::to_string(after));
    if (!page.ok()) return page.status();
    for (auto& job : (*page)["jobs"]) {
      jobs.push_back(job);
      if (count > 0 && static_cast<int64_t>(jobs.size()) >= count) return jobs;
    }
    if ((*page)["next_after"].is_null()) return jobs;
    after = (*page)["next_after"].get<int64_t>();
  }
}

int Jobs(const JobsFlags& flags) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("jobs", session.status());
  std::string states = flags.states.empty() ? (flags.all_states ? "all" : "active") : flags.states;
  std::string user = flags.user.empty() ? (flags.all_users ? "all" : SelfName()) : flags.user;
  Result<std::vector<nlohmann::json>> jobs =
      ListJobs(*session, "state=" + UrlEncode(states) + "&user=" + UrlEncode(user), flags.count);
  if (!jobs.ok()) return Fail("jobs", jobs.status());
  if (flags.json) {
    std::printf("%s\n", nlohmann::json(*jobs).dump(2).c_str());
  } else {
    std::fputs(FormatJobTable(*jobs, Now(), !flags.no_header).c_str(), stdout);
  }
  return 0;
}

struct ShowFlags {
  int64_t id = 0;
  bool jobspec = false;
  bool r = false;
  bool events = false;
  bool json = false;
};

std::string EventLine(const nlohmann::json& event) {
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%.6f", event.value("timestamp", 0.0));
  std::string context = event["context"].empty() ? "" : " " + event["context"].dump();
  return std::string(stamp) + " " + event.value("name", "") + context + "\n";
}

int Show(const ShowFlags& flags) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("show", session.status());
  const std::string base = "/v1/jobs/" + std::to_string(flags.id);
  Result<nlohmann::json> job = session->Call("GET", base);
  if (!job.ok()) return Fail("show", job.status());
  Result<nlohmann::json> events = session->Call("GET", base + "/events");
  if (!events.ok()) return Fail("show", events.status());
  if (flags.json) {
    nlohmann::json all = *job;
    all["events"] = (*events)["events"];
    std::printf("%s\n", all.dump(2).c_str());
    return 0;
  }
  const bool everything = !flags.jobspec && !flags.r && !flags.events;
  std::string out;
  if (everything) out += FormatJobSummary(*job, Now());
  if (everything || flags.jobspec) {
    std::string yaml = (*job)["jobspec"].dump(2);
    Result<jobspec::Jobspec> parsed = jobspec::Parse((*job)["jobspec"].dump(), {});
    std::string elided;
    if (parsed.ok()) {
      if (everything && !parsed->system.environment.empty()) {
        elided = "# environment: " + std::to_string(parsed->system.environment.size()) +
                 " variables (converge show --jobspec prints them)\n";
        parsed->system.environment.clear();
      }
      yaml = jobspec::ToYaml(*parsed);
    }
    out += (everything ? "\njobspec:\n" : "") + yaml + elided;
  }
  if (everything || flags.r) {
    out += (everything ? "\nR:\n" : "") +
           ((*job)["R"].is_null() ? std::string("(no resources allocated)")
                                  : (*job)["R"].dump(2)) +
           "\n";
  }
  if (everything || flags.events) {
    if (everything) out += "\neventlog:\n";
    for (const auto& event : (*events)["events"]) out += EventLine(event);
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

int Logs(int64_t id, bool follow, bool stderr_stream) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("logs", session.status());
  std::string target = "/v1/jobs/" + std::to_string(id) + "/output?stream=" +
                       (stderr_stream ? "stderr" : "stdout") + (follow ? "&follow=true" : "");
  Result<nlohmann::json> exists = session->Call("GET", "/v1/jobs/" + std::to_string(id));
  if (!exists.ok()) return Fail("logs", exists.status());
  Result<int> status = session->client().Stream("GET", target, [](std::string_view chunk) {
    std::fwrite(chunk.data(), 1, chunk.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  if (!status.ok()) return Fail("logs", status.status());
  return *status == 200 ? 0 : 1;
}

// The ids given, or (with --all) the caller's active jobs.
Result<std::vector<int64_t>> Targets(Session& session, const std::vector<int64_t>& ids, bool all,
                                     const std::string& user, const std::string& states) {
  if (!all) return ids;
  std::string who = user.empty() ? SelfName() : user;
  Result<std::vector<nlohmann::json>> jobs =
      ListJobs(session, "state=" + states + "&user=" + UrlEncode(who), 0);
  if (!jobs.ok()) return jobs.status();
  std::vector<int64_t> found;
  for (const auto& job : *jobs) found.push_back(job["id"].get<int64_t>());
  return found;
}

int Cancel(const std::vector<int64_t>& ids, bool all, const std::string& user) {
  if (ids.empty() && !all) return Fail("cancel", Status::Invalid("ID", "name jobs or --all"));
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("cancel", session.status());
  Result<std::vector<int64_t>> targets = Targets(*session, ids, all, user, "active");
  if (!targets.ok()) return Fail("cancel", targets.status());
  int rc = 0;
  for (int64_t id : *targets) {
    Result<nlohmann::json> answer =
        session->Call("POST", "/v1/jobs/" + std::to_string(id) + "/cancel");
    if (!answer.ok()) rc = Fail("cancel", Status(answer.status().code(), answer.status().message()));
  }
  return rc;
}

// Blocks until `id` is inactive (the events stream ends with `clean`), then returns its object.
Result<nlohmann::json> WaitFor(Session& session, int64_t id) {
  const std::string base = "/v1/jobs/" + std::to_string(id);
  Result<int> status =
      session.client().Stream("GET", base + "/events?watch=true", [](std::string_view) {
        return true;
      });
  if (!status.ok()) return status.status();
  if (*status != 200) return session.Call("GET", base);  // the API's error
  return session.Call("GET", base);
}

int Wait(const std::vector<int64_t>& ids, bool all) {
  if (ids.empty() && !all) return Fail("wait", Status::Invalid("ID", "name jobs or --all"));
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("wait", session.status());
  int rc = 0;
  std::vector<int64_t> targets = ids;
  while (true) {
    if (all) {
      Result<std::vector<int64_t>> active = Targets(*session, {}, true, "", "active");
      if (!active.ok()) return Fail("wait", active.status());
      if (active->empty()) break;
      targets = *active;
    }
    for (int64_t id : targets) {
      Result<nlohmann::json> job = WaitFor(*session, id);
      if (!job.ok()) {
        rc = Fail("wait", Status(job.status().code(), job.status().message()));
        continue;
      }
      if ((*job)["result"] != "completed") {
        std::fprintf(stderr, "job %lld: %s, exit code %d%s\n", static_cast<long long>(id),
                     (*job)["result"].get<std::string>().c_str(), (*job)["exit_code"].get<int>(),
                     (*job)["reason"].get<std::string>().empty()
                         ? ""
                         : (" (" + (*job)["reason"].get<std::string>() + ")").c_str());
        rc = 1;
      }
    }
    if (!all) break;
  }
  return rc;
}

int Queue(bool json) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("queue", session.status());
  Result<nlohmann::json> queue = session->Call("GET", "/v1/queue");
  if (!queue.ok()) return Fail("queue", queue.status());
  if (json) {
    std::printf("%s\n", queue->dump(2).c_str());
    return 0;
  }
  const auto& counts = (*queue)["counts"];
  std::printf("policy %s%s\n", (*queue)["policy"].get<std::string>().c_str(),
              (*queue)["stopping"].get<bool>() ? " (stopping)" : "");
  std::printf("jobs   %lld depend, %lld sched, %lld run, %lld cleanup\n",
              static_cast<long long>(counts.value("DEPEND", 0)),
              static_cast<long long>(counts.value("SCHED", 0)),
              static_cast<long long>(counts.value("RUN", 0)),
              static_cast<long long>(counts.value("CLEANUP", 0)));
  if ((*queue)["pending"].empty()) return 0;
  std::printf("\n%8s %-10s %-16s %-6s %s\n", "JOBID", "USER", "NAME", "ST", "REASON");
  for (const auto& job : (*queue)["pending"]) {
    std::printf("%8lld %-10s %-16.16s %-6s %s\n", static_cast<long long>(job["id"].get<int64_t>()),
                job["user"].get<std::string>().c_str(), job["name"].get<std::string>().c_str(),
                job["state"].get<std::string>().c_str(), job["reason"].get<std::string>().c_str());
  }
  return 0;
}

int Stop() {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("stop", session.status());
  Result<nlohmann::json> answer = session->Call("POST", "/v1/shutdown");
  if (!answer.ok()) return Fail("stop", answer.status());
  for (int i = 0; i < 3000; ++i) {  // up to 30 s for running jobs to be canceled
    Result<std::unique_ptr<api::HttpClient>> probe = api::HttpClient::ConnectFromEnvironment();
    if (!probe.ok()) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Fail("stop", Status(Code::kInternal, "the instance is still running after 30 s"));
}

}  // namespace

void AddJobCommands(CLI::App& app, int* exit_code) {
  {
    auto flags = std::make_shared<JobsFlags>();
    CLI::App* jobs = app.add_subcommand("jobs", "List jobs (yours, active, by default)");
    jobs->add_flag("-a", flags->all_states, "All states, finished jobs included");
    jobs->add_flag("-A", flags->all_users, "All users");
    jobs->add_option("--state,--states", flags->states,
                     "States: RUN,SCHED,... or active, inactive, all");
    jobs->add_option("-u,--user", flags->user, "This user's jobs (name or uid), or all");
    jobs->add_flag("--json", flags->json, "Print the API's job objects");
    jobs->add_flag("-n,--no-header", flags->no_header, "No header line");
    jobs->add_option("--count", flags->count, "At most this many jobs")
        ->check(CLI::NonNegativeNumber);
    jobs->callback([flags, exit_code] { *exit_code = Jobs(*flags); });
  }
  {
    auto flags = std::make_shared<ShowFlags>();
    CLI::App* show = app.add_subcommand("show", "A job's summary, jobspec, R and eventlog");
    show->add_option("id", flags->id, "Job id")->required()->check(CLI::PositiveNumber);
    show->add_flag("--jobspec", flags->jobspec, "Only the jobspec");
    show->add_flag("--R", flags->r, "Only the allocated resources (RV1)");
    show->add_flag("--events", flags->events, "Only the eventlog");
    show->add_flag("--json", flags->json, "Everything as JSON");
    show->callback([flags, exit_code] { *exit_code = Show(*flags); });
  }
  {
    auto id = std::make_shared<int64_t>(0);
    auto follow = std::make_shared<bool>(false);
    auto stderr_stream = std::make_shared<bool>(false);
    CLI::App* logs = app.add_subcommand("logs", "A job's output");
    logs->add_option("id", *id, "Job id")->required()->check(CLI::PositiveNumber);
    logs->add_flag("-f,--follow", *follow, "Keep printing until the job ends");
    logs->add_flag("--stderr", *stderr_stream, "The error stream instead of stdout");
    logs->callback([=] { *exit_code = Logs(*id, *follow, *stderr_stream); });
  }
  {
    auto ids = std::make_shared<std::vector<int64_t>>();
    auto all = std::make_shared<bool>(false);
    auto user = std::make_shared<std::string>();
    CLI::App* cancel = app.add_subcommand("cancel", "Cancel jobs");
    cancel->add_option("ids", *ids, "Job ids")->check(CLI::PositiveNumber);
    cancel->add_flag("--all", *all, "All your active jobs");
    cancel->add_option("-u,--user", *user, "With --all: this user's jobs (owner only)");
    cancel->callback([=] { *exit_code = Cancel(*ids, *all, *user); });
  }
  {
    auto ids = std::make_shared<std::vector<int64_t>>();
    auto all = std::make_shared<bool>(false);
    CLI::App* wait = app.add_subcommand(
        "wait", "Wait for jobs to end; exit 0 only if all of them completed");
    wait->add_option("ids", *ids, "Job ids")->check(CLI::PositiveNumber);
    wait->add_flag("--all", *all, "All your active jobs");
    wait->callback([=] { *exit_code = Wait(*ids, *all); });
  }
  {
    auto json = std::make_shared<bool>(false);
    CLI::App* queue = app.add_subcommand("queue", "Queue policy, counts and pending reasons");
    queue->add_flag("--json", *json, "Print the API's answer");
    queue->callback([=] { *exit_code = Queue(*json); });
  }
  CLI::App* stop = app.add_subcommand("stop", "Cancel running jobs and stop the instance");
  stop->callback([exit_code] { *exit_code = Stop(); });
}

}  // namespace converge::cli
