// `converge resource list|export`: show or export the resources of a file or this machine.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "resource/readers/hwloc.h"
#include "resource/readers/load.h"
#include "resource/writers/jgf.h"
#include "resource/writers/summary.h"

namespace converge::cli {

namespace {

struct ResourceOptions {
  std::string resources;  // empty: this machine via hwloc
  std::string format;
};

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
                   "Cluster YAML or JGF file (default: this machine via hwloc)");
  list->add_option("--format", options->format, "Output format: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([options, exit_code] { *exit_code = RunList(*options); });

  CLI::App* exp = command->add_subcommand("export", "Write the resource graph as Flux JGF");
  exp->add_option("--resources,-R", options->resources,
                  "Cluster YAML or JGF file (default: this machine via hwloc)");
  exp->add_option("--format", options->format, "Output format: jgf (default)")
      ->check(CLI::IsMember({"jgf"}));
  exp->callback([options, exit_code] { *exit_code = RunExport(*options); });
}

}  // namespace converge::cli
