#include "jobspec/directives.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <span>

namespace converge::jobspec {
namespace {

// What a directive option becomes.
enum class Action {
  kFlag,       // a converge flag without a value
  kValue,      // a converge flag with the option's value
  kPercent,    // kValue after Slurm's %j -> {{id}} (output file names)
  kEnvRemove,  // Flux --env-remove=PATTERN -> --env=-PATTERN
  kExport,     // Slurm --export=...
  kShellOption,  // Flux -o/--setopt KEY=VALUE: only pmi=LIST (-> --pmi=LIST) has a flag here
  kIgnore,     // understood, no effect here: a warning
  kRefuse,     // understood, not supported: an error with a hint
};

struct Rule {
  std::string_view name;  // long name without "--"
  char short_name;        // 0: none
  bool takes_value;
  Action action;
  std::string_view flag;  // the converge flag, or the hint for kIgnore/kRefuse
};

constexpr std::array kFluxRules{
    Rule{"nodes", 'N', true, Action::kValue, "--nodes"},
    Rule{"ntasks", 'n', true, Action::kValue, "--ntasks"},
    Rule{"cores-per-task", 'c', true, Action::kValue, "--cores-per-task"},
    Rule{"gpus-per-task", 'g', true, Action::kValue, "--gpus-per-task"},
    Rule{"exclusive", 'x', false, Action::kFlag, "--exclusive"},
    Rule{"time-limit", 't', true, Action::kValue, "--time-limit"},
    Rule{"queue", 'q', true, Action::kValue, "--queue"},
    Rule{"job-name", 0, true, Action::kValue, "--job-name"},
    Rule{"cwd", 0, true, Action::kValue, "--cwd"},
    Rule{"output", 0, true, Action::kValue, "--output"},
    Rule{"error", 0, true, Action::kValue, "--error"},
    Rule{"dependency", 0, true, Action::kValue, "--dependency"},
    Rule{"begin-time", 0, true, Action::kValue, "--begin-time"},
    Rule{"signal", 0, true, Action::kValue, "--signal"},
    Rule{"setattr", 'S', true, Action::kValue, "--setattr"},
    Rule{"env", 0, true, Action::kValue, "--env"},
    Rule{"env-remove", 0, true, Action::kEnvRemove, "--env"},
    Rule{"env-none", 0, false, Action::kFlag, "--env-none"},
    Rule{"urgency", 0, true, Action::kValue, "--priority"},
    Rule{"priority", 0, true, Action::kValue, "--priority"},
    Rule{"hold", 0, false, Action::kFlag, "--hold"},
    Rule{"requires", 0, true, Action::kValue, "--requires"},
    Rule{"tasks-per-node", 0, true, Action::kValue, "--tasks-per-node"},
    Rule{"gpus-per-node", 0, true, Action::kValue, "--gpus-per-node"},
    Rule{"cc", 0, true, Action::kValue, "--cc"},
    Rule{"setopt", 'o', true, Action::kShellOption, "--pmi"},
    Rule{"label-io", 'l', false, Action::kFlag, "--label-io"},
};

constexpr std::array kSlurmRules{
    Rule{"nodes", 'N', true, Action::kValue, "--nodes"},
    Rule{"ntasks", 'n', true, Action::kValue, "--ntasks"},
    Rule{"cpus-per-task", 'c', true, Action::kValue, "--cores-per-task"},
    Rule{"gpus-per-task", 0, true, Action::kValue, "--gpus-per-task"},
    Rule{"gpus-per-node", 0, true, Action::kValue, "--gpus-per-node"},
    Rule{"gres", 0, true, Action::kValue, "--gres"},
    Rule{"mem", 0, true, Action::kValue, "--mem"},
    Rule{"mem-per-cpu", 0, true, Action::kValue, "--mem-per-cpu"},
    Rule{"exclusive", 0, false, Action::kFlag, "--exclusive"},
    Rule{"time", 't', true, Action::kValue, "--time-limit"},
    Rule{"job-name", 'J', true, Action::kValue, "--job-name"},
    Rule{"output", 'o', true, Action::kPercent, "--output"},
    Rule{"error", 'e', true, Action::kPercent, "--error"},
    Rule{"partition", 'p', true, Action::kValue, "--queue"},
    Rule{"dependency", 'd', true, Action::kValue, "--dependency"},
    Rule{"begin", 'b', true, Action::kValue, "--begin-time"},
    Rule{"signal", 0, true, Action::kValue, "--signal"},
    Rule{"chdir", 'D', true, Action::kValue, "--cwd"},
    Rule{"ntasks-per-node", 0, true, Action::kValue, "--tasks-per-node"},
    Rule{"export", 0, true, Action::kExport, "--env"},
    Rule{"hold", 'H', false, Action::kFlag, "--hold"},
    Rule{"nodelist", 'w', true, Action::kValue, "--nodelist"},
    Rule{"exclude", 'x', true, Action::kValue, "--exclude"},
    Rule{"constraint", 'C', true, Action::kValue, "--constraint"},
    Rule{"account", 'A', true, Action::kIgnore, "converge has no accounts"},
    Rule{"qos", 'q', true, Action::kIgnore, "converge has no QOS"},
    Rule{"mail-type", 0, true, Action::kIgnore, "converge sends no mail"},
    Rule{"mail-user", 0, true, Action::kIgnore, "converge sends no mail"},
    Rule{"comment", 0, true, Action::kIgnore, "comments are not kept"},
    Rule{"requeue", 0, false, Action::kIgnore, "jobs are not requeued"},
    Rule{"no-requeue", 0, false, Action::kIgnore, "jobs are never requeued"},
    Rule{"licenses", 'L', true, Action::kIgnore, "converge counts no licenses"},
    Rule{"hint", 0, true, Action::kIgnore, "tasks are bound to whole cores already"},
    Rule{"distribution", 'm', true, Action::kIgnore, "tasks are laid out in block order"},
    Rule{"threads-per-core", 0, true, Action::kIgnore, "cores are scheduled, not threads"},
    Rule{"ntasks-per-core", 0, true, Action::kIgnore, "cores are scheduled, not threads"},
    Rule{"open-mode", 0, true, Action::kIgnore, "output files are appended to"},
    Rule{"get-user-env", 0, false, Action::kIgnore, "the environment is the submitting shell's"},
    Rule{"nice", 0, true, Action::kIgnore, "use --urgency"},
    Rule{"wckey", 0, true, Action::kIgnore, "converge keeps no accounting keys"},
    Rule{"gpu-bind", 0, true, Action::kIgnore, "each task sees its own GPUs"},
    Rule{"cpu-freq", 0, true, Action::kIgnore, "converge sets no cpu frequency"},
    Rule{"array", 'a', true, Action::kValue, "--array"},
    Rule{"gpus", 'G', true, Action::kRefuse,
         "GPUs of the whole job: give --gpus-per-node or --gpus-per-task"},
    Rule{"mem-per-gpu", 0, true, Action::kRefuse,
         "memory is asked for per node (--mem) or per core (--mem-per-cpu)"},
};

// Splits `text` into words like a POSIX shell would (quotes and escapes; no expansions). An
// unquoted '#' at the start of a word begins a comment.
Result<std::vector<std::string>> Words(std::string_view text, const std::string& where) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < text.size() &&
                 (text[i + 1] == '"' || text[i + 1] == '\\')) {
        word += text[++i];
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '#' && !in_word) {
      break;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) return Status::Invalid(where, std::string("unterminated ") + quote + " quote");
  if (in_word) words.push_back(word);
  return words;
}

