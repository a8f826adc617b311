#include "cli/job_options.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "cli/task_shares.h"
#include "common/hostlist.h"
#include "common/nearest_word.h"
#include "common/signal_name.h"
#include "common/split.h"
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
std::string Problem(const Status& status) { return status.ok() ? "" : status.message(); }

// A CLI11 check of a PMI list (--pmi, --setopt pmi=) as the jobspec's shell.options.pmi.
std::string PmiProblem(const std::string& list) {
  jobspec::SystemAttributes system;
  system.extra["shell"]["options"]["pmi"] = list;
  return Problem(jobspec::PmiChoice(system));
}

}  // namespace

JobContext CurrentJobContext() {
  JobContext here;
  here.now = std::chrono::duration<double>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
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

Result<std::vector<int64_t>> ParseArrayIndexes(const std::string& text, int64_t max_count) {
  auto bad = [&](const std::string& part, const std::string& why) {
    return Status::Invalid("--array", "'" + part + "': " + why);
  };
  if (size_t percent = text.find('%'); percent != std::string::npos) {
    return bad(text.substr(percent), "a limit on copies running at once is not supported");
  }
  std::vector<int64_t> indexes;
  std::set<int64_t> seen;
  for (const std::string& part : SplitString(text, ',')) {
    const size_t colon = part.find(':');
    const std::string range = part.substr(0, colon);
    const size_t dash = range.find('-');
    const std::string first = range.substr(0, dash);
    const std::string last = dash == std::string::npos ? first : range.substr(dash + 1);
    const std::string step = colon == std::string::npos ? "1" : part.substr(colon + 1);
    if (!AllDigits(first) || !AllDigits(last) || !AllDigits(step) ||
        (colon != std::string::npos && dash == std::string::npos)) {
      return bad(part, "use N, A-B or A-B:STEP, comma-separated");
    }
    const int64_t from = Number(first), to = Number(last), by = Number(step);
    if (from > to) return bad(part, "the range ends before it starts");
    if (by == 0) return bad(part, "the step must be at least 1");
    for (int64_t index = from; index <= to; index += by) {
      if (static_cast<int64_t>(indexes.size()) >= max_count) {
        return Status::Invalid("--array", "'" + text + "' makes more than " +
                                              std::to_string(max_count) + " copies");
      }
      if (!seen.insert(index).second) return bad(part, std::to_string(index) + " is given twice");
      indexes.push_back(index);
    }
  }
  return indexes;
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
  std::vector<std::string> parts = SplitString(clock, ':');
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
    for (const std::string& item : SplitString(value, ',')) {
      if (item == "singleton") {
        list.push_back({{"scheme", "singleton"}, {"value", ""}});
        continue;
      }
      std::vector<std::string> parts = SplitString(item, ':');
      if (parts.size() < 2 || parts[0].empty()) {
        return Status::Invalid("--dependency",
                               "'" + item + "' is not SCHEME:ID (afterok:12) or singleton");
      }
      for (size_t i = 1; i < parts.size(); ++i) {
        if (parts[i].find('+') != std::string::npos) {
          return Status::Invalid("--dependency", "'" + parts[i] +
                                                     "': a delay after the job (+MINUTES) is "
                                                     "not supported");
        }
        if (!AllDigits(parts[i])) {
          return Status::Invalid("--dependency", "'" + parts[i] + "' is not a job id");
        }
        list.push_back({{"scheme", parts[0]}, {"value", parts[i]}});
      }
    }
  }
  return list;
}

namespace {

// Seconds of Slurm's now+N[unit] offset; nullopt when `text` is not one.
std::optional<double> SlurmOffset(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits > 9) return std::nullopt;
  const std::string unit = text.substr(digits);
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1},          {"s", 1},        {"sec", 1},     {"secs", 1},     {"second", 1},
      {"seconds", 1},   {"m", 60},       {"min", 60},    {"mins", 60},    {"minute", 60},
      {"minutes", 60},  {"h", 3600},     {"hour", 3600}, {"hours", 3600}, {"d", 86400},
      {"day", 86400},   {"days", 86400}, {"w", 604800},  {"week", 604800},
      {"weeks", 604800}};
  for (const auto& [name, seconds] : kUnits) {
    if (unit == name) return static_cast<double>(Number(text.substr(0, digits))) * seconds;
  }
  return std::nullopt;
}

