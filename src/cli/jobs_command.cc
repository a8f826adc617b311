// `converge jobs`: list jobs like `flux jobs` / `squeue`. API call: GET /v1/jobs?state=&user=,
// following next_after.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
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
};

int Jobs(const JobsFlags& flags) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("jobs", session.status());
  const std::string states =
      !flags.states.empty() ? flags.states : (flags.all_states ? "all" : "active");
  const std::string user =
      !flags.user.empty() ? flags.user : (flags.all_users ? "all" : SelfUser());
  Result<std::vector<nlohmann::json>> jobs =
      ListJobs(*session, "state=" + UrlEncode(states) + "&user=" + UrlEncode(user));
  if (!jobs.ok()) return Fail("jobs", jobs.status());
  if (flags.count > 0 && static_cast<int64_t>(jobs->size()) > flags.count) {
    jobs->erase(jobs->begin(), jobs->end() - flags.count);  // keep the most recent
  }
  std::reverse(jobs->begin(), jobs->end());  // newest first, as flux jobs and squeue list

  if (flags.json || flags.format == "json") {
    std::printf("%s\n", nlohmann::json(*jobs).dump(2).c_str());
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
                   "States: DEPEND,PRIORITY,SCHED,RUN,CLEANUP,INACTIVE, or active, inactive, "
                   "all");
  jobs->add_option("-u,--user", flags->user, "This user's jobs (name or uid), or all");
  jobs->add_option("-o,--format", flags->format, "Output: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  jobs->add_flag("--json", flags->json, "Same as --format json: the API's job objects");
  jobs->add_flag("-n,--no-header", flags->no_header, "No header line");
  jobs->add_option("-c,--count", flags->count, "Only the N most recent jobs")->check(AtLeast(1));
  jobs->footer(
      "ST: D depend, P priority, S sched, R run, C cleanup; once inactive CD completed, "
      "F failed, CA canceled, TO timeout.");
  jobs->callback([flags, exit_code] { *exit_code = Jobs(*flags); });
}

}  // namespace converge::cli