// Slurm's file-name patterns: %j -> {{id}}, %x -> {{name}}, %a -> {cc} (the array index), %A
// -> {{id}} (each copy of an array has an id of its own), %% -> %; the others (%N, %n, %t,
// %u, ...) have no converge meaning.
Result<std::string> SlurmPattern(std::string_view value, const std::string& where,
                                 const std::string& option) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    const char next = i + 1 < value.size() ? value[i + 1] : 0;
    if (next == 'j' || next == 'J' || next == 'A') {
      out += "{{id}}";
    } else if (next == 'x') {
      out += "{{name}}";
    } else if (next == 'a') {
      out += "{cc}";
    } else if (next == '%') {
      out += '%';
    } else if (next == 0) {
      return Status::Invalid(where, option + ": a % at the end is not a pattern (%% is a %)");
    } else {
      return Status::Invalid(
          where, option + ": %" + std::string(1, next) +
                     " is not supported (only %j, %x, %a, %A and %%)");
    }
    ++i;
  }
  return out;
}

// Slurm's --export value as converge --env / --env-none tokens.
std::vector<std::string> ExportTokens(std::string_view value) {
  std::vector<std::string> tokens;
  bool all = false;
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = std::min(value.find(',', start), value.size());
    std::string item(value.substr(start, comma - start));
    start = comma + 1;
    if (item == "ALL") {
      all = true;
    } else if (!item.empty() && item != "NONE" && item != "NIL") {
      names.push_back("--env=" + item);
    }
  }
  if (!all) tokens.push_back("--env-none");
  tokens.insert(tokens.end(), names.begin(), names.end());
  return tokens;
}

