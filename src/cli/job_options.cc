#include "cli/job_options.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "jobspec/duration.h"
#include "jobspec/shorthand.h"
#include "jobspec/write.h"

extern char** environ;

namespace converge::cli {
namespace {

bool AllDigits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

int64_t Number(std::string_view text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
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

// "afterok:1:2,afterany:3" -> [{afterok,1},{afterok,2},{afterany,3}]
Result<nlohmann::json> Dependencies(const std::vector<std::string>& flags) {
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& flag : flags) {
    for (const std::string& item : Split(flag, ',')) {
      std::vector<std::string> parts = Split(item, ':');
      if (parts.size() < 2) {
        return Status::Invalid("--dependency", "'" + item + "' is not SCHEME:ID");
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

}  // namespace

Result<double> ParseTimeLimit(const std::string& text) {
  if (AllDigits(text)) return 60.0 * static_cast<double>(Number(text));
  if (text.find(':') == std::string::npos && text.find('-') == std::string::npos) {
    Result<double> seconds = jobspec::ParseDuration(text);
    if (!seconds.ok()) {
      return Status::Invalid("--time-limit", "'" + text + "': use 30 (minutes), 90s, 2h, "
                                                         "HH:MM:SS or D-HH:MM:SS");
    }
    return *seconds;
  }
  int64_t days = 0;
  std::string clock = text;
  size_t dash = text.find('-');
  if (dash != std::string::npos) {
    if (!AllDigits(text.substr(0, dash))) return Status::Invalid("--time-limit", "bad days");
    days = Number(text.substr(0, dash));
    clock = text.substr(dash + 1);
  }
  std::vector<std::string> parts = Split(clock, ':');
  for (const std::string& part : parts) {
    if (!AllDigits(part)) {
      return Status::Invalid("--time-limit", "'" + text + "' is not [D-]HH:MM:SS");
    }
  }
  int64_t seconds = 0;
  if (dash != std::string::npos) {  // D-HH, D-HH:MM, D-HH:MM:SS
    const int64_t scale[] = {3600, 60, 1};
    if (parts.size() > 3) return Status::Invalid("--time-limit", "too many fields");
    for (size_t i = 0; i < parts.size(); ++i) seconds += Number(parts[i]) * scale[i];
  } else if (parts.size() == 2) {  // MM:SS
    seconds = Number(parts[0]) * 60 + Number(parts[1]);
  } else if (parts.size() == 3) {  // HH:MM:SS
    seconds = Number(parts[0]) * 3600 + Number(parts[1]) * 60 + Number(parts[2]);
  } else {
    return Status::Invalid("--time-limit", "'" + text + "' is not [D-]HH:MM:SS");
  }
  return static_cast<double>(days * 86400 + seconds);
}

std::map<std::string, CLI::Option*> AddJobOptions(CLI::App* c, JobOptions* o) {
  std::map<std::string, CLI::Option*> given;
  auto last = [](CLI::Option* option) {
    return option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  };
  given["nodes"] = last(c->add_option("-N,--nodes", o->nodes, "Nodes to spread the tasks over")
                            ->check(CLI::PositiveNumber));
  given["ntasks"] = last(c->add_option("-n,--ntasks", o->ntasks, "Number of tasks")
                             ->check(CLI::PositiveNumber));
  given["cores_per_task"] =
      last(c->add_option("-c,--cores-per-task,--cpus-per-task", o->cores_per_task,
                         "Cores per task")
               ->check(CLI::PositiveNumber));
  given["gpus_per_task"] = last(
      c->add_option("-g,--gpus-per-task", o->gpus_per_task, "GPUs per task")
          ->check(CLI::NonNegativeNumber));
  given["exclusive"] = c->add_flag("-x,--exclusive", o->exclusive, "Whole nodes");
  given["time_limit"] = last(c->add_option(
      "-t,--time-limit,--time", o->time_limit,
      "Time limit: minutes, FSD (90s, 2h) or [D-]HH:MM:SS"));
  given["queue"] = last(c->add_option("-q,--queue,-p,--partition", o->queue, "Queue"));
  given["job_name"] = last(c->add_option("--job-name,-J", o->job_name, "Job name"));
  given["cwd"] = last(c->add_option("--cwd,-D,--chdir", o->cwd,
                                    "Working directory (default: the current one)"));
  given["env"] = c->add_option("--env", o->env, "KEY=VALUE for the tasks (repeatable)")
                     ->allow_extra_args(false);
  given["env_none"] = c->add_flag("--env-none", o->env_none,
                                  "Do not copy this shell's environment");
  given["output"] = last(c->add_option("--output,-o", o->output,
                                       "stdout file; {{id}} becomes the job id"));
  given["error"] = last(c->add_option("--error,-e", o->error,
                                      "stderr file (default: with stdout)"));
  given["dependency"] = c->add_option("--dependency,-d", o->dependency,
                                      "afterok:ID, afterany:ID or afternotok:ID")
                            ->allow_extra_args(false);
  given["priority"] = last(c->add_option("--priority", o->priority, "Priority 0..31")
                               ->check(CLI::Range(0, 31)));
  return given;
}

void OverrideGiven(const JobOptions& from, const std::map<std::string, CLI::Option*>& given,
                   JobOptions* into) {
  auto was = [&](const char* name) { return given.at(name)->count() > 0; };
  if (was("nodes")) into->nodes = from.nodes;
  if (was("ntasks")) into->ntasks = from.ntasks;
  if (was("cores_per_task")) into->cores_per_task = from.cores_per_task;
  if (was("gpus_per_task")) into->gpus_per_task = from.gpus_per_task;
  if (was("exclusive")) into->exclusive = from.exclusive;
  if (was("time_limit")) into->time_limit = from.time_limit;
  if (was("queue")) into->queue = from.queue;
  if (was("job_name")) into->job_name = from.job_name;
  if (was("cwd")) into->cwd = from.cwd;
  if (was("env")) into->env.insert(into->env.end(), from.env.begin(), from.env.end());
  if (was("env_none")) into->env_none = from.env_none;
  if (was("output")) into->output = from.output;
  if (was("error")) into->error = from.error;
  if (was("dependency")) into->dependency = from.dependency;
  if (was("priority")) into->priority = from.priority;
}

Result<nlohmann::json> BuildJobspec(const JobOptions& options,
                                    const std::vector<std::string>& command) {
  if (command.empty()) return Status::Invalid("COMMAND", "name a program to run");
  jobspec::ShorthandOptions shorthand;
  shorthand.nodes = options.nodes;
  shorthand.tasks = options.ntasks > 0 ? options.ntasks : std::max<int64_t>(1, options.nodes);
  shorthand.cores_per_task = options.cores_per_task;
  shorthand.gpus_per_task = options.gpus_per_task;
  shorthand.exclusive = options.exclusive;
  shorthand.queue = options.queue;
  shorthand.command = command;
  if (!options.time_limit.empty()) {
    Result<double> seconds = ParseTimeLimit(options.time_limit);
    if (!seconds.ok()) return seconds.status();
    shorthand.duration = *seconds;
  }
  std::string cwd = options.cwd;
  if (cwd.empty()) {
    char buffer[4096];
    if (::getcwd(buffer, sizeof buffer)) cwd = buffer;
  }
  shorthand.cwd = cwd;
  Result<jobspec::Jobspec> spec = jobspec::FromShorthand(shorthand);
  if (!spec.ok()) return spec.status();
  if (!options.env_none) {
    for (char** entry = environ; *entry; ++entry) {
      std::string text = *entry;
      size_t eq = text.find('=');
      if (eq != std::string::npos) spec->system.environment[text.substr(0, eq)] = text.substr(eq + 1);
    }
  }
  for (const std::string& pair : options.env) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Invalid("--env", "'" + pair + "' is not KEY=VALUE");
    }
    spec->system.environment[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  nlohmann::json json = jobspec::ToJson(*spec);
  nlohmann::json& system = json["attributes"]["system"];
  if (!options.job_name.empty()) system["job"]["name"] = options.job_name;
  if (!options.output.empty()) {
    system["shell"]["options"]["output"]["stdout"]["path"] = options.output;
  }
  if (!options.error.empty()) {
    system["shell"]["options"]["output"]["stderr"]["path"] = options.error;
  }
  if (options.priority >= 0) system["priority"] = options.priority;
  Result<nlohmann::json> dependencies = Dependencies(options.dependency);
  if (!dependencies.ok()) return dependencies.status();
  if (!dependencies->empty()) system["dependencies"] = *dependencies;
  return json;
}

}  // namespace converge::cli