// Epoch seconds of a local date and time; nullopt when the fields do not name one.
std::optional<double> LocalTime(int year, int month, int day, int hour, int minute, int second) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60) {
    return std::nullopt;
  }
  std::tm fields{};
  fields.tm_year = year - 1900;
  fields.tm_mon = month - 1;
  fields.tm_mday = day;
  fields.tm_hour = hour;
  fields.tm_min = minute;
  fields.tm_sec = second;
  fields.tm_isdst = -1;
  const std::time_t when = std::mktime(&fields);
  if (when == static_cast<std::time_t>(-1) || fields.tm_mday != day) return std::nullopt;
  return static_cast<double>(when);
}

}  // namespace

Status SetAttribute(const std::string& text, jobspec::Jobspec* spec) {
  const size_t eq = text.find('=');
  std::string key = text.substr(0, eq);
  const std::string raw = eq == std::string::npos ? "1" : text.substr(eq + 1);
  nlohmann::json value = nlohmann::json::parse(raw, nullptr, false);
  if (value.is_discarded()) value = raw;
  auto bad = [&](const std::string& why) {
    return Status::Invalid("--setattr", "'" + key + "': " + why);
  };
  bool user = false;
  if (key.rfind("user.", 0) == 0) {
    user = true;
    key.erase(0, 5);
  } else if (key.rfind("system.", 0) == 0) {
    key.erase(0, 7);
  }
  std::vector<std::string> path = SplitString(key, '.');
  for (const std::string& step : path) {
    if (step.empty()) return bad("a key is dotted names (job.name, user.project)");
  }
  if (!user && path.size() == 1) {
    const std::string& name = path.front();
    if (name == "environment" || name == "dependencies" || name == "constraints") {
      return bad("use --env, --dependency or --requires for it");
    }
    if (name == "duration") {
      if (!value.is_number() || !(value.get<double>() >= 0)) return bad("must be seconds >= 0");
      spec->system.duration = value.get<double>();
      return Status::Ok();
    }
    if (name == "queue" || name == "cwd") {
      if (!value.is_string()) return bad("must be a string");
      if (name == "queue") {
        spec->system.queue = value.get<std::string>();
      } else {
        spec->system.cwd = value.get<std::string>();
      }
      return Status::Ok();
    }
  }
  nlohmann::json* at = user ? &spec->user : &spec->system.extra;
  for (const std::string& step : path) {
    if (!at->is_object() && !at->is_null()) {
      return bad("a value is in the way at '" + step + "'");
    }
    at = &(*at)[step];
  }
  *at = std::move(value);
  return Status::Ok();
}

Status CheckOutputPath(const std::string& path) {
  // Flux's shell options that `-o` (Flux's --setopt) takes; here -o is Slurm's --output.
  static const std::set<std::string> kShellOptions = {
      "pmi", "cpu-affinity", "gpu-affinity", "verbose", "mpi", "nosetpgrp", "exit-timeout",
      "exit-on-error", "stop-tasks-in-exec", "output.stdout.label", "output.stderr.label"};
  const size_t equals = path.find('=');
  const std::string key = path.substr(0, equals);
  if (kShellOptions.count(key) && path.find('/') == std::string::npos) {
    return Status::Invalid("--output", "'" + path + "' looks like a Flux shell option, but -o is "
                                       "--output here (Slurm's meaning): give --setopt " + path +
                                       " or, for pmi, --pmi");
  }
  return Status::Ok();
}

