// `converge batch [flags] SCRIPT [ARGS]`: submit a script whose `#FLUX:` / `#SBATCH` lines set
// options (the command line wins). Like `flux batch`, the job is a nested instance that owns
// exactly the allocation (`converge start --nested`) and runs the script once as its initial
// program, so that `converge submit` inside the script schedules within the allocation.
// API call: POST /v1/jobs.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "exec/self_path.h"
#include "jobspec/directives.h"
#include "jobspec/shell_options.h"

namespace converge::cli {
namespace {

struct BatchFlags {
  JobOptions job;
  std::map<std::string, CLI::Option*> given;  // which of `job` the command line set
  bool parsable = false;
};

// Prints "converge batch: SCRIPT: message" and returns `code`.
int ScriptError(const std::string& script, const std::string& message, int code) {
  std::fprintf(stderr, "converge batch: %s: %s\n", script.c_str(), message.c_str());
  return code;
}

// The options the script's directives set, in order (later lines win, --env accumulates),
// starting from batch's defaults. Errors name the line.
Result<JobOptions> ApplyDirectives(const std::vector<jobspec::Directive>& directives) {
  JobOptions options;
  options.output = "converge-{{id}}.out";  // like sbatch's slurm-%j.out
  for (const jobspec::Directive& directive : directives) {
    CLI::App parser;
    JobOptions parsed;
    std::map<std::string, CLI::Option*> given = AddJobOptions(&parser, &parsed);
    std::vector<std::string> reversed(directive.tokens.rbegin(), directive.tokens.rend());
    try {
      parser.parse(reversed);
    } catch (const CLI::ParseError& error) {
      std::string words;
      for (const std::string& token : directive.tokens) words += " " + token;
      return Status::Invalid("line " + std::to_string(directive.line),
                             directive.prefix + words + ": " + error.what());
    }
    if (parsed.dry_run) {
      return Status::Invalid("line " + std::to_string(directive.line),
                             directive.prefix + " --dry-run: a command-line flag only");
    }
    OverrideGiven(parsed, given, &options);
  }
  return options;
}

// How the job starts the script: directly when it is executable and has a `#!` line, through
// its `#!` interpreter when it is not executable, else with /bin/sh.
std::vector<std::string> ScriptCommand(const std::string& path, const std::string& text,
                                       const std::vector<std::string>& arguments) {
  std::vector<std::string> command;
  const bool shebang = text.rfind("#!", 0) == 0;
  if (shebang && ::access(path.c_str(), X_OK) == 0) {
    command.push_back(path);
  } else if (shebang) {
    std::string line = text.substr(2, text.find('\n') - 2);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    size_t end = start == std::string::npos ? start : line.find_first_of(" \t", start);
    if (start != std::string::npos) command.push_back(line.substr(start, end - start));
    if (end != std::string::npos) {
      size_t rest = line.find_first_not_of(" \t", end);
      size_t last = line.find_last_not_of(" \t");
      if (rest != std::string::npos) command.push_back(line.substr(rest, last - rest + 1));
    }
    if (command.empty()) command.push_back("/bin/sh");
    command.push_back(path);
  } else {
    command = {"/bin/sh", path};
  }
  command.insert(command.end(), arguments.begin(), arguments.end());
  return command;
}

int Batch(const BatchFlags& flags, const std::vector<std::string>& arguments) {
  if (arguments.empty()) {
    std::fprintf(stderr, "converge batch: name a script (converge batch [flags] SCRIPT)\n");
    return 2;
  }
  const std::string& name = arguments.front();
  std::ifstream file(name, std::ios::binary);
  struct stat info {};
  if (!file || ::stat(name.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return ScriptError(name, "cannot read the script", 1);
  }
  std::stringstream text;
  text << file.rdbuf();
  Result<jobspec::BatchDirectives> directives = jobspec::ParseBatchDirectives(text.str());
  if (!directives.ok()) return ScriptError(name, directives.status().ToString(), 1);
  for (const std::string& warning : directives->warnings) ScriptError(name, warning, 0);
  Result<JobOptions> options = ApplyDirectives(directives->directives);
  if (!options.ok()) return ScriptError(name, options.status().ToString(), 1);
  OverrideGiven(flags.job, flags.given, &*options);

  const JobContext here = CurrentJobContext();
  const std::string path = name.front() == '/' ? name : here.cwd + "/" + name;
  std::vector<std::string> script_arguments(arguments.begin() + 1, arguments.end());
  std::vector<std::string> command = {exec::SelfExecutable(), "start", "--nested", "--"};
  for (std::string& word : ScriptCommand(path, text.str(), script_arguments)) {
    command.push_back(std::move(word));
  }
  Result<nlohmann::json> spec = BuildJobspec(*options, command, here);
  if (!spec.ok()) return Fail("batch", spec.status());
  // One task per node: rank 0 is the instance that runs the script, the others its agents.
  jobspec::SetOneTaskPerNode(*spec);
  if (options->job_name.empty()) {
    (*spec)["attributes"]["system"]["job"]["name"] = name.substr(name.find_last_of('/') + 1);
  }
  if (options->dry_run) return PrintDryRun({spec->dump()});
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("batch", session.status());
  Result<nlohmann::json> answer = session->Call("POST", "/v1/jobs", spec->dump());
  if (!answer.ok()) return Fail("batch", answer.status());
  const std::string id = answer->value("id", nlohmann::json()).dump();
  std::printf(flags.parsable ? "%s\n" : "Submitted batch job %s\n", id.c_str());
  return 0;
}

}  // namespace

void AddBatchCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<BatchFlags>();
  CLI::App* batch =
      app.add_subcommand("batch", "Submit a script; #FLUX: and #SBATCH lines set options");
  flags->given = AddJobOptions(batch, &flags->job);
  batch->add_flag("--parsable", flags->parsable, "Print only the job id");
  batch->prefix_command();
  batch->footer(
      "The script's #FLUX: / #SBATCH lines (before its first command) set options; flags "
      "given here win. Output goes to converge-{{id}}.out unless --output says otherwise.");
  batch->callback([=] { *exit_code = Batch(*flags, TrailingCommand(batch)); });
}

}  // namespace converge::cli
