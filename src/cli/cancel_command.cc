// `converge cancel` (POST /v1/jobs/ID/cancel, or with -s /v1/jobs/ID/signal) and `converge
// wait` (GET /v1/jobs/ID/events?watch=true until `clean`, then GET /v1/jobs/ID). With --all
// (or cancel's --name/--state), the jobs come from GET /v1/jobs?state=...&user=....
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "cli/job_table.h"
#include "common/signal_name.h"

namespace converge::cli {
namespace {

struct TargetFlags {
  std::vector<int64_t> ids;
  bool all = false;
  std::string user;                // with --all, --name, --state: "" = the caller
  std::vector<std::string> names;  // cancel --name: the active jobs of these names
  std::string states;              // cancel --state: the active jobs in these states
  std::string signal;              // cancel -s: send this instead of cancelling
};

// The active jobs of `user` ("" = the caller), in `states` ("" = all active ones) and of one
// of `names` (empty = any).
Result<std::vector<int64_t>> ActiveJobs(Session& session, const std::string& user,
                                        const std::string& states = "",
                                        const std::vector<std::string>& names = {}) {
  const std::string query = states.empty() ? "active" : StateFilter(states).first;
  Result<std::vector<nlohmann::json>> jobs =
      ListJobs(session, "state=" + UrlEncode(query) +
                            "&user=" + UrlEncode(user.empty() ? SelfUser() : user));
  if (!jobs.ok()) return jobs.status();
  std::vector<int64_t> ids;
  for (const auto& job : *jobs) {
    if (job.value("state", "") == "INACTIVE") continue;  // nothing to cancel
    const std::string name = job.value("name", "");
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
    ids.push_back(job.value("id", int64_t{0}));
  }
  return ids;
}

// Prints "converge CMD: job ID: message" and returns 1.
int FailJob(const char* command, int64_t id, const Status& status) {
  std::fprintf(stderr, "converge %s: %s\n", command, JobError(id, status.message()).c_str());
  return 1;
}

int Cancel(const TargetFlags& flags) {
  const bool selected = flags.all || !flags.names.empty() || !flags.states.empty();
  if (flags.ids.empty() == !selected) {
    std::fprintf(stderr,
                 "converge cancel: name job ids, or select with --all, --name or --state "
                 "(not both)\n");
    return 2;
  }
  std::string body;
  if (!flags.signal.empty()) {
    Result<int> signo = ParseSignal(flags.signal);
    if (!signo.ok()) {
      std::fprintf(stderr, "converge cancel: --signal: %s\n", signo.status().message().c_str());
      return 2;
    }
    body = nlohmann::json{{"signal", *signo}}.dump();
  }
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("cancel", session.status());
  std::vector<int64_t> ids = flags.ids;
  if (selected) {
    Result<std::vector<int64_t>> active =
        ActiveJobs(*session, flags.user, flags.states, flags.names);
    if (!active.ok()) return Fail("cancel", active.status());
    ids = *active;
  }
  const std::string action = flags.signal.empty() ? "/cancel" : "/signal";
  int rc = 0;
  for (int64_t id : ids) {
    Result<nlohmann::json> answer =
        session->Call("POST", "/v1/jobs/" + std::to_string(id) + action, body);
    if (answer.ok()) continue;
    // Selected jobs that ended (or, for a signal, have not started) since the listing are not
    // an error.
    if (selected && answer.status().code() == Code::kInvalidArgument) continue;
    rc = FailJob("cancel", id, answer.status());
  }
  return rc;
}

int Wait(const TargetFlags& flags) {
  if (flags.ids.empty() == !flags.all) {
    std::fprintf(stderr, "converge wait: name job ids or --all (not both)\n");
    return 2;
  }
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("wait", session.status());
  int rc = 0;
  std::vector<int64_t> ids = flags.ids;
  while (true) {
    if (flags.all) {  // until none of the caller's jobs is active, including new ones
      Result<std::vector<int64_t>> active = ActiveJobs(*session, "");
      if (!active.ok()) return Fail("wait", active.status());
      if (active->empty()) break;
      ids = *active;
    }
    bool broken = false;
    for (int64_t id : ids) {
      Result<nlohmann::json> job = WaitFor(*session, id);
      if (!job.ok()) {
        rc = FailJob("wait", id, job.status());
        broken = true;
      } else if (job->value("result", "") != "completed") {
        std::fprintf(stderr, "job %lld: %s\n", static_cast<long long>(id),
                     DescribeEnd(*job).c_str());
        rc = 1;
      }
    }
    if (!flags.all || broken) break;  // an error would repeat: do not spin on it
  }
  return rc;
}

}  // namespace

void AddCancelCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<TargetFlags>();
  CLI::App* cancel = app.add_subcommand("cancel", "Cancel jobs");
  cancel->add_option("ids", flags->ids, "Job ids")->check(AtLeast(1));
  cancel->add_flag("--all", flags->all, "All your active jobs");
  cancel->add_option("--name", flags->names, "Your active jobs of this name (repeatable)")
      ->allow_extra_args(false);
  cancel->add_option("--state,-t", flags->states,
                     "Your active jobs in these states: pending, running, DEPEND, SCHED, ...");
  cancel->add_option("-u,--user", flags->user,
                     "With --all, --name, --state: this user's jobs, or all (the owner only)");
  cancel->add_option("-s,--signal", flags->signal,
                     "Send this signal to the running jobs' tasks instead (USR1, 10); they go on");
  cancel->callback([=] { *exit_code = Cancel(*flags); });
}

void AddWaitCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<TargetFlags>();
  CLI::App* wait =
      app.add_subcommand("wait", "Wait for jobs to end; exit 0 only if all of them completed");
  wait->add_option("ids", flags->ids, "Job ids")->check(AtLeast(1));
  wait->add_flag("--all", flags->all, "All your active jobs, and any you submit meanwhile");
  wait->callback([=] { *exit_code = Wait(*flags); });
}

}  // namespace converge::cli
