#include "cli/job_table.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "jobspec/duration.h"

namespace converge::cli {
namespace {

using nlohmann::json;

// Field accessors that tolerate a missing key or a null.
std::string Text(const json& job, const char* key) {
  auto it = job.find(key);
  return it != job.end() && it->is_string() ? it->get<std::string>() : "";
}
double Real(const json& job, const char* key) {
  auto it = job.find(key);
  return it != job.end() && it->is_number() ? it->get<double>() : 0.0;
}
int64_t Integer(const json& job, const char* key) {
  auto it = job.find(key);
  return it != job.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string SignalName(int64_t signal) {
  const char* name = signal > 0 && signal < 128 ? ::strsignal(static_cast<int>(signal)) : nullptr;
  return name ? std::string(" (") + name + ")" : "";
}

bool Pending(const std::string& state) {
  return state == "NEW" || state == "DEPEND" || state == "PRIORITY" || state == "SCHED";
}

// Left- or right-aligned to `width`.
std::string Pad(const std::string& cell, size_t width, bool right) {
  std::string fill(width > cell.size() ? width - cell.size() : 0, ' ');
  return right ? fill + cell : cell + fill;
}

}  // namespace

std::string StateCode(const json& job) {
  const std::string state = Text(job, "state");
  if (state == "INACTIVE") {
    const std::string result = Text(job, "result");
    if (result == "completed") return "CD";
    if (result == "canceled") return "CA";
    if (result == "timeout") return "TO";
    return "F";
  }
  if (state == "DEPEND") return "D";
  if (state == "PRIORITY") return "P";
  if (state == "SCHED" || state == "NEW") return "S";
  if (state == "RUN") return "R";
  if (state == "CLEANUP") return "C";
  return "?";
}

std::string FormatElapsed(double seconds) {
  seconds = std::max(0.0, seconds);
  char buffer[64];
  if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.1fs", std::floor(seconds * 10) / 10);
    return buffer;
  }
  const long long whole = static_cast<long long>(seconds);
  const long long days = whole / 86400, hours = whole / 3600 % 24, minutes = whole / 60 % 60,
                  secs = whole % 60;
  if (days > 0) {
    std::snprintf(buffer, sizeof buffer, "%lld-%02lld:%02lld:%02lld", days, hours, minutes, secs);
  } else if (hours > 0) {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", hours, minutes, secs);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld", minutes, secs);
  }
  return buffer;
}

std::string RunTime(const json& job, double now) {
  const double start = Real(job, "start_time");
  if (start <= 0) return "";
  double end = Real(job, "end_time");
  if (end <= 0) end = now;
  return FormatElapsed(end - start);
}

std::string FormatTimestamp(double epoch) {
  if (epoch <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(epoch);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &local);
  return buffer;
}

