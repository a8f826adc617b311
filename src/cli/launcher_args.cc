#include "cli/launcher_args.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <optional>
#include <set>
#include <string_view>

namespace converge::cli {

namespace {

enum class Value { kNone, kRequired, kOptional };  // kOptional: only as --name=VALUE

struct SrunRule {
  std::string_view name;  // long name without "--"
  char short_name;        // 0: none
  Value value;
  std::string_view flag;  // converge's flag; "" = dropped (no effect here)
};

constexpr std::array kSrunRules{
    SrunRule{"ntasks", 'n', Value::kRequired, "--ntasks"},
    SrunRule{"nodes", 'N', Value::kRequired, "--nodes"},
    SrunRule{"cpus-per-task", 'c', Value::kRequired, "--cores-per-task"},
    SrunRule{"ntasks-per-node", 0, Value::kRequired, "--tasks-per-node"},
    SrunRule{"exclusive", 0, Value::kNone, "--exclusive"},
    SrunRule{"time", 't', Value::kRequired, "--time-limit"},
    SrunRule{"job-name", 'J', Value::kRequired, "--job-name"},
    SrunRule{"nodelist", 'w', Value::kRequired, "--nodelist"},
    SrunRule{"exclude", 'x', Value::kRequired, "--exclude"},
    SrunRule{"chdir", 'D', Value::kRequired, "--cwd"},
    SrunRule{"gpus-per-task", 0, Value::kRequired, "--gpus-per-task"},
    SrunRule{"gpus-per-node", 0, Value::kRequired, "--gpus-per-node"},
    SrunRule{"gres", 0, Value::kRequired, "--gres"},
    SrunRule{"mem", 0, Value::kRequired, "--mem"},
    SrunRule{"mem-per-cpu", 0, Value::kRequired, "--mem-per-cpu"},
    SrunRule{"constraint", 'C', Value::kRequired, "--constraint"},
    SrunRule{"mpi", 0, Value::kRequired, "--pmi"},
    SrunRule{"label", 'l', Value::kNone, "--label-io"},
    SrunRule{"overlap", 0, Value::kNone, ""},
    SrunRule{"unbuffered", 'u', Value::kNone, ""},
    SrunRule{"kill-on-bad-exit", 'K', Value::kOptional, ""},
    SrunRule{"cpu-bind", 0, Value::kRequired, ""},
    SrunRule{"input", 'i', Value::kRequired, ""},
    SrunRule{"hint", 0, Value::kRequired, ""},
    SrunRule{"distribution", 'm', Value::kRequired, ""},
    SrunRule{"gpu-bind", 0, Value::kRequired, ""},
    SrunRule{"cpu-freq", 0, Value::kRequired, ""},
    SrunRule{"export", 0, Value::kRequired, ""},
    SrunRule{"quiet", 'Q', Value::kNone, ""},
    SrunRule{"verbose", 'v', Value::kNone, ""},
};

// converge's PMI for a value of srun's --mpi.
std::string PmiOf(const std::string& mpi) {
  if (mpi == "none") return "off";
  if (mpi.rfind("pmix", 0) == 0) return "pmix";
  return "simple";
}

const SrunRule* FindRule(std::string_view name, char short_name) {
  for (const SrunRule& rule : kSrunRules) {
    if (short_name != 0 ? rule.short_name == short_name : rule.name == name) return &rule;
  }
  return nullptr;
}

Status Unknown(const std::string& word) {
  return Status::Invalid(word, "unknown option of converge's srun (it knows -n -N -c "
                               "--ntasks-per-node --exclusive -t -J -w -x -D --mem --gres --mpi "
                               "and a few more; docs/cli.md)");
}

// Flux options of run, submit, batch and alloc that take no value (the others take one).
const std::set<std::string_view> kFluxFlags = {
    "-x", "--exclusive", "--wait", "--hold", "--dry-run", "--env-none", "--quiet", "-v",
    "--verbose", "--parsable", "--wait-event", "--debug", "-l", "--label-io", "--unbuffered",
    "-u"};

// `-o KEY=VALUE` of Flux (a shell option) as converge's flag: only pmi=LIST has one.
Result<std::string> ShellOption(const std::string& option) {
  if (option.rfind("pmi=", 0) == 0 && option.size() > 4) return "--pmi=" + option.substr(4);
  return Status::Invalid("-o " + option, "converge's flux knows only the shell option pmi=LIST "
                                         "(other shell options have flags of their own)");
}

}  // namespace

Result<std::vector<std::string>> SrunAsConverge(const std::vector<std::string>& args,
                                                const GetEnv& getenv) {
  std::vector<std::string> out = {"run"};
  std::set<std::string_view> given;
  std::optional<size_t> program;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") {
      program = i + 1;
      break;
    }
    if (word.size() < 2 || word[0] != '-') {
      program = i;
      break;
    }
    const bool is_long = word[1] == '-';
    const size_t equals = word.find('=');
    const SrunRule* rule =
        is_long ? FindRule(std::string_view(word).substr(2, equals == std::string::npos
                                                                ? std::string::npos
                                                                : equals - 2),
                           0)
                : FindRule("", word[1]);
    if (rule == nullptr) return Unknown(word);
    std::optional<std::string> value;
    if (is_long && equals != std::string::npos) {
      value = word.substr(equals + 1);
    } else if (!is_long && word.size() > 2) {
      if (rule->value == Value::kNone) return Unknown(word);
      value = word.substr(2);
    } else if (rule->value == Value::kRequired) {
      if (i + 1 >= args.size()) return Status::Invalid(word, "needs a value");
      value = args[++i];
    }
    if (value && rule->value == Value::kNone) return Status::Invalid(word, "takes no value");
    if (rule->flag.empty()) continue;  // no effect in converge
    given.insert(rule->flag);
    if (rule->flag == "--pmi") {
      out.push_back("--pmi=" + PmiOf(*value));
    } else {
      out.push_back(std::string(rule->flag) + (value ? "=" + *value : ""));
    }
  }
  if (!program || *program >= args.size()) {
    return Status::Invalid("srun", "name a program to run (srun [options] PROGRAM...)");
  }
  // srun's defaults inside an allocation, from the batch job's variables.
  auto value_of = [&out](std::string_view flag) {
    const std::string prefix = std::string(flag) + "=";
    auto it = std::find_if(out.begin(), out.end(), [&](const std::string& token) {
      return token.rfind(prefix, 0) == 0;
    });
    return it == out.end() ? std::string() : it->substr(prefix.size());
  };
  if (given.count("--tasks-per-node") && !given.count("--nodes")) {
    // converge needs the node count: enough for --ntasks, else all of the allocation's.
    const std::string per_node = value_of("--tasks-per-node");
    const std::string ntasks = value_of("--ntasks");
    const char* nnodes = getenv("SLURM_NNODES");
    if (!ntasks.empty()) {
      const int64_t each = std::max<int64_t>(1, std::atoll(per_node.c_str()));
      out.push_back("--nodes=" + std::to_string((std::atoll(ntasks.c_str()) + each - 1) / each));
    } else if (nnodes != nullptr && *nnodes != '\0') {
      out.push_back(std::string("--nodes=") + nnodes);
    } else {
      out.push_back("--nodes=1");
    }
    given.insert("--nodes");
  }
  if (!given.count("--ntasks") && !given.count("--tasks-per-node")) {
    const char* ntasks = getenv("SLURM_NTASKS");
    if (ntasks != nullptr && *ntasks != '\0') {
      out.push_back(std::string("--ntasks=") + ntasks);
    } else if (given.count("--nodes")) {
      out.push_back("--ntasks=" + value_of("--nodes"));  // one a node, sharing them, as srun
    }
  }
  const char* cpus = getenv("SLURM_CPUS_PER_TASK");
  if (!given.count("--cores-per-task") && cpus != nullptr && *cpus != '\0') {
    out.push_back(std::string("--cores-per-task=") + cpus);
  }
  out.push_back("--");
  out.insert(out.end(), args.begin() + static_cast<long>(*program), args.end());
  return out;
}

