#include "cli/job_options.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <tuple>
#include <sstream>

#include "common/hostlist.h"
#include "common/nearest_word.h"
#include "jobspec/duration.h"
#include "jobspec/shell_options.h"
#include "jobspec/shorthand.h"
#include "jobspec/write.h"

extern char** environ;

namespace converge::cli {
namespace {

bool AllDigits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// REQUIRES: AllDigits(text). Saturates instead of overflowing.
int64_t Number(std::string_view text) {
  int64_t value = 0;
  auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() ? value : INT64_MAX / 1000000;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find(separator, start), text.size());
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

Status BadTime(const std::string& text) {
  return Status::Invalid("--time-limit", "'" + text +
                                             "': use minutes (30), a duration (90s, 2h) or "
                                             "[D-]HH:MM:SS");
}

// A CLI11 validator's answer: "" when `result` is fine, else its message.
template <typename T>
std::string Problem(const Result<T>& result) {
  return result.ok() ? "" : result.status().message();
}

}  // namespace

JobContext CurrentJobContext() {
  JobContext here;
  char buffer[PATH_MAX];
  if (::getcwd(buffer, sizeof buffer)) here.cwd = buffer;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text = *entry;
    size_t eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string name(text.substr(0, eq));
    if (name == "CONVERGE_TOKEN") continue;
    here.environment[std::move(name)] = std::string(text.substr(eq + 1));
  }
  return here;
}

Result<double> ParseTimeLimit(const std::string& text) {
  if (AllDigits(text)) return 60.0 * static_cast<double>(Number(text));
  if (text.find(':') == std::string::npos && text.find('-') == std::string::npos) {
    Result<double> seconds = jobspec::ParseDuration(text);
    if (!seconds.ok()) return BadTime(text);
    return *seconds;
  }
  int64_t days = 0;
  std::string clock = text;
  const size_t dash = text.find('-');
  if (dash != std::string::npos) {
    if (!AllDigits(text.substr(0, dash))) return BadTime(text);
    days = Number(text.substr(0, dash));
    clock = text.substr(dash + 1);
  }
  std::vector<std::string> parts = Split(clock, ':');
  for (const std::string& part : parts) {
    if (!AllDigits(part)) return BadTime(text);
  }
  int64_t seconds = 0;
  if (dash != std::string::npos) {  // D-HH, D-HH:MM, D-HH:MM:SS
    const int64_t scale[] = {3600, 60, 1};
    if (parts.size() > 3) return BadTime(text);
    for (size_t i = 0; i < parts.size(); ++i) seconds += Number(parts[i]) * scale[i];
  } else if (parts.size() == 2) {  // MM:SS
    seconds = Number(parts[0]) * 60 + Number(parts[1]);
  } else if (parts.size() == 3) {  // HH:MM:SS
    seconds = Number(parts[0]) * 3600 + Number(parts[1]) * 60 + Number(parts[2]);
  } else {
    return BadTime(text);
  }
  return static_cast<double>(days * 86400 + seconds);
}

Result<nlohmann::json> ParseDependencies(const std::vector<std::string>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& value : values) {
    for (const std::string& item : Split(value, ',')) {
      std::vector<std::string> parts = Split(item, ':');
      if (parts.size() < 2 || parts[0].empty()) {
        return Status::Invalid("--dependency", "'" + item + "' is not SCHEME:ID (afterok:12)");
      }
      for (size_t i = 1; i < parts.size(); ++i) {
        if (!AllDigits(parts[i])) {
          return Status::Invalid("--dependency", "'" + parts[i] + "' is not a job id");
        }
        list.push_back({{"scheme", parts[0]}, {"value", parts[i]}});
      }
    }
  }
  return list;
}

Result<std::map<std::string, std::string>> JobEnvironment(
    const JobOptions& options, const std::map<std::string, std::string>& here) {
  std::map<std::string, std::string> environment;
  if (!options.env_none) environment = here;
  for (const std::string& rule : options.env) {
    if (rule.size() > 1 && rule[0] == '-') {
      const std::string pattern = rule.substr(1);
      std::erase_if(environment, [&](const auto& entry) {
        return ::fnmatch(pattern.c_str(), entry.first.c_str(), 0) == 0;
      });
      continue;
    }
    const size_t eq = rule.find('=');
    if (eq == 0 || rule.empty()) {
      return Status::Invalid("--env", "'" + rule + "' is not KEY=VALUE, KEY or -PATTERN");
    }
    if (eq != std::string::npos) {
      environment[rule.substr(0, eq)] = rule.substr(eq + 1);
    } else if (auto found = here.find(rule); found != here.end()) {
      environment[rule] = found->second;
    }
  }
  return environment;
}

