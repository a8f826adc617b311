// converge: the single binary. Dispatches to the subcommands in cli/. Run through a link named
// `srun` or `flux` (the shims a batch script gets), it translates those launchers' arguments
// into the converge command first (cli/launcher_args.h).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/job_options.h"
#include "cli/launcher_args.h"
#include "main/command_table.h"

namespace {

// The converge command for this invocation: its arguments, or those of `srun`/`flux` when
// invoked under that name. Exits 2 with the reason when they cannot be translated.
std::vector<std::string> CommandWords(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  const std::string_view invoked = argc > 0 ? argv[0] : "converge";
  const std::string_view name = invoked.substr(invoked.rfind('/') + 1);
  if (name != "srun" && name != "flux") return words;
  converge::Result<std::vector<std::string>> translated =
      name == "srun" ? converge::cli::SrunAsConverge(words, [](const char* variable) {
        return static_cast<const char*>(std::getenv(variable));
      })
                     : converge::cli::FluxAsConverge(words);
  if (!translated.ok()) {
    std::fprintf(stderr, "%.*s (converge): %s\n", static_cast<int>(name.size()), name.data(),
                 translated.status().ToString().c_str());
    std::exit(2);
  }
  return std::move(translated).value();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"converge: a workload manager for converged HPC and cloud computing", "converge"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "converge 0.1.0");
  int exit_code = 0;
  std::vector<std::string> words = CommandWords(argc, argv);
  const std::string first = !words.empty() && words[0][0] != '-' ? words[0] : "";
  if (!converge::AddCommands(app, first, &exit_code) && !first.empty()) {
    std::fprintf(stderr, "converge: unknown command '%s' (see converge --help)\n", first.c_str());
    return 2;
  }
  // Commands that take a program after their flags (prefix_command) end their options at its
  // first word or at "--", as in `converge submit -N2 -- ./sim`.
  std::vector<std::string> args = converge::cli::MarkEndOfOptions(std::move(words));
  std::reverse(args.begin(), args.end());  // CLI11 takes its words last first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& error) {
    int status = app.exit(error);
    return status == 0 ? 0 : 2;  // usage errors exit 2, like the commands' own checks
  }
  return exit_code;
}