Result<std::vector<std::string>> FluxAsConverge(const std::vector<std::string>& args) {
  static const std::set<std::string> kPassed = {"jobs", "cancel"};
  static const std::set<std::string> kLaunchers = {"run", "submit", "batch", "alloc"};
  if (args.empty() || (!kPassed.count(args[0]) && !kLaunchers.count(args[0]))) {
    return Status::Invalid(args.empty() ? "flux" : "flux " + args[0],
                           "converge's flux runs only run, submit, batch, alloc, jobs and cancel "
                           "(as the converge commands of those names)");
  }
  std::vector<std::string> out = {args[0]};
  size_t i = 1;
  if (kLaunchers.count(args[0])) {
    for (; i < args.size(); ++i) {
      const std::string& word = args[i];
      if (word == "--" || word.size() < 2 || word[0] != '-') break;
      std::optional<std::string> option;  // -o X, -oX, --setopt X, --setopt=X
      if (word == "-o" || word == "--setopt") {
        if (i + 1 >= args.size()) return Status::Invalid(word, "needs a value");
        option = args[++i];
      } else if (word.rfind("--setopt=", 0) == 0) {
        option = word.substr(9);
      } else if (word.rfind("-o", 0) == 0) {
        option = word.substr(2);
      }
      if (option) {
        Result<std::string> flag = ShellOption(*option);
        if (!flag.ok()) return flag.status();
        out.push_back(*flag);
        continue;
      }
      out.push_back(word);
      const bool attached =
          word.find('=') != std::string::npos || (word[1] != '-' && word.size() > 2);
      if (!attached && !kFluxFlags.count(word) && i + 1 < args.size()) out.push_back(args[++i]);
    }
  }
  out.insert(out.end(), args.begin() + static_cast<long>(i), args.end());
  return out;
}

}  // namespace converge::cli