CLI::Validator AtLeast(int64_t min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        int64_t value = 0;
        auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || error != std::errc() || ptr != text.data() + text.size() ||
            value < min) {
          return "'" + text + "' must be a whole number >= " + std::to_string(min);
        }
        return "";
      },
      ">=" + std::to_string(min));
}

Result<int64_t> ParseUrgency(const std::string& text) {
  if (text == "hold") return 0;
  if (text == "default") return 16;
  if (text == "expedite") return 31;
  if (AllDigits(text) && text.size() <= 2 && Number(text) <= 31) return Number(text);
  return Status::Invalid("--urgency",
                         "'" + text + "' is not 0..31, hold, default or expedite");
}

namespace {

jobspec::Constraint Leaf(jobspec::Constraint::Op op, std::vector<std::string> values) {
  jobspec::Constraint leaf;
  leaf.op = op;
  leaf.values = std::move(values);
  return leaf;
}

jobspec::Constraint Not(jobspec::Constraint inner) {
  jobspec::Constraint negation;
  negation.op = jobspec::Constraint::Op::kNot;
  negation.children.push_back(std::move(inner));
  return negation;
}

// One --requires term (without its '-').
Result<jobspec::Constraint> RequiresTerm(const std::string& term) {
  using Op = jobspec::Constraint::Op;
  const size_t colon = term.find(':');
  const std::string key = colon == std::string::npos ? "" : term.substr(0, colon);
  const std::string value = colon == std::string::npos ? term : term.substr(colon + 1);
  if (value.empty()) return Status::Invalid("--requires", "'" + term + "' has no value");
  if (key == "host" || key == "hostlist") {
    Result<std::vector<std::string>> hosts = ExpandHostlist(value);
    if (!hosts.ok()) {
      return Status::Invalid("--requires", "'" + term + "': " + hosts.status().message());
    }
    return Leaf(Op::kHostlist, {value});
  }
  if (key == "rank" || key == "ranks") {
    Result<std::vector<int64_t>> ranks = ExpandIds(value);
    if (!ranks.ok()) {
      return Status::Invalid("--requires", "'" + term + "': " + ranks.status().message());
    }
    return Leaf(Op::kRanks, {value});
  }
  if (key.empty() || key == "properties") {
    std::vector<std::string> properties = Split(value, ',');
    for (const std::string& property : properties) {
      if (property.empty() || property.find_first_of("()|&") != std::string::npos) {
        return Status::Invalid("--requires",
                               "'" + term +
                                   "' is not a property (terms are joined by spaces and all "
                                   "must hold; or and parentheses are not supported)");
      }
    }
    return Leaf(Op::kProperties, std::move(properties));
  }
  return Status::Invalid("--requires", "'" + term +
                                           "': unknown term (use PROP, properties:P,Q, "
                                           "host:HOSTLIST or rank:IDSET)");
}

}  // namespace

Result<std::optional<jobspec::Constraint>> ParseConstraints(const JobOptions& options) {
  using Op = jobspec::Constraint::Op;
  jobspec::Constraint all;
  all.op = Op::kAnd;
  for (const std::string& text : options.requirements) {
    std::istringstream words(text);
    for (std::string word; words >> word;) {
      if (word == "and" || word == "&") continue;
      if (word == "or" || word == "|" || word == "not") {
        return Status::Invalid("--requires", "'" + word +
                                                 "' is not supported: terms are joined by "
                                                 "spaces and all must hold; -TERM negates one");
      }
      const bool negated = word.size() > 1 && word[0] == '-';
      Result<jobspec::Constraint> term = RequiresTerm(negated ? word.substr(1) : word);
      if (!term.ok()) return term.status();
      all.children.push_back(negated ? Not(std::move(term).value()) : std::move(term).value());
    }
  }
  for (const auto& [flag, hostlist, negated] :
       {std::tuple{"--nodelist", options.nodelist, false},
        std::tuple{"--exclude", options.exclude, true}}) {
    if (hostlist.empty()) continue;
    Result<std::vector<std::string>> hosts = ExpandHostlist(hostlist);
    if (!hosts.ok()) return Status::Invalid(flag, hosts.status().message());
    jobspec::Constraint leaf = Leaf(Op::kHostlist, {hostlist});
    all.children.push_back(negated ? Not(std::move(leaf)) : std::move(leaf));
  }
  if (all.children.empty()) return std::optional<jobspec::Constraint>();
  if (all.children.size() == 1) return std::optional<jobspec::Constraint>(all.children.front());
  return std::optional<jobspec::Constraint>(std::move(all));
}

