// `converge urgency ID URGENCY`, `converge hold ID...` and `converge release ID...`: POST
// /v1/jobs/ID/urgency. Urgency 0 holds a pending job (as in Flux); release gives it the
// default urgency, 16, again.
#include <cstdio>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "cli/job_table.h"

namespace converge::cli {
namespace {

// Sets each of `ids` to `urgency`; prints "converge CMD: job ID: message" for each failure.
int SetUrgency(const char* command, const std::vector<int64_t>& ids, int64_t urgency) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail(command, session.status());
  const std::string body = nlohmann::json{{"urgency", urgency}}.dump();
  int rc = 0;
  for (int64_t id : ids) {
    Result<nlohmann::json> answer =
        session->Call("POST", "/v1/jobs/" + std::to_string(id) + "/urgency", body);
    if (answer.ok()) continue;
    std::fprintf(stderr, "converge %s: %s\n", command,
                 JobError(id, answer.status().message()).c_str());
    rc = 1;
  }
  return rc;
}

}  // namespace

void AddUrgencyCommands(CLI::App& app, int* exit_code) {
  struct Target {
    int64_t id = 0;
    std::string urgency;
  };
  auto target = std::make_shared<Target>();
  CLI::App* urgency = app.add_subcommand(
      "urgency", "Change a pending job's urgency: 0..31, hold, default or expedite");
  urgency->add_option("id", target->id, "Job id")->required()->check(AtLeast(1));
  urgency->add_option("urgency", target->urgency,
                      "0..31, hold (0), default (16) or expedite (31, the instance owner only)")
      ->required();
  urgency->callback([=] {
    Result<int64_t> value = ParseUrgency(target->urgency);
    if (!value.ok()) {
      std::fprintf(stderr, "converge urgency: %s\n", value.status().message().c_str());
      *exit_code = 2;
      return;
    }
    *exit_code = SetUrgency("urgency", {target->id}, *value);
  });

  auto held = std::make_shared<std::vector<int64_t>>();
  CLI::App* hold = app.add_subcommand("hold", "Hold pending jobs (urgency 0)");
  hold->add_option("ids", *held, "Job ids")->required()->check(AtLeast(1));
  hold->callback([=] { *exit_code = SetUrgency("hold", *held, 0); });

  auto released = std::make_shared<std::vector<int64_t>>();
  CLI::App* release =
      app.add_subcommand("release", "Release held jobs (back to the default urgency, 16)");
  release->add_option("ids", *released, "Job ids")->required()->check(AtLeast(1));
  release->callback([=] { *exit_code = SetUrgency("release", *released, 16); });
}

}  // namespace converge::cli