struct Translator {
  std::span<const Rule> rules;
  std::string prefix;  // "#FLUX:" or "#SBATCH", for messages
  std::string where;   // "line N"
  bool ignore_unknown = false;  // unknown and unsupported options are warnings, not errors
  std::vector<std::string> tokens;
  std::vector<std::string> warnings;

  const Rule* Find(std::string_view name, char short_name) const {
    for (const Rule& rule : rules) {
      if (short_name ? rule.short_name == short_name : rule.name == name) return &rule;
    }
    return nullptr;
  }

  Status Error(const std::string& option, const std::string& message) const {
    return Status::Invalid(where, prefix + " " + option + ": " + message);
  }

  // Applies `rule`, written as `option`, with `value` (empty for flags).
  Status Apply(const Rule& rule, const std::string& option, const std::string& value) {
    switch (rule.action) {
      case Action::kFlag:
        tokens.emplace_back(rule.flag);
        return Status::Ok();
      case Action::kValue:
        tokens.push_back(std::string(rule.flag) + "=" + value);
        return Status::Ok();
      case Action::kPercent: {
        Result<std::string> converted = SlurmPattern(value, where, prefix + " " + option);
        if (!converted.ok()) return converted.status();
        tokens.push_back(std::string(rule.flag) + "=" + *converted);
        return Status::Ok();
      }
      case Action::kEnvRemove:
        tokens.push_back(std::string(rule.flag) + "=-" + value);
        return Status::Ok();
      case Action::kExport:
        for (std::string& token : ExportTokens(value)) tokens.push_back(std::move(token));
        return Status::Ok();
      case Action::kShellOption:
        if (value.rfind("pmi=", 0) == 0 && value.size() > 4) {
          tokens.push_back(std::string(rule.flag) + "=" + value.substr(4));
          return Status::Ok();
        }
        if (ignore_unknown) {
          warnings.push_back(where + ": " + prefix + " " + option + " " + value +
                             ": not supported, ignored (only the shell option pmi=LIST is)");
          return Status::Ok();
        }
        return Error(option, "'" + value + "': only the shell option pmi=LIST is known here "
                             "(the others have flags of their own)");
      case Action::kIgnore:
        warnings.push_back(where + ": " + prefix + " " + option + ": ignored (" +
                           std::string(rule.flag) + ")");
        return Status::Ok();
      case Action::kRefuse:
        if (ignore_unknown) {
          warnings.push_back(where + ": " + prefix + " " + option + ": not supported, ignored (" +
                             std::string(rule.flag) + ")");
          return Status::Ok();
        }
        return Error(option, "not supported: " + std::string(rule.flag));
    }
    return Status::Ok();
  }