std::vector<std::string> MarkEndOfOptions(std::vector<std::string> args) {
  static const char* const kTakesAProgram[] = {"submit", "run", "batch", "alloc"};
  if (args.empty() ||
      std::find(std::begin(kTakesAProgram), std::end(kTakesAProgram), args.front()) ==
          std::end(kTakesAProgram)) {
    return args;
  }
  auto dashes = std::find(args.begin() + 1, args.end(), "--");
  if (dashes != args.end()) *dashes = kEndOfOptions;
  return args;
}

std::vector<std::string> TrailingCommand(CLI::App* command) {
  std::vector<std::string> rest = command->remaining();
  if (!rest.empty() && rest.front() == kEndOfOptions) {
    rest.erase(rest.begin());
  } else if (!rest.empty() && rest.front().size() > 1 && rest.front()[0] == '-') {
    const std::string& word = rest.front();
    const std::string name = word.substr(0, word.find('='));
    std::vector<std::string> known;
    for (const CLI::Option* option : command->get_options()) {
      for (const std::string& long_name : option->get_lnames()) known.push_back("--" + long_name);
      for (const std::string& short_name : option->get_snames()) known.push_back("-" + short_name);
    }
    const std::string nearest = NearestWord(name, known);
    throw CLI::ExtrasError(
        "converge " + command->get_name() + ": unknown option '" + name + "'" +
            (nearest.empty() ? std::string() : " (did you mean " + nearest + "?)") +
            "; the program starts at the first word that is not an option, or after --",
        CLI::ExitCodes::ExtrasError);
  }
  std::replace(rest.begin(), rest.end(), std::string(kEndOfOptions), std::string("--"));
  return rest;
}

