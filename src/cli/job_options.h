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
  int64_t gpus_per_node = 0;  // --gpus-per-node; 0: unset (then -g, or --gres)
  std::string gres;           // --gres: Slurm's gpu[:N] list (ParseGresGpus)
  std::string mem_per_node;   // --mem/--mem-per-node: Slurm size (ParseMemorySize)
  std::string mem_per_cpu;    // --mem-per-cpu: Slurm size per core
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
  std::vector<std::string> dependency;  // afterok:ID[:ID...][,afterany:ID...], singleton
  std::string begin_time;               // --begin-time: not before then (ParseBeginTime)
  std::string warn_signal;              // --signal=[SIG][@TIME]: SIG TIME before the limit
  std::vector<std::string> attributes;  // -S/--setattr KEY[=VALUE], in order (SetAttribute)
  int64_t priority = -1;                // urgency 0..31 (0 holds); -1: the default (16)
  bool hold = false;                    // submit held: urgency 0 whatever --urgency says
  std::vector<std::string> needs_services;  // services that must be READY before the start
  std::string pmi;  // "": the default (simple); else shell.options.pmi ("off", "simple", ...)
  bool dry_run = false;  // print the jobspec instead of submitting it (command line only)
  bool label_io = false;  // each output line gets "RANK: " (shell.options.output.*.label)
  bool require_blessed = false;  // only nodes blessed for the queue (attributes.system)
  std::string cc;        // submit/batch --cc: one copy per id (job_copies.h)
  std::string array;     // submit/batch --array: Slurm's spelling of --cc, with steps
  // Placement constraints (attributes.system.constraints, RFC 31), all of which must hold:
  std::vector<std::string> requirements;  // --requires: RFC 35 queries (PROP, host:, rank:...)
  std::vector<std::string> slurm_constraints;  // -C/--constraint: Slurm's a&b|c features
  std::string nodelist;               // -w: only these hosts (and, without -N, all of them)
  std::string exclude;                // --exclude: none of these hosts
};

// What a job inherits from the shell that submits it.
struct JobContext {
  std::string cwd;
  std::map<std::string, std::string> environment;
  double now = 0;  // epoch seconds, for --begin-time's relative forms
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

// SLURM_NTASKS as sbatch and salloc would set it for `options`: -n, else tasks per node times
// nodes, else the node count, else 1.
int64_t SlurmTaskCount(const JobOptions& options);

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

// The RFC 31 constraint of --requires, --constraint, --nodelist and --exclude (their `and`),
// or nullopt when none is given. --requires takes RFC 35 queries: terms joined by `and` (`&`,
// `&&`, or a space) and `or` (`|`, `||`), negated by `not` or a leading `-`, grouped by
// parentheses; a term is a property (`gpu`, `arch=x86_64`, `^gpu`), `host:HOSTLIST`,
// `rank:IDSET` or `properties:P,Q`. --constraint is Slurm's feature expression (`a&b`, `a|b`,
// parentheses); its matching-or brackets and `*N` counts are refused. Errors name the flag
// and the query.
Result<std::optional<jobspec::Constraint>> ParseConstraints(const JobOptions& options);

// The indexes of Slurm's `--array` spelling: comma-separated `N`, `A-B` and `A-B:STEP`, in
// order, each once. `%N` (at most N running at once) is refused, naming it. At most
// `max_count` indexes. Errors name --array and the part.
Result<std::vector<int64_t>> ParseArrayIndexes(const std::string& text, int64_t max_count);

// The attributes.system.dependencies list of --dependency values: "afterok:1:2,afterany:3"
// -> [{afterok,1},{afterok,2},{afterany,3}]; "singleton" -> [{singleton,""}]. The instance
// checks the schemes (after, afterok, afterany, afternotok, singleton).
Result<nlohmann::json> ParseDependencies(const std::vector<std::string>& values);

// An --output path, refusing one that is a Flux shell option (`-o pmi=pmix`: Flux's -o is
// --setopt, converge's is Slurm's --output). Errors name --output and say what to give.
Status CheckOutputPath(const std::string& path);

// --signal's [SIG][@TIME] (Flux, and Slurm's without its R:/B: prefixes): the signal (default
// SIGUSR1) to send TIME before the time limit (a duration, seconds alone; default 60), as
// shell.options.signal {signum, timeleft}. Errors name --signal.
Result<nlohmann::json> ParseWarnSignal(const std::string& text);

// -S/--setattr KEY[=VALUE] applied to `spec`, as `flux submit --setattr`: KEY is a dotted
// path under attributes.system (also spelled system.KEY) or attributes.user (user.KEY); VALUE
// is JSON when it parses as JSON, else a string; no VALUE is 1. The typed keys duration,
// queue and cwd take their own types; environment, dependencies and constraints are refused
// (their flags say them better). Errors name --setattr and the key.
Status SetAttribute(const std::string& text, jobspec::Jobspec* spec);

// Epoch seconds of a --begin-time: "now"; "+DURATION" (Flux: +30s, +2h, +90 seconds) or
// Slurm's "now+N[seconds|minutes|hours|days|weeks]" (also s, m, h, d, w; N alone is
// seconds); "YYYY-MM-DD[THH:MM[:SS]]" in local time; "HH:MM[:SS]", today or, once past,
// tomorrow. `now` is the current time. Errors name --begin-time and the accepted forms.
Result<double> ParseBeginTime(const std::string& text, double now);

// The environment the job gets: `here` unless env_none, then the --env rules in order.
Result<std::map<std::string, std::string>> JobEnvironment(
    const JobOptions& options, const std::map<std::string, std::string>& here);

// The jobspec (JSON) for `options` running `command` as submitted from `here`. Errors name
// the flag ("--time-limit: ...").
Result<nlohmann::json> BuildJobspec(const JobOptions& options,
                                    const std::vector<std::string>& command,
                                    const JobContext& here);

}  // namespace converge::cli
