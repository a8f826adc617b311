#include "jobspec/directives.h"

namespace converge::jobspec {
namespace {

// Splits `text` into words like a POSIX shell would (no expansions).
Result<std::vector<std::string>> Words(std::string_view text, int line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < text.size()) {
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
      break;  // a trailing comment
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) return Status::Invalid("line " + std::to_string(line), "unterminated quote");
  if (in_word) words.push_back(word);
  return words;
}

std::string SlurmPatterns(std::string word) {
  for (size_t at = word.find("%j"); at != std::string::npos; at = word.find("%j", at + 6)) {
    word.replace(at, 2, "{{id}}");
  }
  return word;
}

}  // namespace

Result<std::vector<Directive>> ParseBatchDirectives(std::string_view script) {
  std::vector<Directive> directives;
  int line_number = 0;
  size_t start = 0;
  while (start < script.size()) {
    size_t end = script.find('\n', start);
    if (end == std::string_view::npos) end = script.size();
    std::string_view line = script.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1 && line.substr(0, 2) == "#!") continue;
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    line = line.substr(first);
    if (line.front() != '#') break;  // the script proper begins
    std::string prefix;
    if (line.substr(0, 6) == "#FLUX:") {
      prefix = "#FLUX:";
    } else if (line.substr(0, 7) == "#SBATCH") {
      prefix = "#SBATCH";
    } else {
      continue;  // an ordinary comment
    }
    Result<std::vector<std::string>> words = Words(line.substr(prefix.size()), line_number);
    if (!words.ok()) return words.status();
    Directive directive{line_number, prefix, {}};
    for (std::string& word : *words) {
      directive.tokens.push_back(prefix == "#SBATCH" ? SlurmPatterns(std::move(word))
                                                     : std::move(word));
    }
    if (!directive.tokens.empty()) directives.push_back(std::move(directive));
  }
  return directives;
}

}  // namespace converge::jobspec