std::map<std::string, CLI::Option*> AddJobOptions(CLI::App* c, JobOptions* o) {
  std::map<std::string, CLI::Option*> given;
  auto last = [](CLI::Option* option) {
    return option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  };
  given["nodes"] = last(
      c->add_option("-N,--nodes", o->nodes, "Nodes to spread the tasks over")->check(AtLeast(1)));
  given["ntasks"] =
      last(c->add_option("-n,--ntasks", o->ntasks, "Number of tasks")->check(AtLeast(1)));
  given["tasks_per_node"] = last(c->add_option("--tasks-per-node,--ntasks-per-node",
                                               o->tasks_per_node, "Tasks on each node (with -N)")
                                     ->check(AtLeast(1)));
  given["cores_per_task"] = last(c->add_option("-c,--cores-per-task,--cpus-per-task",
                                               o->cores_per_task, "Cores per task (default 1)")
                                     ->check(AtLeast(1)));
  given["gpus_per_task"] = last(
      c->add_option("-g,--gpus-per-task", o->gpus_per_task, "GPUs per task")->check(AtLeast(0)));
  given["exclusive"] = c->add_flag("-x,--exclusive", o->exclusive, "Whole nodes");
  given["time_limit"] =
      last(c->add_option("-t,--time-limit,--time", o->time_limit,
                         "Time limit: minutes, a duration (90s, 2h) or [D-]HH:MM:SS")
               ->check([](const std::string& text) { return Problem(ParseTimeLimit(text)); }));
  given["queue"] = last(c->add_option("-q,--queue,-p,--partition", o->queue, "Queue"));
  given["job_name"] =
      last(c->add_option("--job-name,-J", o->job_name, "Job name (default: the command's name)"));
  given["cwd"] = last(
      c->add_option("--cwd,-D,--chdir", o->cwd, "Working directory (default: the current one)"));
  // --env and --env-remove append to one list of rules as each is parsed (trigger_on_parse),
  // so that the rules apply in the order the command line gives them.
  auto env_rule = [](const std::string& rule) {
    JobOptions one;
    one.env = {rule};
    return Problem(JobEnvironment(one, {}));
  };
  given["env"] =
      c->add_option_function<std::string>("--env",
                                          [o](const std::string& rule) { o->env.push_back(rule); },
                                          "KEY=VALUE sets, KEY copies, -PATTERN removes "
                                          "(repeatable, applied in order)")
          ->trigger_on_parse()
          ->allow_extra_args(false)
          ->check(env_rule);
  given["env_remove"] =
      c->add_option_function<std::string>(
           "--env-remove",
           [o](const std::string& pattern) {
             // CLI11 runs no check on an empty value.
             if (pattern.empty()) throw CLI::ValidationError("--env-remove", "needs a PATTERN");
             o->env.push_back("-" + pattern);
           },
           "Remove the variables matching PATTERN (glob; same as --env=-PATTERN)")
          ->trigger_on_parse()
          ->allow_extra_args(false)
          ->check([env_rule](const std::string& pattern) { return env_rule("-" + pattern); });
  given["env_none"] =
      c->add_flag("--env-none", o->env_none, "Do not copy this shell's environment");
  given["output"] =
      last(c->add_option("--output,-o", o->output, "stdout file; {{id}} becomes the job id"));
  given["error"] =
      last(c->add_option("--error,-e", o->error, "stderr file (default: with --output if given)"));
  given["dependency"] =
      c->add_option("--dependency,-d", o->dependency,
                    "afterok:ID, afterany:ID or afternotok:ID (repeatable)")
          ->allow_extra_args(false)
          ->check([](const std::string& value) { return Problem(ParseDependencies({value})); });
  given["priority"] =
      last(c->add_option("--urgency,--priority", o->priority,
                         "Urgency 0..31 or hold (0: held until released), default (16), "
                         "expedite (31); above 16 only the instance owner")
               ->transform(
                   [](std::string text) {
                     Result<int64_t> urgency = ParseUrgency(text);
                     if (!urgency.ok()) throw CLI::ValidationError(urgency.status().message());
                     return std::to_string(*urgency);
                   },
                   "URGENCY"));
  given["hold"] = c->add_flag("--hold,-H", o->hold, "Submit held (urgency 0): see converge release");
  given["needs_service"] = c->add_option("--needs-service", o->needs_services,
                                         "Start only once this service is READY (repeatable)")
                               ->allow_extra_args(false);
  given["pmi"] = last(c->add_option("--pmi", o->pmi,
                                    "PMI for the tasks: simple (PMI-1 over PMI_FD), pmix, a list "
                                    "such as simple,pmix, or off (default: simple, and pmix too "
                                    "for jobs of more than one task)")
                          ->check([](const std::string& text) {
                            jobspec::SystemAttributes system;
                            system.extra["shell"]["options"]["pmi"] = text;
                            Result<std::vector<std::string>> pmi = jobspec::PmiChoice(system);
                            return pmi.ok() ? std::string() : pmi.status().message();
                          }));
  given["requires"] =
      c->add_option("--requires", o->requirements,
                    "Only hosts with these properties: PROP, host:HOSTLIST, rank:IDSET; -TERM "
                    "negates (repeatable; all must hold)")
          ->allow_extra_args(false);
  given["nodelist"] = last(c->add_option(
      "-w,--nodelist", o->nodelist, "Only these hosts; without -N, one node on each of them"));
  given["exclude"] = last(c->add_option("--exclude", o->exclude, "None of these hosts"));
  given["dry_run"] = c->add_flag("--dry-run", o->dry_run,
                                 "Print the jobspec (JSON) and submit nothing");
  return given;
}

int PrintDryRun(const std::vector<std::string>& specs) {
  for (const std::string& spec : specs) std::printf("%s\n", spec.c_str());
  return 0;
}

void OverrideGiven(const JobOptions& from, const std::map<std::string, CLI::Option*>& given,
                   JobOptions* into) {
  auto was = [&](const char* name) { return given.at(name)->count() > 0; };
  if (was("nodes")) into->nodes = from.nodes;
  if (was("ntasks")) into->ntasks = from.ntasks;
  if (was("tasks_per_node")) into->tasks_per_node = from.tasks_per_node;
  if (was("cores_per_task")) into->cores_per_task = from.cores_per_task;
  if (was("gpus_per_task")) into->gpus_per_task = from.gpus_per_task;
  if (was("exclusive")) into->exclusive = from.exclusive;
  if (was("time_limit")) into->time_limit = from.time_limit;
  if (was("queue")) into->queue = from.queue;
  if (was("job_name")) into->job_name = from.job_name;
  if (was("cwd")) into->cwd = from.cwd;
  if (was("env") || was("env_remove")) {
    into->env.insert(into->env.end(), from.env.begin(), from.env.end());
  }
  if (was("env_none")) into->env_none = from.env_none;
  if (was("output")) into->output = from.output;
  if (was("error")) into->error = from.error;
  if (was("dependency")) into->dependency = from.dependency;
  if (was("priority")) into->priority = from.priority;
  if (was("hold")) into->hold = from.hold;
  if (was("pmi")) into->pmi = from.pmi;
  if (was("dry_run")) into->dry_run = from.dry_run;
  if (was("requires")) {
    into->requirements.insert(into->requirements.end(), from.requirements.begin(),
                              from.requirements.end());
  }
  if (was("nodelist")) into->nodelist = from.nodelist;
  if (was("exclude")) into->exclude = from.exclude;
  if (was("needs_service")) {
    into->needs_services.insert(into->needs_services.end(), from.needs_services.begin(),
                                from.needs_services.end());
  }
}

