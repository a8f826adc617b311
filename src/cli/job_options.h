// JobOptions: the flags shared by submit, run and batch (Flux spellings, with Slurm's as
// aliases), and the jobspec they compile to. Everything here is pure except
// CurrentJobContext(), which reads this process's directory and environment.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "jobspec/jobspec.h"

namespace converge::cli {

struct JobOptions {
  int64_t nodes = 0;           // 0: wherever the tasks fit
  int64_t ntasks = 0;          // 0: --tasks-per-node x nodes, else one per node, else 1
  int64_t tasks_per_node = 0;  // 0: unset; needs --nodes
  int64_t cores_per_task = 1;
  int64_t gpus_per_task = 0;
  bool exclusive = false;  // whole nodes
  std::string time_limit;  // minutes, FSD ("30s", "2h") or Slurm ("H:MM:SS", "D-H")
  std::string queue;       // "": the instance's default queue
  std::string job_name;    // "": the instance names it after the command
  std::string cwd;         // "": the current directory
  // Environment rules, in order: KEY=VALUE sets, KEY copies this shell's value, -PATTERN
  // removes the matching names (glob).
  std::vector<std::string> env;
  bool env_none = false;                // start from an empty environment
  std::string output;                   // stdout template; {{id}} becomes the job id
  std::string error;                    // stderr template; "": with stdout if that is given
  std::vector<std::string> dependency;  // afterok:ID[:ID...][,afterany:ID...]
  int64_t priority = -1;                // urgency 0..31 (0 holds); -1: the default (16)
  bool hold = false;                    // submit held: urgency 0 whatever --urgency says
  std::vector<std::string> needs_services;  // services that must be READY before the start
  std::string pmi;  // "": the default (simple); else shell.options.pmi ("off", "simple", ...)
  bool dry_run = false;  // print the jobspec instead of submitting it (command line only)
  // Placement constraints (attributes.system.constraints, RFC 31), all of which must hold:
  std::vector<std::string> requirements;  // --requires: PROP, host:HOSTLIST, rank:IDSET, -TERM
  std::string nodelist;               // -w: only these hosts (and, without -N, all of them)
  std::string exclude;                // --exclude: none of these hosts
};

// What a job inherits from the shell that submits it.
struct JobContext {
  std::string cwd;
  std::map<std::string, std::string> environment;
};

// This process's working directory and environment, minus CONVERGE_TOKEN (a credential the
// job must not carry in its jobspec).
JobContext CurrentJobContext();

// What main() puts in place of the first "--" after submit, run, batch or alloc. CLI11 takes
// it for the program's first word, so that the options end there; TrailingCommand drops it
// (or, inside the program, turns it back into "--").
inline constexpr std::string_view kEndOfOptions = "\x1f--";

// `converge`'s arguments (without argv[0]) with the first "--" after a command that takes a
// program (submit, run, batch, alloc) replaced by kEndOfOptions.
std::vector<std::string> MarkEndOfOptions(std::vector<std::string> args);

// The program after a prefix_command()'s options: its remaining arguments, from the first
// word that is not an option or from after "--". Throws CLI::ExtrasError (a usage error:
// exit 2) naming the option and the nearest known one when they start with an unknown option,
// which CLI11 would otherwise leave as the program's first word.
std::vector<std::string> TrailingCommand(CLI::App* command);

// A CLI11 check for whole numbers >= `min`, with a short message ("must be a whole number
// >= 1") instead of CLI11's range text.
CLI::Validator AtLeast(int64_t min);

// Registers the flags on `command`, writing into `options` (which must outlive it). The
// returned map names each option by its JobOptions field, to tell what was given.
std::map<std::string, CLI::Option*> AddJobOptions(CLI::App* command, JobOptions* options);

// --dry-run: prints each of `specs` (JSON) on a line of its own; returns 0, the exit status.
int PrintDryRun(const std::vector<std::string>& specs);

// Copies into `into` every field whose option was given (count() > 0) in `given`; --env
// rules are appended, everything else replaced.
void OverrideGiven(const JobOptions& from, const std::map<std::string, CLI::Option*>& given,
                   JobOptions* into);

// An urgency: 0..31, or hold (0), default (16), expedite (31). Errors name the accepted forms.
Result<int64_t> ParseUrgency(const std::string& text);

// Seconds of a time limit: "30" (minutes, as in Flux and Slurm), "90s", "1.5h", "MM:SS",
// "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS". Errors name the flag and the accepted forms.
Result<double> ParseTimeLimit(const std::string& text);

// The RFC 31 constraint of --requires, --nodelist and --exclude (their `and`), or nullopt when
// none is given. --requires takes space-separated terms, all of which must hold: a property
// (`gpu`, `arch=x86_64`, `^gpu`), `host:HOSTLIST`, `rank:IDSET` or `properties:P,Q`, each
// negated by a leading `-`. Errors name the flag and the term.
Result<std::optional<jobspec::Constraint>> ParseConstraints(const JobOptions& options);

// The attributes.system.dependencies list of --dependency values: "afterok:1:2,afterany:3"
// -> [{afterok,1},{afterok,2},{afterany,3}]. The instance checks the schemes.
Result<nlohmann::json> ParseDependencies(const std::vector<std::string>& values);

// The environment the job gets: `here` unless env_none, then the --env rules in order.
Result<std::map<std::string, std::string>> JobEnvironment(
    const JobOptions& options, const std::map<std::string, std::string>& here);

// The jobspec (JSON) for `options` running `command` as submitted from `here`. Errors name
// the flag ("--time-limit: ...").
Result<nlohmann::json> BuildJobspec(const JobOptions& options,
                                    const std::vector<std::string>& command,
                                    const JobContext& here);

}  // namespace converge::cli
