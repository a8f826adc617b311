// `converge batch [flags] SCRIPT|- [ARGS]` (or `--wrap CMD`): submit a script whose `#FLUX:` /
// `#SBATCH` lines set options (the command line wins); --cc / --array submit a copy per
// index. Like `flux batch`, the job is a nested instance that owns exactly the allocation
// (`converge start --nested`) and runs the script once as its initial program, so that
// `converge submit` inside the script schedules within the allocation. API call: POST
// /v1/jobs.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <vector>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_copies.h"
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
  bool ignore_unknown_directives = false;
  bool no_shims = false;  // --no-shims: srun and flux in the script are whatever PATH has
  bool wait = false;      // --wait: until the jobs end, exiting as they did
  std::string wrap;       // --wrap: this shell command is the script
};

// `converge start --nested` and its flags: with shims, the srun and flux of the script are
// converge's (unless real ones run the job), with SLURM_NTASKS and SLURM_CPUS_PER_TASK as
// sbatch would set them for `options`.
std::vector<std::string> NestedStart(const JobOptions& options, bool shims) {
  std::vector<std::string> command = {exec::SelfExecutable(), "start", "--nested"};
  if (shims) {
    command.push_back("--shims=srun,flux");
    command.push_back("--shim-ntasks=" + std::to_string(SlurmTaskCount(options)));
    if (options.cores_per_task > 1) {
      command.push_back("--shim-cpus-per-task=" + std::to_string(options.cores_per_task));
    }
  }
  command.push_back("--");
  return command;
}

// The longest script `converge batch` takes on stdin or from --wrap: it travels in the job's
// command line, where Linux allows one word of at most 128 KiB.
constexpr size_t kMaxInlineScript = 128 * 1024 - 1;

// The script's text and how the job starts it. From a file, `path` is run (see
// ScriptCommand); on stdin or from --wrap, the text itself goes to the shell its `#!` line
// names (a shell that takes -c), or to /bin/sh.
struct Script {
  std::string name;  // for messages and the job's default name
  std::string text;
  std::vector<std::string> command;
};

// Prints "converge batch: SCRIPT: message" and returns `code`.
int ScriptError(const std::string& script, const std::string& message, int code) {
  std::fprintf(stderr, "converge batch: %s: %s\n", script.c_str(), message.c_str());
  return code;
}

// The options the script's directives set, in order (later lines win, --env accumulates),
// starting from batch's defaults; `queue_line` gets the directive that named the queue (0:
// none). Errors name the line.
Result<JobOptions> ApplyDirectives(const std::vector<jobspec::Directive>& directives,
                                   const jobspec::Directive** queue_line) {
  JobOptions options;
  options.output = "converge-{{id}}.out";  // like sbatch's slurm-%j.out
  for (const jobspec::Directive& directive : directives) {
    CLI::App parser;
    JobOptions parsed;
    std::map<std::string, CLI::Option*> given = AddJobOptions(&parser, &parsed);
    AddCopyOptions(&parser, &parsed, &given);
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
    if (given.at("queue")->count() > 0) *queue_line = &directive;
  }
  return options;
}

