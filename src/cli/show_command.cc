// `converge show ID` (GET /v1/jobs/ID and /v1/jobs/ID/events) and `converge logs ID`
// (GET /v1/jobs/ID/output, then ?offset=N&follow=true with -f).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "cli/job_table.h"
#include "jobspec/parse.h"
#include "jobspec/write.h"

namespace converge::cli {
namespace {

struct ShowFlags {
  int64_t id = 0;
  bool jobspec = false;
  bool r = false;
  bool events = false;
  bool json = false;
  bool provenance = false;
};

// The jobspec as YAML (JSON when it does not parse). In the summary, the environment is
// counted rather than printed.
std::string JobspecText(const nlohmann::json& spec, bool elide_environment) {
  Result<jobspec::Jobspec> parsed = jobspec::Parse(spec.dump(), {});
  if (!parsed.ok()) return spec.dump(2) + "\n";
  std::string note;
  if (elide_environment && !parsed->system.environment.empty()) {
    note = "# environment: " + std::to_string(parsed->system.environment.size()) +
           " variables (converge show --jobspec prints them)\n";
    parsed->system.environment.clear();
  }
  std::string yaml = jobspec::ToYaml(*parsed);
  if (!yaml.empty() && yaml.back() != '\n') yaml += '\n';
  return yaml + note;
}

int Show(const ShowFlags& flags) {
  if (flags.provenance) return ShowProvenance(flags.id, flags.json, false);
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("show", session.status());
  const std::string base = "/v1/jobs/" + std::to_string(flags.id);
  Result<nlohmann::json> job = session->Call("GET", base);
  if (!job.ok()) return Fail("show", job.status());
  const bool everything = !flags.jobspec && !flags.r && !flags.events;
  nlohmann::json events = nlohmann::json::array();
  if (everything || flags.events || flags.json) {
    Result<nlohmann::json> answer = session->Call("GET", base + "/events");
    if (!answer.ok()) return Fail("show", answer.status());
    events = answer->value("events", nlohmann::json::array());
  }
  if (flags.json) {
    nlohmann::json all = *job;
    all["events"] = events;
    std::printf("%s\n", all.dump(2).c_str());
    return 0;
  }
  const nlohmann::json spec = job->value("jobspec", nlohmann::json());
  const nlohmann::json r = job->value("R", nlohmann::json());
  std::string out;
  if (everything) out += FormatJobSummary(*job, WallClockNow()) + "\njobspec:\n";
  if (everything || flags.jobspec) out += JobspecText(spec, everything);
  if (everything) out += "\nR:\n";
  if (everything || flags.r) out += (r.is_null() ? "(no resources allocated)" : r.dump(2)) + "\n";
  if (everything) out += "\neventlog:\n";
  if (everything || flags.events) {
    for (const auto& event : events) out += FormatEvent(event);
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

bool WriteAll(std::string_view chunk) {
  while (!chunk.empty()) {
    ssize_t wrote = ::write(STDOUT_FILENO, chunk.data(), chunk.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    chunk.remove_prefix(static_cast<size_t>(wrote));
  }
  return true;
}

int Logs(int64_t id, bool follow, bool stderr_stream) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("logs", session.status());
  const std::string target =
      "/v1/jobs/" + std::to_string(id) + "/output?stream=" + (stderr_stream ? "stderr" : "stdout");
  // What exists now (this also reports a missing job or someone else's); then the rest.
  Result<std::string> now = session->GetText(target);
  if (!now.ok())
    return Fail("logs", Status(now.status().code(), JobError(id, now.status().message())));
  if (!WriteAll(*now) || !follow) return 0;
  Result<int> status =
      session->Stream(target + "&follow=true&offset=" + std::to_string(now->size()), WriteAll);
  if (!status.ok()) return Fail("logs", status.status());
  return *status == 200 ? 0 : 1;
}

}  // namespace

void AddShowCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ShowFlags>();
  CLI::App* show = app.add_subcommand("show", "A job's summary, jobspec, R and eventlog");
  show->add_option("id", flags->id, "Job id")->required()->check(AtLeast(1));
  show->add_flag("--jobspec", flags->jobspec, "Only the jobspec (YAML)");
  show->add_flag("--R", flags->r, "Only the allocated resources (RV1)");
  show->add_flag("--events", flags->events, "Only the eventlog");
  show->add_flag("--json", flags->json, "The job object with its events, as JSON");
  show->add_flag("--provenance", flags->provenance,
                 "What the run saw: node facts, command and environment digests");
  show->callback([flags, exit_code] { *exit_code = Show(*flags); });
}

void AddLogsCommand(CLI::App& app, int* exit_code) {
  auto id = std::make_shared<int64_t>(0);
  auto follow = std::make_shared<bool>(false);
  auto stderr_stream = std::make_shared<bool>(false);
  CLI::App* logs = app.add_subcommand("logs", "A job's output");
  logs->add_option("id", *id, "Job id")->required()->check(AtLeast(1));
  logs->add_flag("-f,--follow", *follow, "Keep printing until the job ends");
  logs->add_flag("--stderr", *stderr_stream, "The error stream instead of stdout");
  logs->callback([=] { *exit_code = Logs(*id, *follow, *stderr_stream); });
}

}  // namespace converge::cli
