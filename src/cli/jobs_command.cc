// `converge jobs [ID...]`: list jobs like `flux jobs` / `squeue`. API calls: GET
// /v1/jobs?state=&user=, following next_after, or GET /v1/jobs/ID for each ID.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_format.h"
#include "cli/job_options.h"
#include "cli/job_table.h"

namespace converge::cli {
namespace {

struct JobsFlags {
  bool all_states = false;
  bool all_users = false;
  std::string states;  // "": active, or all with -a
  std::string user;    // "": the caller, or all with -A
  std::string format = "table";
  bool json = false;
  bool no_header = false;
  int64_t count = 0;  // 0: all
  std::vector<std::string> names;  // --name: only jobs of these names
  std::vector<std::string> queues;  // -q: only jobs of these queues
  std::vector<int64_t> ids;        // only these jobs, in any state and of any user
};

// The jobs named by id, in the order given. Errors name the first id that is not a job.
Result<std::vector<nlohmann::json>> JobsById(Session& session, const std::vector<int64_t>& ids) {
  std::vector<nlohmann::json> jobs;
  for (int64_t id : ids) {
    Result<nlohmann::json> job = session.Call("GET", "/v1/jobs/" + std::to_string(id));
    if (!job.ok()) return job.status();
    jobs.push_back(std::move(job).value());
  }
  return jobs;
}

int Jobs(const JobsFlags& flags) {
  std::optional<JobFormat> custom;
  if (!flags.json && flags.format != "json" && flags.format != "table") {
    Result<JobFormat> parsed = JobFormat::Parse(flags.format);
    if (!parsed.ok()) {
      Fail("jobs", parsed.status());
      return 2;  // a usage error
    }
    custom = std::move(parsed).value();
  }
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("jobs", session.status());
  Result<std::vector<nlohmann::json>> jobs = JobsById(*session, flags.ids);
  if (flags.ids.empty()) {
    const std::string states =
        !flags.states.empty() ? StateFilter(flags.states).first
                              : (flags.all_states ? "all" : "active");
    const std::string user =
        !flags.user.empty() ? flags.user : (flags.all_users ? "all" : SelfUser());
    jobs = ListJobs(*session, "state=" + UrlEncode(states) + "&user=" + UrlEncode(user));
  }
  if (!jobs.ok()) return Fail("jobs", jobs.status());
  if (const std::set<std::string> results = StateFilter(flags.states).second; !results.empty()) {
    std::erase_if(*jobs, [&](const nlohmann::json& job) {
      return job.value("state", "") == "INACTIVE" && !results.count(job.value("result", ""));
    });
  }
  if (!flags.names.empty()) {
    std::erase_if(*jobs, [&](const nlohmann::json& job) {
      const std::string name = job.value("name", "");
      return std::find(flags.names.begin(), flags.names.end(), name) == flags.names.end();
    });
  }
  if (!flags.queues.empty()) {
    std::erase_if(*jobs, [&](const nlohmann::json& job) {
      const std::string queue = job.value("queue", "");
      return std::find(flags.queues.begin(), flags.queues.end(), queue) == flags.queues.end();
    });
  }
  if (flags.ids.empty()) {
    if (flags.count > 0 && static_cast<int64_t>(jobs->size()) > flags.count) {
      jobs->erase(jobs->begin(), jobs->end() - flags.count);  // keep the most recent
    }
    std::reverse(jobs->begin(), jobs->end());  // newest first, as flux jobs and squeue list
  }

  if (flags.json || flags.format == "json") {
    std::printf("%s\n", nlohmann::json(*jobs).dump(2).c_str());
  } else if (custom) {
    std::string out = flags.no_header ? "" : custom->Header();
    const double now = WallClockNow();
    for (const nlohmann::json& job : *jobs) out += custom->Row(job, now);
    std::fputs(out.c_str(), stdout);
  } else {
    std::fputs(FormatJobTable(*jobs, WallClockNow(), !flags.no_header).c_str(), stdout);
  }
  return 0;
}

}  // namespace

void AddJobsCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<JobsFlags>();
  CLI::App* jobs = app.add_subcommand("jobs", "List jobs (your active ones by default)");
  jobs->add_flag("-a", flags->all_states, "All states, finished jobs included");
  jobs->add_flag("-A", flags->all_users, "All users");
  jobs->add_option("--state,--states,-f,--filter", flags->states,
                   "States: DEPEND,PRIORITY,SCHED,RUN,CLEANUP,INACTIVE, active, inactive, all, "
                   "or flux-jobs' pending, running, completed, failed, canceled, timeout");
  jobs->add_option("-u,--user", flags->user, "This user's jobs (name or uid), or all");
  jobs->add_option("-o,--format", flags->format,
                   "Output: table (default), json, or flux-jobs fields such as "
                   "'{id:>6} {name:<12.12} {status_abbrev:>2} {runtime}'");
  jobs->add_option("--name", flags->names, "Only jobs of this name (repeatable)")
      ->allow_extra_args(false);
  jobs->add_option("-q,--queue", flags->queues, "Only jobs of this queue (repeatable)")
      ->allow_extra_args(false);
  jobs->add_option("ids", flags->ids, "Only these jobs (any state, any user's you may see)");
  jobs->add_flag("--json", flags->json, "Same as --format json: the API's job objects");
  jobs->add_flag("-n,--no-header", flags->no_header, "No header line");
  jobs->add_option("-c,--count", flags->count, "Only the N most recent jobs")->check(AtLeast(1));
  jobs->footer(
      "ST: D depend, P priority, S sched, R run, C cleanup; once inactive CD completed, "
      "F failed, CA canceled, TO timeout.");
  jobs->callback([flags, exit_code] { *exit_code = Jobs(*flags); });
}

}  // namespace converge::cli