// A directive's queue must be one of the instance's (GET /v1/queue): the error names the line,
// which the instance's refusal at submit could not.
Status CheckDirectiveQueue(Session& session, const jobspec::Directive& directive,
                           const std::string& queue) {
  Result<nlohmann::json> answer = session.Call("GET", "/v1/queue");
  if (!answer.ok()) return answer.status();
  std::string names;
  for (const nlohmann::json& entry : answer->value("queues", nlohmann::json::array())) {
    const std::string name = entry.value("name", "");
    if (name == queue) return Status::Ok();
    names += (names.empty() ? "" : ", ") + name;
  }
  return Status::Invalid(
      "line " + std::to_string(directive.line),
      directive.prefix + " queue '" + queue + "': no such queue here " +
          (names.empty() ? "(the instance has no named queues: converge start --queue " + queue +
                               " makes one, or drop the line)"
                         : "(queues: " + names + ")"));
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

// The shell command that runs `text` with `arguments` ($1...; $0 is `name`): the `#!` line's
// interpreter when it is a shell, else /bin/sh. Errors name an interpreter that is not one.
Result<std::vector<std::string>> InlineCommand(const std::string& name, const std::string& text,
                                               const std::vector<std::string>& arguments) {
  std::vector<std::string> command = {"/bin/sh"};
  if (text.rfind("#!", 0) == 0) {
    std::istringstream line(text.substr(2, text.find('\n') - 2));
    std::vector<std::string> words;
    for (std::string word; line >> word;) words.push_back(word);
    if (words.size() == 2 && words[0] == "/usr/bin/env") words.erase(words.begin());
    const std::string shell = words.empty() ? "" : words[0].substr(words[0].rfind('/') + 1);
    static const std::set<std::string> kShells = {"sh", "bash", "dash", "ksh", "zsh"};
    const bool options_only = std::all_of(words.begin() + (words.empty() ? 0 : 1), words.end(),
                                          [](const std::string& w) { return w[0] == '-'; });
    if (!kShells.count(shell) || !options_only) {
      const std::string interpreter = text.substr(2, text.find('\n') - 2);
      return Status::Invalid(name, "a script given on stdin runs through a shell (sh, bash, "
                                   "dash, ksh or zsh), not '" + interpreter +
                                   "': give it as a file instead");
    }
    command = words;  // the shell and its options (#!/bin/bash -l)
  }
  command.insert(command.end(), {"-c", text, name});
  command.insert(command.end(), arguments.begin(), arguments.end());
  return command;
}

// Reads the script named by the first argument ("-": stdin), or takes --wrap's command.
// Errors (exit 1) name the script.
Result<Script> ReadScript(const BatchFlags& flags, const std::vector<std::string>& arguments,
                          const std::string& cwd) {
  Script script;
  if (!flags.wrap.empty()) {
    script.name = "wrap";
    script.text = "#!/bin/sh\n" + flags.wrap + "\n";
  } else if (arguments.empty() || arguments.front() == "-") {
    script.name = "stdin";
    // At most one byte more than the limit: enough to refuse a longer one by its size.
    std::vector<char> buffer(kMaxInlineScript + 1);
    std::cin.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    script.text.assign(buffer.data(), static_cast<size_t>(std::cin.gcount()));
  } else {
    script.name = arguments.front();
    std::ifstream file(script.name, std::ios::binary);
    struct stat info {};
    if (!file || ::stat(script.name.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
      return Status::Invalid(script.name, "cannot read the script");
    }
    std::stringstream text;
    text << file.rdbuf();
    script.text = text.str();
    const std::string path = script.name.front() == '/' ? script.name : cwd + "/" + script.name;
    script.command = ScriptCommand(path, script.text, {arguments.begin() + 1, arguments.end()});
    return script;
  }
  if (script.text.size() > kMaxInlineScript) {
    return Status::Invalid(script.name, "the script has more than " +
                                            std::to_string(kMaxInlineScript) +
                                            " bytes, the most that come on stdin or by --wrap "
                                            "(give it as a file)");
  }
  if (script.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Invalid(script.name, "the script is empty");
  }
  if (script.text.find('\0') != std::string::npos) {
    return Status::Invalid(script.name, "the script holds a NUL byte");
  }
  const size_t skip = arguments.empty() ? 0 : 1;  // "-" is not an argument of the script
  Result<std::vector<std::string>> command = InlineCommand(
      script.name, script.text, {arguments.begin() + static_cast<long>(skip), arguments.end()});
  if (!command.ok()) return command.status();
  script.command = std::move(command).value();
  return script;
}

int Batch(const BatchFlags& flags, const std::vector<std::string>& arguments) {
  if (arguments.empty() && flags.wrap.empty() && ::isatty(STDIN_FILENO)) {
    std::fprintf(stderr,
                 "converge batch: name a script, - for stdin, or give --wrap CMD "
                 "(converge batch [flags] SCRIPT)\n");
    return 2;
  }
  if (!arguments.empty() && !flags.wrap.empty()) {
    std::fprintf(stderr, "converge batch: --wrap is the script: give no SCRIPT beside it\n");
    return 2;
  }
  const JobContext here = CurrentJobContext();
  Result<Script> script = ReadScript(flags, arguments, here.cwd);
  if (!script.ok()) return ScriptError(script.status().where(), script.status().message(), 1);
  const std::string& name = script->name;
  Result<jobspec::BatchDirectives> directives =
      jobspec::ParseBatchDirectives(script->text, flags.ignore_unknown_directives);
  if (!directives.ok()) return ScriptError(name, directives.status().ToString(), 1);
  for (const std::string& warning : directives->warnings) ScriptError(name, warning, 0);
  const jobspec::Directive* queue_line = nullptr;
  Result<JobOptions> options = ApplyDirectives(directives->directives, &queue_line);
  if (!options.ok()) return ScriptError(name, options.status().ToString(), 1);
  OverrideGiven(flags.job, flags.given, &*options);

  std::vector<std::string> command = NestedStart(*options, !flags.no_shims);
  command.insert(command.end(), script->command.begin(), script->command.end());
  const std::string default_name = name.substr(name.find_last_of('/') + 1);
  Result<std::vector<std::string>> specs = CopyJobspecs(
      *options, command,
      [&](const JobOptions& each, const std::vector<std::string>& program) {
        Result<nlohmann::json> spec = BuildJobspec(each, program, here);
        if (!spec.ok()) return spec;
        // One task per node: rank 0 is the instance that runs the script, the others its agents.
        jobspec::SetOneTaskPerNode(*spec);
        if (each.job_name.empty()) (*spec)["attributes"]["system"]["job"]["name"] = default_name;
        return spec;
      });
  if (!specs.ok()) return Fail("batch", specs.status());
  if (options->dry_run) return PrintDryRun(*specs);
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("batch", session.status());
  if (queue_line != nullptr && flags.given.at("queue")->count() == 0) {
    Status known = CheckDirectiveQueue(*session, *queue_line, options->queue);
    if (!known.ok()) return ScriptError(name, known.ToString(), 1);
  }
  std::vector<int64_t> ids;
  const int status = SubmitJobspecs(*session, *specs, "batch", [&](const nlohmann::json& id) {
    std::printf(flags.parsable ? "%s\n" : "Submitted batch job %s\n", id.dump().c_str());
    if (id.is_number_integer()) ids.push_back(id.get<int64_t>());
  });
  std::fflush(stdout);
  if (status != 0 || !flags.wait) return status;
  return WaitForAll(*session, ids, "batch");
}

}  // namespace

void AddBatchCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<BatchFlags>();
  CLI::App* batch =
      app.add_subcommand("batch", "Submit a script; #FLUX: and #SBATCH lines set options");
  flags->given = AddJobOptions(batch, &flags->job);
  AddCopyOptions(batch, &flags->job, &flags->given);
  batch->add_flag("--parsable", flags->parsable, "Print only the job id");
  batch->add_flag("--wait,-W", flags->wait,
                  "Wait until the jobs end; exit 0 if all completed, else with the largest exit "
                  "code (as sbatch --wait)");
  batch->add_option("--wrap", flags->wrap,
                    "Run this shell command as the script (no SCRIPT then; as sbatch --wrap)");
  batch->add_flag("--no-shims", flags->no_shims,
                  "srun and flux in the script are not converge's (by default they run as "
                  "converge run/submit in the batch job, outside a real Slurm or Flux)");
  batch->add_flag("--ignore-unknown-directives", flags->ignore_unknown_directives,
                  "Warn about unknown or unsupported #SBATCH/#FLUX: options instead of refusing "
                  "the script");
  batch->prefix_command();
  batch->footer(
      "The script's #FLUX: / #SBATCH lines (before its first command) set options; flags "
      "given here win. Output goes to converge-{{id}}.out unless --output says otherwise.");
  batch->callback([=] { *exit_code = Batch(*flags, TrailingCommand(batch)); });
}

}  // namespace converge::cli