Result<nlohmann::json> ParseWarnSignal(const std::string& text) {
  if (text.size() > 1 && text[1] == ':' && (text[0] == 'B' || text[0] == 'R')) {
    return Status::Invalid("--signal", "'" + text + "': Slurm's " + text.substr(0, 2) +
                                           " prefix is not supported (the signal goes to "
                                           "every task)");
  }
  const size_t at = text.find('@');
  const std::string name = text.substr(0, at);
  int signum = SIGUSR1;
  if (!name.empty()) {
    Result<int> parsed = ParseSignal(name);
    if (!parsed.ok()) return Status::Invalid("--signal", parsed.status().message());
    signum = *parsed;
  }
  double timeleft = 60;
  if (at != std::string::npos) {
    Result<double> parsed = jobspec::ParseDuration(text.substr(at + 1));
    if (!parsed.ok()) {
      return Status::Invalid("--signal", "'" + text.substr(at + 1) +
                                             "' is not a time before the limit (60, 90s, 5m)");
    }
    timeleft = *parsed;
  }
  return nlohmann::json{{"signum", signum}, {"timeleft", timeleft}};
}

Result<double> ParseBeginTime(const std::string& text, double now) {
  const Status bad = Status::Invalid(
      "--begin-time", "'" + text + "': use now, +DURATION (+30m), now+N[minutes|hours|days], "
                      "YYYY-MM-DD[THH:MM[:SS]] or HH:MM[:SS]");
  if (text == "now") return now;
  if (text.rfind("now+", 0) == 0) {
    std::optional<double> offset = SlurmOffset(text.substr(4));
    if (!offset) return bad;
    return now + *offset;
  }
  if (text.rfind('+', 0) == 0) {
    Result<double> offset = jobspec::ParseDuration(text.substr(1));
    if (!offset.ok()) return bad;
    return now + *offset;
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char separator = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &used) == 3) {
    if (static_cast<size_t>(used) != text.size()) {
      int more = 0;
      const char* rest = text.c_str() + used;
      const int got = std::sscanf(rest, "%c%2d:%2d%n:%2d%n", &separator, &hour, &minute, &more,
                                  &second, &more);
      if (got < 3 || (separator != 'T' && separator != ' ') ||
          static_cast<size_t>(used + more) != text.size()) {
        return bad;
      }
    }
    std::optional<double> when = LocalTime(year, month, day, hour, minute, second);
    if (!when) return bad;
    return *when;
  }
  const int got = std::sscanf(text.c_str(), "%2d:%2d%n:%2d%n", &hour, &minute, &used, &second,
                              &used);
  if (got >= 2 && static_cast<size_t>(used) == text.size()) {
    std::time_t today = static_cast<std::time_t>(now);
    std::tm local{};
    localtime_r(&today, &local);
    std::optional<double> when =
        LocalTime(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, hour, minute, second);
    if (!when) return bad;
    if (*when < now) {  // past today: the same time tomorrow
      when = LocalTime(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday + 1, hour, minute,
                       second);
      if (!when) {  // the last day of a month: mktime normalises, LocalTime refuses
        std::tm next = local;
        next.tm_mday += 1;
        next.tm_hour = hour, next.tm_min = minute, next.tm_sec = second, next.tm_isdst = -1;
        when = static_cast<double>(std::mktime(&next));
      }
    }
    return *when;
  }
  return bad;
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
    std::vector<std::string> properties = SplitString(value, ',');
    for (const std::string& property : properties) {
      if (property.empty()) {
        return Status::Invalid("--requires", "'" + term + "' names an empty property");
      }
    }
    return Leaf(Op::kProperties, std::move(properties));
  }
  return Status::Invalid("--requires", "'" + term +
                                           "': unknown term (use PROP, properties:P,Q, "
                                           "host:HOSTLIST or rank:IDSET)");
}

