// `converge resource list|export`: show or export the resources of a file or this machine.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "cli/client.h"
#include "cli/commands.h"
#include "resource/readers/hwloc.h"
#include "resource/readers/load.h"
#include "resource/writers/jgf.h"
#include "resource/writers/summary.h"

namespace converge::cli {

namespace {

struct ResourceOptions {
  std::string resources;  // empty: the running instance, else this machine via hwloc
  std::string format;
  bool local = false;     // this machine via hwloc even when an instance runs
};

// `resource list` of a running instance: free/mixed/allocated/drained/down by node.
int RunLiveList(Session& session, const ResourceOptions& options) {
  Result<nlohmann::json> resources = session.Call("GET", "/v1/resources");
  if (!resources.ok()) return Fail("resource list", resources.status());
  if (options.format == "json") {
    std::printf("%s\n", resources->dump(2).c_str());
    return 0;
  }
  std::string out = "    STATE NNODES NCORES NGPUS NODELIST\n";
  for (const auto& state : (*resources)["states"]) {
    char line[512];
    std::snprintf(line, sizeof line, "%9s %6lld %6lld %5lld %s\n",
                  state["state"].get<std::string>().c_str(),
                  static_cast<long long>(state["nnodes"].get<int64_t>()),
                  static_cast<long long>(state["ncores"].get<int64_t>()),
                  static_cast<long long>(state["ngpus"].get<int64_t>()),
                  state["nodelist"].get<std::string>().c_str());
    out += line;
  }
  const auto& totals = (*resources)["totals"];
  out += "free cores " + std::to_string(totals["cores_free"].get<int64_t>()) + " of " +
         std::to_string(totals["cores"].get<int64_t>()) + ", free GPUs " +
         std::to_string(totals["gpus_free"].get<int64_t>()) + " of " +
         std::to_string(totals["gpus"].get<int64_t>()) + "\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}

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

int RunList(const ResourceOptions& options) {
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

}  // namespace

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
  list->callback([options, exit_code] { *exit_code = RunList(*options); });

  CLI::App* exp = command->add_subcommand("export", "Write the resource graph as Flux JGF");
  exp->add_option("--resources,-R", options->resources,
                  "Cluster YAML or JGF file (default: this machine via hwloc)");
  exp->add_option("--format", options->format, "Output format: jgf (default)")
      ->check(CLI::IsMember({"jgf"}));
  exp->callback([options, exit_code] { *exit_code = RunExport(*options); });

  auto targets = std::make_shared<std::string>();
  auto reason = std::make_shared<std::vector<std::string>>();
  CLI::App* drain = command->add_subcommand("drain", "Take nodes out of service (owner only)");
  drain->add_option("targets", *targets, "Nodes, as a hostlist: node[0-3]")->required();
  drain->add_option("reason", *reason, "Why (shown by resource list --format json)");
  drain->callback([=] { *exit_code = RunDrain(*targets, *reason, true); });
  CLI::App* undrain = command->add_subcommand("undrain", "Put drained nodes back in service");
  undrain->add_option("targets", *targets, "Nodes, as a hostlist: node[0-3]")->required();
  undrain->callback([=] { *exit_code = RunDrain(*targets, {}, false); });
}

}  // namespace converge::cli
