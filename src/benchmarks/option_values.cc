#include "benchmarks/option_values.h"

#include <algorithm>
#include <charconv>

#include "common/nearest_word.h"

namespace converge::benchmarks {
namespace {

std::string Where(const std::string& name) { return "options." + name; }

const std::string* Find(const Options& options, const std::string& name) {
  auto it = options.find(name);
  return it == options.end() ? nullptr : &it->second;
}

}  // namespace

Status CheckOptionNames(std::string_view metric, const Options& options, const OptionList& known) {
  std::vector<std::string> names;
  for (const auto& [name, description] : known) names.push_back(name);
  for (const auto& [name, value] : options) {
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    std::string message = "unknown option '" + name + "' of " + std::string(metric);
    const std::string hint = NearestWord(name, names);
    if (!hint.empty()) message += " (did you mean '" + hint + "'?)";
    message += "; it takes: ";
    for (size_t i = 0; i < names.size(); ++i) message += (i ? ", " : "") + names[i];
    if (names.empty()) message += "no options";
    return Status::Invalid(Where(name), message);
  }
  return Status::Ok();
}

Result<int64_t> ParseCount(const Options& options, const std::string& name, int64_t fallback,
                           int64_t min, int64_t max) {
  const std::string* text = Find(options, name);
  if (text == nullptr) return fallback;
  const std::string range =
      " (give one from " + std::to_string(min) + " to " + std::to_string(max) + ")";
  int64_t value = 0;
  const char* end = text->data() + text->size();
  const bool digits = !text->empty() && std::all_of(text->begin(), text->end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  auto [ptr, error] = std::from_chars(text->data(), end, value);
  if (!digits || error != std::errc() || ptr != end) {
    return Status::Invalid(Where(name), "'" + *text + "' is not a whole number" + range);
  }
  if (value < min || value > max) {
    return Status::Invalid(Where(name), *text + " is out of range" + range);
  }
  return value;
}

Result<std::string> ParseSize(const Options& options, const std::string& name,
                              const std::string& fallback) {
  const std::string* text = Find(options, name);
  if (text == nullptr) return fallback;
  const std::string& size = *text;
  size_t digits = 0;
  while (digits < size.size() && size[digits] >= '0' && size[digits] <= '9') ++digits;
  const bool suffix_ok = digits == size.size() ||
                         (digits + 1 == size.size() &&
                          std::string_view("kKmMgG").find(size.back()) != std::string_view::npos);
  const bool nonzero = size.find_first_of("123456789") < digits;
  if (digits == 0 || digits > 12 || !suffix_ok || !nonzero) {
    return Status::Invalid(Where(name),
                           "'" + size + "' is not a size: give digits and an optional k, m or g "
                           "(e.g. 4k, 64m), not zero");
  }
  return size;
}

Result<std::string> ParseChoice(const Options& options, const std::string& name,
                                const std::string& fallback,
                                const std::vector<std::string>& choices) {
  const std::string* text = Find(options, name);
  if (text == nullptr) return fallback;
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return *text;
  std::string message = "'" + *text + "' is not one of: ";
  for (size_t i = 0; i < choices.size(); ++i) message += (i ? ", " : "") + choices[i];
  return Status::Invalid(Where(name), message);
}

Result<bool> ParseFlag(const Options& options, const std::string& name, bool fallback) {
  const std::string* text = Find(options, name);
  if (text == nullptr) return fallback;
  if (*text == "true" || *text == "yes" || *text == "1") return true;
  if (*text == "false" || *text == "no" || *text == "0") return false;
  return Status::Invalid(Where(name), "'" + *text + "' is not true or false");
}

Result<std::optional<std::string>> ParseAbsolutePath(const Options& options,
                                                     const std::string& name) {
  const std::string* text = Find(options, name);
  if (text == nullptr) return std::optional<std::string>();
  if (text->empty() || text->front() != '/') {
    return Status::Invalid(Where(name), "'" + *text + "' is not an absolute path");
  }
  if (text->find_first_of(std::string_view("\0\n\r", 3)) != std::string::npos) {
    return Status::Invalid(Where(name), "the path holds a NUL or a line break");
  }
  if (text->size() > 4096) return Status::Invalid(Where(name), "the path is too long");
  return std::optional<std::string>(*text);
}

}  // namespace converge::benchmarks