// RFC 35 constraint queries: terms joined by `and` (also `&`, `&&`, or nothing) and `or` (`|`,
// `||`), negated by `not` or a leading `-`, grouped by parentheses; not binds tighter than and,
// and than or. Parse() consumes the whole token list.
class QueryParser {
 public:
  explicit QueryParser(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {}

  Result<jobspec::Constraint> Parse() {
    Result<jobspec::Constraint> query = Or();
    if (!query.ok()) return query;
    if (at_ < tokens_.size()) return Bad("'" + tokens_[at_] + "' is out of place");
    return query;
  }

  // Splits `text` into words, parentheses and the operator characters & and |.
  static std::vector<std::string> Tokens(const std::string& text) {
    std::vector<std::string> tokens;
    std::string word;
    auto flush = [&] {
      if (!word.empty()) tokens.push_back(std::move(word));
      word.clear();
    };
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == ' ' || c == '\t' || c == '\n') {
        flush();
      } else if (c == '(' || c == ')') {
        flush();
        tokens.emplace_back(1, c);
      } else if (c == '&' || c == '|') {
        flush();
        const bool doubled = i + 1 < text.size() && text[i + 1] == c;
        tokens.emplace_back(doubled ? 2 : 1, c);
        if (doubled) ++i;
      } else if (c == '-' && word.empty() && i + 1 < text.size() && text[i + 1] == '(') {
        tokens.emplace_back("not");  // -( ... )
      } else {
        word += c;
      }
    }
    flush();
    return tokens;
  }

 private:
  using Op = jobspec::Constraint::Op;

  static bool IsOr(const std::string& t) { return t == "or" || t == "|" || t == "||"; }
  static bool IsAnd(const std::string& t) { return t == "and" || t == "&" || t == "&&"; }
  bool Next(bool (*is)(const std::string&)) {
    if (at_ < tokens_.size() && is(tokens_[at_])) return ++at_, true;
    return false;
  }
  Status Bad(const std::string& why) const { return Status::Invalid("--requires", why); }

  Result<jobspec::Constraint> Join(Op op, Result<jobspec::Constraint> (QueryParser::*part)(),
                                   bool (*is_op)(const std::string&), bool implicit) {
    Result<jobspec::Constraint> first = (this->*part)();
    if (!first.ok()) return first;
    jobspec::Constraint joined;
    joined.op = op;
    joined.children.push_back(std::move(first).value());
    for (;;) {
      const bool explicit_op = Next(is_op);
      const bool more = explicit_op || (implicit && at_ < tokens_.size() &&
                                        tokens_[at_] != ")" && !IsOr(tokens_[at_]));
      if (!more) break;
      Result<jobspec::Constraint> next = (this->*part)();
      if (!next.ok()) return next;
      joined.children.push_back(std::move(next).value());
    }
    if (joined.children.size() == 1) return std::move(joined.children.front());
    return joined;
  }
  Result<jobspec::Constraint> Or() { return Join(Op::kOr, &QueryParser::And, IsOr, false); }
  Result<jobspec::Constraint> And() { return Join(Op::kAnd, &QueryParser::Unary, IsAnd, true); }

  Result<jobspec::Constraint> Unary() {
    if (at_ >= tokens_.size()) return Bad("the query ends where a term should be");
    const std::string token = tokens_[at_++];
    if (token == "not") {
      if (++depth_ > kMaxDepth) return Bad("nested too deeply");
      Result<jobspec::Constraint> inner = Unary();
      --depth_;
      if (!inner.ok()) return inner;
      return Not(std::move(inner).value());
    }
    if (token == "(") {
      if (++depth_ > kMaxDepth) return Bad("nested too deeply");
      Result<jobspec::Constraint> inner = Or();
      --depth_;
      if (!inner.ok()) return inner;
      if (at_ >= tokens_.size() || tokens_[at_] != ")") return Bad("a '(' is never closed");
      ++at_;
      return inner;
    }
    if (token == ")" || IsAnd(token) || IsOr(token)) {
      return Bad("'" + token + "' is where a term should be");
    }
    const bool negated = token.size() > 1 && token[0] == '-';
    Result<jobspec::Constraint> term = RequiresTerm(negated ? token.substr(1) : token);
    if (!term.ok()) return term;
    return negated ? Not(std::move(term).value()) : std::move(term).value();
  }

  static constexpr int kMaxDepth = 64;
  std::vector<std::string> tokens_;
  size_t at_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::optional<jobspec::Constraint>> ParseConstraints(const JobOptions& options) {
  using Op = jobspec::Constraint::Op;
  jobspec::Constraint all;
  all.op = Op::kAnd;
  for (const std::string& text : options.requirements) {
    std::vector<std::string> tokens = QueryParser::Tokens(text);
    if (tokens.empty()) continue;
    Result<jobspec::Constraint> query = QueryParser(std::move(tokens)).Parse();
    if (!query.ok()) {  // a bad term is named already; a bad shape gets the whole query
      const std::string& why = query.status().message();
      return Status::Invalid("--requires", why.rfind("'" + text + "'", 0) == 0
                                               ? why
                                               : "'" + text + "': " + why);
    }
    if (query->op == Op::kAnd) {  // its terms join the others
      for (jobspec::Constraint& term : query->children) all.children.push_back(std::move(term));
    } else {
      all.children.push_back(std::move(query).value());
    }
  }
  for (const std::string& text : options.slurm_constraints) {
    if (text.find_first_of("[]*") != std::string::npos) {
      return Status::Invalid("--constraint", "'" + text + "': matching or ([a|b]) and counts "
                                             "(a*2) are not supported; use a&b, a|b and "
                                             "parentheses");
    }
    Result<jobspec::Constraint> query = QueryParser(QueryParser::Tokens(text)).Parse();
    if (!query.ok()) {
      return Status::Invalid("--constraint", "'" + text + "': " + query.status().message());
    }
    all.children.push_back(std::move(query).value());
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
  given["gpus_per_node"] = last(c->add_option("--gpus-per-node", o->gpus_per_node,
                                              "GPUs on each node, shared evenly by its tasks")
                                    ->check(AtLeast(1)));
  given["gres"] = last(
      c->add_option("--gres", o->gres, "Slurm's generic resources: gpu:N (GPUs per node)")
          ->check([](const std::string& text) { return Problem(ParseGresGpus(text)); }));
  auto memory_size = [](const char* flag) {
    return [flag](const std::string& text) { return Problem(ParseMemorySize(flag, text)); };
  };
  given["mem_per_node"] = last(
      c->add_option("--mem,--mem-per-node", o->mem_per_node,
                    "Memory on each node (512M, 4G; shared by its tasks)")
          ->check(memory_size("--mem")));
  given["mem_per_cpu"] = last(c->add_option("--mem-per-cpu", o->mem_per_cpu,
                                            "Memory per core of each task (512M, 2G)")
                                  ->check(memory_size("--mem-per-cpu")));
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
  given["output"] = last(
      c->add_option("--output,-o", o->output, "stdout file; {{id}} becomes the job id")
          ->check([](const std::string& path) { return Problem(CheckOutputPath(path)); }));
  given["error"] =
      last(c->add_option("--error,-e", o->error, "stderr file (default: with --output if given)"));
  given["attributes"] =
      c->add_option("-S,--setattr", o->attributes,
                    "KEY[=VALUE]: a jobspec attribute (system.KEY or user.KEY; VALUE as JSON)")
          ->allow_extra_args(false);
  given["warn_signal"] = last(
      c->add_option("--signal", o->warn_signal,
                    "SIG@TIME: send SIG (default USR1) TIME (default 60s) before the time limit")
          ->check([](const std::string& text) { return Problem(ParseWarnSignal(text)); }));
  given["begin_time"] = last(c->add_option(
      "--begin-time,--begin", o->begin_time,
      "Not before then: now+1h, +30m, 2027-01-31T08:00, 22:00 (a begin-time dependency)"));
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
  given["hold"] =
      c->add_flag("--hold,-H", o->hold, "Submit held (urgency 0): see converge release");
  given["needs_service"] = c->add_option("--needs-service", o->needs_services,
                                         "Start only once this service is READY (repeatable)")
                               ->allow_extra_args(false);
  // Flux's -o/--setopt KEY=VALUE (-o is Slurm's --output here): pmi=LIST is --pmi.
  given["setopt"] = c->add_option_function<std::string>(
                         "--setopt",
                         [o](const std::string& option) { o->pmi = option.substr(4); },
                         "Flux's shell option: only pmi=LIST (the same as --pmi)")
                        ->check([](const std::string& option) {
                          if (option.rfind("pmi=", 0) == 0 && option.size() > 4) {
                            return PmiProblem(option.substr(4));
                          }
                          return "'" + option + "': only the shell option pmi=LIST is known " +
                                 "here (the others have flags of their own)";
                        });
  given["pmi"] = last(c->add_option("--pmi", o->pmi,
                                    "PMI for the tasks: simple (PMI-1 over PMI_FD), pmix, a list "
                                    "such as simple,pmix, or off (default: simple, and pmix too "
                                    "for jobs of more than one task)")
                          ->check(PmiProblem));
  given["requires"] =
      c->add_option("--requires", o->requirements,
                    "Only hosts with these properties: PROP, host:HOSTLIST, rank:IDSET; -TERM "
                    "negates (repeatable; all must hold)")
          ->allow_extra_args(false);
  given["slurm_constraints"] =
      c->add_option("-C,--constraint", o->slurm_constraints,
                    "Slurm's node features: a&b, a|b, (a|b)&c (repeatable; all must hold)")
          ->allow_extra_args(false);
  given["nodelist"] = last(c->add_option(
      "-w,--nodelist", o->nodelist, "Only these hosts; without -N, one node on each of them"));
  given["exclude"] = last(c->add_option("--exclude", o->exclude, "None of these hosts"));
  given["label_io"] = c->add_flag("-l,--label-io", o->label_io,
                                  "Put the task's rank in front of each line it writes");
  given["require_blessed"] = c->add_flag(
      "--require-blessed", o->require_blessed,
      "Run only on nodes whose kernel and topology the queue blesses (docs/provenance.md)");
  given["dry_run"] = c->add_flag("--dry-run", o->dry_run,
                                 "Print the jobspec (JSON) and submit nothing");
  return given;
}

int64_t SlurmTaskCount(const JobOptions& options) {
  if (options.ntasks > 0) return options.ntasks;
  if (options.tasks_per_node > 0) {
    return options.tasks_per_node * std::max<int64_t>(1, options.nodes);
  }
  return options.nodes > 0 ? options.nodes : 1;
}

int PrintDryRun(const std::vector<std::string>& specs) {
  for (const std::string& spec : specs) std::printf("%s\n", spec.c_str());
  return 0;
}

void OverrideGiven(const JobOptions& from, const std::map<std::string, CLI::Option*>& given,
                   JobOptions* into) {
  auto was = [&](const char* name) {
    auto option = given.find(name);
    return option != given.end() && option->second->count() > 0;
  };
  if (was("nodes")) into->nodes = from.nodes;
  if (was("ntasks")) into->ntasks = from.ntasks;
  if (was("tasks_per_node")) into->tasks_per_node = from.tasks_per_node;
  if (was("cores_per_task")) into->cores_per_task = from.cores_per_task;
  if (was("gpus_per_task")) into->gpus_per_task = from.gpus_per_task;
  if (was("gpus_per_node")) into->gpus_per_node = from.gpus_per_node;
  if (was("gres")) into->gres = from.gres;
  if (was("mem_per_node")) into->mem_per_node = from.mem_per_node;
  if (was("mem_per_cpu")) into->mem_per_cpu = from.mem_per_cpu;
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
  if (was("begin_time")) into->begin_time = from.begin_time;
  if (was("warn_signal")) into->warn_signal = from.warn_signal;
  if (was("attributes")) {
    into->attributes.insert(into->attributes.end(), from.attributes.begin(),
                            from.attributes.end());
  }
  if (was("priority")) into->priority = from.priority;
  if (was("hold")) into->hold = from.hold;
  if (was("pmi") || was("setopt")) into->pmi = from.pmi;
  if (was("dry_run")) into->dry_run = from.dry_run;
  if (was("label_io")) into->label_io = from.label_io;
  if (was("require_blessed")) into->require_blessed = from.require_blessed;
  if (was("cc") || was("array")) {  // two spellings of one thing: the later source wins whole
    into->cc = was("cc") ? from.cc : "";
    into->array = was("array") ? from.array : "";
  }
  if (was("requires")) {
    into->requirements.insert(into->requirements.end(), from.requirements.begin(),
                              from.requirements.end());
  }
  if (was("slurm_constraints")) {
    into->slurm_constraints.insert(into->slurm_constraints.end(),
                                   from.slurm_constraints.begin(), from.slurm_constraints.end());
  }
  if (was("nodelist")) into->nodelist = from.nodelist;
  if (was("exclude")) into->exclude = from.exclude;
  if (was("needs_service")) {
    into->needs_services.insert(into->needs_services.end(), from.needs_services.begin(),
                                from.needs_services.end());
  }
}

namespace {

// Each task's memory and GPUs, from the per-node and per-cpu flags and the task layout.
Result<SlotShare> SlotShareOf(const JobOptions& options,
                              const jobspec::ShorthandOptions& shorthand) {
  TaskDemand demand;
  demand.slots_per_node =
      shorthand.nodes > 0 ? (shorthand.tasks + shorthand.nodes - 1) / shorthand.nodes
                          : shorthand.tasks;
  demand.cores_per_task = options.cores_per_task;
  demand.gpus_per_task = options.gpus_per_task;
  demand.gpus_per_node = options.gpus_per_node;
  if (!options.gres.empty()) {
    if (options.gpus_per_node > 0) {
      return Status::Invalid("--gres", "give --gres or --gpus-per-node, not both");
    }
    Result<int64_t> gpus = ParseGresGpus(options.gres);
    if (!gpus.ok()) return gpus.status();
    demand.gpus_per_node = *gpus;
  }
  if (!options.mem_per_node.empty()) {
    Result<int64_t> mib = ParseMemorySize("--mem", options.mem_per_node);
    if (!mib.ok()) return mib.status();
    demand.mem_per_node_mib = *mib;
  }
  if (!options.mem_per_cpu.empty()) {
    Result<int64_t> mib = ParseMemorySize("--mem-per-cpu", options.mem_per_cpu);
    if (!mib.ok()) return mib.status();
    demand.mem_per_cpu_mib = *mib;
  }
  return ShareOverSlots(demand);
}

}  // namespace

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
  Result<SlotShare> share = SlotShareOf(options, shorthand);
  if (!share.ok()) return share.status();
  shorthand.gpus_per_task = share->gpus;
  shorthand.memory_per_task_mib = share->memory_mib;
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
  if (!options.begin_time.empty()) {
    Result<double> begin = ParseBeginTime(options.begin_time, here.now);
    if (!begin.ok()) return begin.status();
    char value[32];
    std::snprintf(value, sizeof value, "%.3f", *begin);
    spec->system.dependencies.push_back({"begin-time", value});
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
  if (options.require_blessed) extra["require_blessed"] = true;
  if (options.label_io) {
    for (const char* stream : {"stdout", "stderr"}) {
      extra["shell"]["options"]["output"][stream]["label"] = true;
    }
  }
  if (!options.warn_signal.empty()) {
    Result<nlohmann::json> warn = ParseWarnSignal(options.warn_signal);
    if (!warn.ok()) return warn.status();
    extra["shell"]["options"]["signal"] = std::move(warn).value();
  }
  for (const std::string& attribute : options.attributes) {
    CONVERGE_RETURN_IF_ERROR(SetAttribute(attribute, &*spec));
  }
  return jobspec::ToJson(*spec);
}

}  // namespace converge::cli
