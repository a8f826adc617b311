// `converge resource list|export|drain|undrain` (and the short `converge drain|undrain`): the
// resources of a running instance (GET /v1/resources, POST /v1/resources/drain|undrain), or
// of a file or this machine without one.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/status_tables.h"
#include "resource/readers/hwloc.h"
#include "resource/readers/load.h"
#include "resource/writers/jgf.h"
#include "resource/writers/summary.h"

namespace converge::cli {

namespace {

struct ResourceOptions {
  std::string resources;  // empty: the running instance, else this machine via hwloc
  std::string format;     // table or json
  bool json = false;      // --json: same as --format json
  bool local = false;     // this machine via hwloc even when an instance runs
};

// `resource list` of a running instance (GET /v1/resources): nodes by live state.
int RunLiveList(Session& session, const ResourceOptions& options) {
  Result<nlohmann::json> resources = session.Call("GET", "/v1/resources");
  if (!resources.ok()) return Fail("resource list", resources.status());
  std::string out =
      options.format == "json" ? resources->dump(2) + "\n" : FormatLiveResources(*resources);
  std::fputs(out.c_str(), stdout);
  return 0;
}

// POST /v1/resources/drain {"targets","reason"} or /v1/resources/undrain {"targets"}.
int RunDrain(const std::string& targets, const std::vector<std::string>& reason, bool drain) {
  Result<Session> session = Session::Open();
  const char* command = drain ? "resource drain" : "resource undrain";
  if (!session.ok()) return Fail(command, session.status());
  std::string text;
  for (const std::string& word : reason) text += (text.empty() ? "" : " ") + word;
  nlohmann::json body = {{"targets", targets}};
  if (drain) body["reason"] = text;
  Result<nlohmann::json> answer =
      session->Call("POST", drain ? "/v1/resources/drain" : "/v1/resources/undrain", body.dump());
  if (!answer.ok()) return Fail(command, answer.status());
  return 0;
}

// Loads the graph or prints "converge: FILE: where: message" and returns nothing.
std::optional<resource::Graph> LoadOrReport(const ResourceOptions& options) {
  Result<resource::Graph> graph = options.resources.empty()
                                      ? resource::ReadLocalMachine()
                                      : resource::LoadResourceFile(options.resources);
  if (!graph.ok()) {
    std::string source = options.resources.empty() ? "hwloc" : options.resources;
    std::fprintf(stderr, "converge: %s: %s\n", source.c_str(), graph.status().ToString().c_str());
    return std::nullopt;
  }
  return std::move(graph).value();
}

int RunList(ResourceOptions options) {
  if (options.json) options.format = "json";
  if (options.resources.empty() && !options.local) {
    Result<Session> session = Session::Open();
    if (session.ok()) return RunLiveList(*session, options);
    const char* uri = std::getenv("CONVERGE_URI");
    if (uri && *uri) return Fail("resource list", session.status());
  }
  std::optional<resource::Graph> graph = LoadOrReport(options);
  if (!graph) return 1;
  resource::ResourceSummary summary = resource::SummarizeByState(*graph);
  std::string out = options.format == "json" ? resource::SummaryToJson(summary).dump(2) + "\n"
                                             : resource::FormatSummaryTable(summary);
  std::fputs(out.c_str(), stdout);
  return 0;
}

int RunExport(const ResourceOptions& options) {
  std::optional<resource::Graph> graph = LoadOrReport(options);
  if (!graph) return 1;
  std::string out = resource::WriteJgf(*graph);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// `drain TARGETS [REASON...]` and `undrain TARGETS` on `parent` (`resource`, or the root
// for the short forms).
void AddDrainSubcommands(CLI::App& parent, int* exit_code) {
  auto targets = std::make_shared<std::string>();
  auto reason = std::make_shared<std::vector<std::string>>();
  CLI::App* drain = parent.add_subcommand("drain", "Take nodes out of service (owner only)");
  drain->add_option("targets", *targets, "Nodes, as a hostlist: node[0-3]")->required();
  drain->add_option("reason", *reason, "Why (shown by resource list --json)");
  drain->callback([=] { *exit_code = RunDrain(*targets, *reason, true); });
  CLI::App* undrain = parent.add_subcommand("undrain", "Put drained nodes back in service");
  undrain->add_option("targets", *targets, "Nodes, as a hostlist: node[0-3]")->required();
  undrain->callback([=] { *exit_code = RunDrain(*targets, {}, false); });
}

}  // namespace

void AddDrainCommands(CLI::App& app, int* exit_code) { AddDrainSubcommands(app, exit_code); }

void AddResourceCommand(CLI::App& app, int* exit_code) {
  CLI::App* command = app.add_subcommand("resource", "Show the resources an instance manages");
  command->require_subcommand(1);
  auto options = std::make_shared<ResourceOptions>();  // shared by the two callbacks below

  CLI::App* list = command->add_subcommand("list", "Nodes, cores and GPUs by state");
  list->add_option("--resources,-R", options->resources,
                   "Cluster YAML or JGF file (default: the running instance, else this "
                   "machine via hwloc)");
  list->add_flag("--local", options->local, "This machine via hwloc, even if an instance runs");
  list->add_option("--format", options->format, "Output format: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->add_flag("--json", options->json, "Same as --format json");
  list->callback([options, exit_code] { *exit_code = RunList(*options); });

  CLI::App* exp = command->add_subcommand("export", "Write the resource graph as Flux JGF");
  exp->add_option("--resources,-R", options->resources,
                  "Cluster YAML or JGF file (default: this machine via hwloc)");
  exp->add_option("--format", options->format, "Output format: jgf (default)")
      ->check(CLI::IsMember({"jgf"}));
  exp->callback([options, exit_code] { *exit_code = RunExport(*options); });

  AddDrainSubcommands(*command, exit_code);
}

}  // namespace converge::cli