std::string FormatJobTable(const std::vector<json>& jobs, double now, bool header) {
  constexpr int kColumns = 8;
  constexpr size_t kNameWidth = 20;
  constexpr bool kRight[kColumns] = {true, false, false, false, true, true, true, false};
  std::vector<std::array<std::string, kColumns>> rows;
  if (header) rows.push_back({"JOBID", "USER", "NAME", "ST", "NTASKS", "NNODES", "TIME", "INFO"});
  for (const json& job : jobs) {
    const std::string state = Text(job, "state");
    const std::string code = StateCode(job);
    const std::string reason = Text(job, "reason");
    std::string info = Text(job, "nodelist");
    if (Pending(state)) {
      info = reason;
    } else if (code == "F" || code == "TO") {
      const int64_t signal = Integer(job, "signal");
      std::string status = signal ? "signal " + std::to_string(signal)
                                  : "exit " + std::to_string(Integer(job, "exit_code"));
      if (!reason.empty()) status += ": " + reason;
      info = (info.empty() ? "" : info + " ") + "(" + status + ")";
    }
    std::string name = Text(job, "name");
    if (name.size() > kNameWidth) name = name.substr(0, kNameWidth - 1) + "+";
    const int64_t nnodes = Integer(job, "nnodes");
    const int64_t ntasks = Integer(job, "ntasks");  // 0 until the allocation fixes it
    rows.push_back({std::to_string(Integer(job, "id")), Text(job, "user"), name, code,
                    ntasks > 0 ? std::to_string(ntasks) : "",
                    nnodes > 0 ? std::to_string(nnodes) : "", RunTime(job, now), info});
  }
  size_t widths[kColumns] = {};
  for (const auto& row : rows) {
    for (int c = 0; c < kColumns; ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (int c = 0; c < kColumns; ++c) {
      line += c + 1 == kColumns ? row[c] : Pad(row[c], widths[c], kRight[c]) + " ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string FormatJobSummary(const json& job, double now) {
  std::string out;
  auto line = [&](const std::string& key, const std::string& value) {
    out += Pad(key, 12, false) + value + "\n";
  };
  const std::string state = Text(job, "state");
  line("job", std::to_string(Integer(job, "id")));
  line("name", Text(job, "name"));
  line("user", Text(job, "user") + " (uid " + std::to_string(Integer(job, "uid")) + ")");
  line("state", state == "INACTIVE" ? state + " (" + DescribeEnd(job) + ")" : state);
  if (state != "INACTIVE" && !Text(job, "reason").empty()) line("reason", Text(job, "reason"));
  if (!Text(job, "queue").empty()) line("queue", Text(job, "queue"));
  line("priority", std::to_string(Integer(job, "priority")));
  line("submitted", FormatTimestamp(Real(job, "submit_time")));
  line("started", FormatTimestamp(Real(job, "start_time")));
  line("ended", FormatTimestamp(Real(job, "end_time")));
  if (!RunTime(job, now).empty()) line("runtime", RunTime(job, now));
  const double limit = Real(job, "duration");
  line("time limit", limit > 0 ? jobspec::FormatDuration(limit) : "none");
  std::string tasks = std::to_string(Integer(job, "ntasks")) + " task(s)";
  if (Integer(job, "nnodes") > 0) {
    tasks += " on " + std::to_string(Integer(job, "nnodes")) + " node(s) " + Text(job, "nodelist");
  }
  line("tasks", tasks);
  if (state == "INACTIVE") {
    const int64_t signal = Integer(job, "signal");
    line("exit code",
         std::to_string(Integer(job, "exit_code")) +
             (signal ? ", signal " + std::to_string(signal) + SignalName(signal) : ""));
  }
  line("stdout", Text(job, "output"));
  line("stderr", Text(job, "error_output"));
  auto dependencies = job.find("dependencies");
  if (dependencies != job.end() && dependencies->is_array() && !dependencies->empty()) {
    std::string list;
    for (const auto& dependency : *dependencies) {
      list += (list.empty() ? "" : ", ") +
              (dependency.is_string() ? dependency.get<std::string>() : dependency.dump());
    }
    line("depends on", list);
  }
  return out;
}

std::string FormatEvent(const json& event) {
  const double timestamp = Real(event, "timestamp");
  const double fraction = timestamp - std::floor(timestamp);
  char micros[16];
  std::snprintf(micros, sizeof micros, ".%06d",
                std::min(999999, static_cast<int>(std::lround(fraction * 1e6))));
  std::string out =
      FormatTimestamp(timestamp) + (timestamp > 0 ? micros : "") + " " + Text(event, "name");
  auto context = event.find("context");
  if (context != event.end() && !context->is_null() && !context->empty()) {
    out += " " + context->dump();
  }
  return out + "\n";
}

std::string DescribeEnd(const json& job) {
  std::string result = Text(job, "result");
  if (result.empty()) result = Text(job, "state");
  const int64_t code = Integer(job, "exit_code");
  const int64_t signal = Integer(job, "signal");
  std::string text = result;
  if (result != "completed") {
    if (signal != 0) {
      text += ", killed by signal " + std::to_string(signal) + SignalName(signal);
    } else if (code != 0) {
      text += ", exit code " + std::to_string(code);
    }
    const std::string reason = Text(job, "reason");
    if (!reason.empty() && reason != result) text += ": " + reason;
  }
  return text;
}

int RunExitStatus(const json& job) {
  if (Text(job, "result") == "completed") return 0;
  const int64_t code = Integer(job, "exit_code");
  const int64_t signal = Integer(job, "signal");
  if (code > 0 && code < 256) return static_cast<int>(code);
  if (signal > 0 && signal < 128) return 128 + static_cast<int>(signal);
  return 1;
}

std::string JobError(int64_t id, const std::string& message) {
  const std::string job = "job " + std::to_string(id);
  std::string rest = message;
  if (rest.rfind(job + " ", 0) == 0) {
    rest = rest.substr(job.size() + 1);
    if (rest.rfind("is ", 0) == 0) rest = rest.substr(3);
  }
  return job + ": " + rest;
}

}  // namespace converge::cli
