// `converge provenance show ID` (also `converge show --provenance ID`) and `converge
// provenance diff A B`: GET /v1/jobs/ID/provenance (docs/provenance.md).
#include <cstdio>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "cli/provenance_format.h"

namespace converge::cli {
namespace {

Result<nlohmann::json> Provenance(Session& session, int64_t id, bool topology) {
  return session.Call("GET", "/v1/jobs/" + std::to_string(id) + "/provenance" +
                                 (topology ? "?topology=true" : ""));
}

int Diff(int64_t a, int64_t b, bool json) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("provenance diff", session.status());
  Result<nlohmann::json> before = Provenance(*session, a, false);
  if (!before.ok()) return Fail("provenance diff", before.status());
  Result<nlohmann::json> after = Provenance(*session, b, false);
  if (!after.ok()) return Fail("provenance diff", after.status());
  const std::vector<provenance::Difference> differences = ProvenanceDifferences(*before, *after);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const provenance::Difference& difference : differences) {
      list.push_back({{"field", difference.path},
                      {"before", difference.before ? nlohmann::json(*difference.before)
                                                   : nlohmann::json(nullptr)},
                      {"after", difference.after ? nlohmann::json(*difference.after)
                                                 : nlohmann::json(nullptr)}});
    }
    std::printf("%s\n", nlohmann::json{{"jobs", {a, b}}, {"differences", list}}.dump(2).c_str());
    return 0;
  }
  std::fputs(FormatDifferences(a, b, differences).c_str(), stdout);
  return 0;
}

}  // namespace

int ShowProvenance(int64_t id, bool json, bool topology) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("provenance", session.status());
  Result<nlohmann::json> record = Provenance(*session, id, topology);
  if (!record.ok()) return Fail("provenance", record.status());
  if (json) {
    std::printf("%s\n", record->dump(2, ' ', false,
                                     nlohmann::json::error_handler_t::replace).c_str());
  } else if (topology) {
    for (const auto& node : record->value("nodes", nlohmann::json::array())) {
      std::printf("<!-- node %s -->\n%s\n", node.value("name", "").c_str(),
                  node.value("topology_xml", "").c_str());
    }
  } else {
    std::fputs(FormatProvenance(*record).c_str(), stdout);
  }
  return 0;
}

void AddProvenanceCommand(CLI::App& app, int* exit_code) {
  CLI::App* command =
      app.add_subcommand("provenance", "What a job's run saw: kernel, topology, command, env");
  command->require_subcommand(1);

  auto id = std::make_shared<int64_t>(0);
  auto json = std::make_shared<bool>(false);
  auto topology = std::make_shared<bool>(false);
  CLI::App* show = command->add_subcommand("show", "A job's provenance record");
  show->add_option("id", *id, "Job id")->required()->check(AtLeast(1));
  show->add_flag("--json", *json, "The record as JSON");
  show->add_flag("--topology", *topology, "The hwloc topology XML of each node");
  show->callback([=] { *exit_code = ShowProvenance(*id, *json, *topology); });

  auto a = std::make_shared<int64_t>(0);
  auto b = std::make_shared<int64_t>(0);
  auto diff_json = std::make_shared<bool>(false);
  CLI::App* diff = command->add_subcommand("diff", "What differs between two jobs' runs");
  diff->add_option("a", *a, "Job id")->required()->check(AtLeast(1));
  diff->add_option("b", *b, "Job id")->required()->check(AtLeast(1));
  diff->add_flag("--json", *diff_json, "The differences as JSON");
  diff->callback([=] { *exit_code = Diff(*a, *b, *diff_json); });
}

}  // namespace converge::cli
