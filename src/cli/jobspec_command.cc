// `converge jobspec validate|create`: thin wrappers over jobspec/ (parse, shorthand, write).
//
// validate [--v1] FILE...  exit 0 when every file is valid; otherwise exit 1 with one
//                          "FILE: PATH: message" line per bad file on stderr.
// create [-N n] [-n n] [-c n] [-g n] [-x] [-t dur] [-q queue] [--cwd dir] [--json] -- CMD...
//                          prints canonical YAML (or JSON) on stdout.
// Usage errors (bad flag values, unknown flags, missing operands) exit 2 with a message.
#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "jobspec/duration.h"
#include "jobspec/parse.h"
#include "jobspec/shorthand.h"
#include "jobspec/write.h"

namespace converge::cli {

namespace {

constexpr int kUsageError = 2;

struct ValidateFlags {
  bool v1 = false;
  std::vector<std::string> files;
};

struct CreateFlags {
  std::string nodes, tasks, cores, gpus, duration, queue, cwd;
  bool exclusive = false;
  bool json = false;
  std::vector<std::string> command;
};

// Reads at most limit + 1 bytes, so an oversized file is reported without loading it all.
std::optional<std::string> ReadCapped(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return std::nullopt;
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

int RunValidate(const ValidateFlags& flags, const std::vector<std::string>& extras) {
  if (!extras.empty()) {
    std::cerr << "converge jobspec validate: unknown argument '" << extras.front() << "'\n";
    return kUsageError;
  }
  if (flags.files.empty()) {
    std::cerr << "converge jobspec validate: at least one FILE is required\n";
    return kUsageError;
  }
  jobspec::ParseOptions options;
  options.v1 = flags.v1;
  int status = 0;
  for (const std::string& file : flags.files) {
    std::optional<std::string> text = ReadCapped(file, options.max_bytes);
    if (!text) {
      std::cerr << file << ": "
                << "file: cannot be read\n";
      status = 1;
      continue;
    }
    Result<jobspec::Jobspec> spec = jobspec::Parse(*text, options);
    if (!spec.ok()) {
      std::cerr << file << ": " << spec.status().ToString() << "\n";
      status = 1;
    }
  }
  return status;
}

// Parses a whole decimal integer flag value; nullopt when it is not one or does not fit.
std::optional<int64_t> ToInt(const std::string& text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

int UsageError(const std::string& flag, const std::string& message) {
  std::cerr << "converge jobspec create: " << flag << ": " << message << "\n";
  return kUsageError;
}

int RunCreate(const CreateFlags& flags, const std::vector<std::string>& extras) {
  // CLI11 (with allow_extras) leaves "--" and what follows it in the extras: that is the
  // command. Anything before "--" is an unknown flag.
  std::vector<std::string> command = flags.command;
  for (size_t i = 0; i < extras.size(); ++i) {
    if (extras[i] == "--") {
      command.insert(command.end(), extras.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                     extras.end());
      break;
    }
    return UsageError(extras[i], "unknown argument (put the command after --)");
  }
  jobspec::ShorthandOptions options;
  struct IntFlag {
    const char* name;
    const std::string* text;
    int64_t* out;
  };
  for (const IntFlag& flag :
       {IntFlag{"-N", &flags.nodes, &options.nodes}, IntFlag{"-n", &flags.tasks, &options.tasks},
        IntFlag{"-c", &flags.cores, &options.cores_per_task},
        IntFlag{"-g", &flags.gpus, &options.gpus_per_task}}) {
    if (flag.text->empty()) continue;
    std::optional<int64_t> value = ToInt(*flag.text);
    if (!value) return UsageError(flag.name, "'" + *flag.text + "' is not an integer");
    *flag.out = *value;
  }
  // As flux does: -N without -n runs one task per node.
  if (flags.tasks.empty() && options.nodes > 0) options.tasks = options.nodes;
  if (!flags.duration.empty()) {
    Result<double> seconds = jobspec::ParseDuration(flags.duration);
    if (!seconds.ok()) return UsageError("-t", seconds.status().message());
    options.duration = *seconds;
  }
  options.exclusive = flags.exclusive;
  options.queue = flags.queue;
  options.cwd = flags.cwd;
  options.command = command;
  Result<jobspec::Jobspec> spec = jobspec::FromShorthand(options);
  if (!spec.ok()) return UsageError(spec.status().where(), spec.status().message());
  if (flags.json) {
    std::cout << jobspec::ToJson(*spec).dump(2) << "\n";
  } else {
    std::cout << jobspec::ToYaml(*spec);
  }
  return 0;
}

}  // namespace

void AddJobspecCommand(CLI::App& app, int* exit_code) {
  CLI::App* jobspec = app.add_subcommand("jobspec", "Validate and create Flux jobspecs");
  jobspec->require_subcommand(1);

  auto validate_flags = std::make_shared<ValidateFlags>();
  CLI::App* validate = jobspec->add_subcommand(
      "validate",
      "Check jobspec files (RFC 14; --v1 adds RFC 25). Problems go to stderr as "
      "'FILE: PATH: message'; exit 1 if any");
  validate->allow_extras();
  validate->add_flag("--v1", validate_flags->v1, "Enforce jobspec version 1 (RFC 25)");
  validate->add_option("files", validate_flags->files, "Jobspec files (YAML or JSON)");
  validate->callback([validate, validate_flags, exit_code] {
    *exit_code = RunValidate(*validate_flags, validate->remaining());
  });

  auto create_flags = std::make_shared<CreateFlags>();
  CLI::App* create = jobspec->add_subcommand(
      "create", "Print the jobspec for flux-style shorthand flags: create [flags] -- CMD [ARGS]");
  create->allow_extras();
  create->add_option("-N,--nodes", create_flags->nodes, "Number of nodes");
  create->add_option("-n,--ntasks", create_flags->tasks, "Number of tasks (default 1, or -N)");
  create->add_option("-c,--cores-per-task", create_flags->cores, "Cores per task (default 1)");
  create->add_option("-g,--gpus-per-task", create_flags->gpus, "GPUs per task (default 0)");
  create->add_flag("-x,--exclusive", create_flags->exclusive, "Allocate whole nodes");
  create->add_option("-t,--time-limit", create_flags->duration, "Duration: 90, 30s, 5m, 2h, 1d");
  create->add_option("-q,--queue", create_flags->queue, "Queue name");
  create->add_option("--cwd", create_flags->cwd, "Working directory of the tasks");
  create->add_flag("--json", create_flags->json, "Print JSON instead of YAML");
  create->add_option("command", create_flags->command, "Command and arguments (after --)");
  create->callback([create, create_flags, exit_code] {
    *exit_code = RunCreate(*create_flags, create->remaining());
  });
}

}  // namespace converge::cli