  // Translates the words of one directive line.
  Status Translate(const std::vector<std::string>& words) {
    for (size_t i = 0; i < words.size(); ++i) {
      const std::string& word = words[i];
      if (word.size() < 2 || word[0] != '-' || word == "--") {
        return Status::Invalid(where, prefix + " " + word + ": unexpected argument");
      }
      const bool is_long = word[1] == '-';
      std::string option;
      std::string value;
      bool has_value = false;
      const Rule* rule = nullptr;
      if (is_long) {
        size_t eq = word.find('=');
        option = word.substr(0, eq);
        if (eq != std::string::npos) {
          value = word.substr(eq + 1);
          has_value = true;
        }
        rule = Find(std::string_view(option).substr(2), 0);
      } else {
        option = word.substr(0, 2);
        if (word.size() > 2) {
          value = word.substr(word[2] == '=' ? 3 : 2);
          has_value = true;
        }
        rule = Find({}, word[1]);
      }
      if (!rule && ignore_unknown) {
        warnings.push_back(where + ": " + prefix + " " + option + ": unknown option, ignored");
        // Its value, when it has one: the next word unless that is an option.
        if (!has_value && i + 1 < words.size() && words[i + 1].rfind('-', 0) != 0) ++i;
        continue;
      }
      if (!rule) return Error(option, "unknown option");
      if (!rule->takes_value && has_value) return Error(option, "takes no value");
      if (rule->takes_value && !has_value) {
        if (i + 1 >= words.size()) return Error(option, "needs a value");
        value = words[++i];
      }
      CONVERGE_RETURN_IF_ERROR(Apply(*rule, option, value));
    }
    return Status::Ok();
  }
};

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// The directive's text after its sentinel, with the rules that apply; nothing for an ordinary
// comment. `line` starts with '#'.
bool Sentinel(std::string_view line, std::string_view* rest, Translator* translator) {
  if (line.substr(0, 7) == "#SBATCH" && (line.size() == 7 || line[7] == ' ' || line[7] == '\t')) {
    *rest = line.substr(7);
    translator->rules = kSlurmRules;
    translator->prefix = "#SBATCH";
    return true;
  }
  std::string_view after_hash = line.substr(1);
  after_hash.remove_prefix(std::min(after_hash.find_first_not_of(" \t"), after_hash.size()));
  if (StartsWithNoCase(after_hash, "flux:")) {
    *rest = after_hash.substr(5);
    translator->rules = kFluxRules;
    translator->prefix = "#FLUX:";
    return true;
  }
  return false;
}

}  // namespace

Result<BatchDirectives> ParseBatchDirectives(std::string_view script, bool ignore_unknown) {
  BatchDirectives found;
  int line_number = 0;
  size_t start = 0;
  while (start < script.size()) {
    size_t end = std::min(script.find('\n', start), script.size());
    std::string_view line = script.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1 && line.substr(0, 2) == "#!") continue;
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    line = line.substr(first);
    if (line.front() != '#') break;  // the script proper begins
    Translator translator;
    std::string_view rest;
    if (!Sentinel(line, &rest, &translator)) continue;  // an ordinary comment
    translator.where = "line " + std::to_string(line_number);
    translator.ignore_unknown = ignore_unknown;
    Result<std::vector<std::string>> words = Words(rest, translator.where);
    if (!words.ok()) return words.status();
    CONVERGE_RETURN_IF_ERROR(translator.Translate(*words));
    for (std::string& warning : translator.warnings) found.warnings.push_back(std::move(warning));
    if (translator.tokens.empty()) continue;
    found.directives.push_back({line_number, translator.prefix, std::move(translator.tokens)});
  }
  return found;
}

}  // namespace converge::jobspec