Result<nlohmann::json> BuildJobspec(const JobOptions& options,
                                    const std::vector<std::string>& command,
                                    const JobContext& here) {
  if (command.empty()) return Status::Invalid("COMMAND", "name a program to run");
  jobspec::ShorthandOptions shorthand;
  shorthand.nodes = options.nodes;
  shorthand.tasks = options.ntasks > 0 ? options.ntasks : std::max<int64_t>(1, options.nodes);
  if (options.tasks_per_node > 0) {
    if (options.nodes <= 0) return Status::Invalid("--tasks-per-node", "needs --nodes");
    const int64_t total = options.tasks_per_node * options.nodes;
    if (options.ntasks > 0 && options.ntasks != total) {
      return Status::Invalid("--tasks-per-node", "--ntasks " + std::to_string(options.ntasks) +
                                                     " is not " + std::to_string(total));
    }
    shorthand.tasks = total;
  }
  shorthand.cores_per_task = options.cores_per_task;
  shorthand.gpus_per_task = options.gpus_per_task;
  // flux-core's rule: -N without -n (or --tasks-per-node) is one task per node on whole nodes.
  shorthand.exclusive = options.exclusive ||
                        (options.nodes > 0 && options.ntasks == 0 && options.tasks_per_node == 0);
  Result<std::optional<jobspec::Constraint>> constraints = ParseConstraints(options);
  if (!constraints.ok()) return constraints.status();
  if (!options.nodelist.empty() && options.nodes == 0) {
    // Slurm's -w without -N: a node on each listed host (tasks spread over them).
    const std::vector<std::string> listed = ExpandHostlist(options.nodelist).value();
    const size_t hosts = std::set<std::string>(listed.begin(), listed.end()).size();
    if (options.ntasks == 0 || options.ntasks >= static_cast<int64_t>(hosts)) {
      shorthand.nodes = static_cast<int64_t>(hosts);
      if (options.ntasks == 0) shorthand.tasks = shorthand.nodes;
    }
  }
  shorthand.queue = options.queue;
  shorthand.command = command;
  shorthand.cwd = options.cwd.empty() ? here.cwd : options.cwd;
  if (!options.time_limit.empty()) {
    Result<double> seconds = ParseTimeLimit(options.time_limit);
    if (!seconds.ok()) return seconds.status();
    shorthand.duration = *seconds;
  }
  Result<jobspec::Jobspec> spec = jobspec::FromShorthand(shorthand);
  if (!spec.ok()) return spec.status();
  spec->system.constraints = std::move(constraints).value();
  Result<std::map<std::string, std::string>> environment =
      JobEnvironment(options, here.environment);
  if (!environment.ok()) return environment.status();
  spec->system.environment = std::move(environment).value();
  Result<nlohmann::json> dependencies = ParseDependencies(options.dependency);
  if (!dependencies.ok()) return dependencies.status();
  for (const auto& dependency : *dependencies) {
    spec->system.dependencies.push_back({dependency["scheme"], dependency["value"]});
  }
  nlohmann::json& extra = spec->system.extra;
  if (!options.job_name.empty()) extra["job"]["name"] = options.job_name;
  if (!options.output.empty())
    extra["shell"]["options"]["output"]["stdout"]["path"] = options.output;
  if (!options.error.empty()) extra["shell"]["options"]["output"]["stderr"]["path"] = options.error;
  if (options.hold) {
    extra["priority"] = 0;
  } else if (options.priority >= 0) {
    extra["priority"] = options.priority;
  }
  if (!options.needs_services.empty()) extra["converge"]["needs_services"] = options.needs_services;
  if (!options.pmi.empty()) extra["shell"]["options"]["pmi"] = options.pmi;
  return jobspec::ToJson(*spec);
}

}  // namespace converge::cli
