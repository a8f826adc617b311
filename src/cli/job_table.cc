#include "cli/job_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace converge::cli {
namespace {

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string Timestamp(double epoch) {
  if (epoch <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(epoch);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &local);
  return buffer;
}

}  // namespace

std::string StateCode(const nlohmann::json& job) {
  const std::string state = job.value("state", "");
  if (state == "INACTIVE") {
    const std::string result = job.value("result", "");
    if (result == "completed") return "CD";
    if (result == "canceled") return "CA";
    if (result == "timeout") return "TO";
    return "F";
  }
  if (state == "DEPEND") return "D";
  if (state == "PRIORITY") return "PR";
  if (state == "SCHED" || state == "NEW") return "S";
  if (state == "RUN") return "R";
  if (state == "CLEANUP") return "C";
  return "?";
}

std::string RunTime(const nlohmann::json& job, double now) {
  const double start = job.value("start_time", 0.0);
  if (start <= 0) return "";
  double end = job.value("end_time", 0.0);
  if (job.value("state", "") != "INACTIVE" || end <= 0) end = now;
  double seconds = std::max(0.0, end - start);
  if (seconds < 60) return Fixed(seconds, 1) + "s";
  int64_t whole = static_cast<int64_t>(seconds);
  char buffer[64];
  if (whole < 3600) {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld", static_cast<long long>(whole / 60),
                  static_cast<long long>(whole % 60));
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld",
                  static_cast<long long>(whole / 3600),
                  static_cast<long long>(whole / 60 % 60), static_cast<long long>(whole % 60));
  }
  return buffer;
}

std::string FormatJobTable(const std::vector<nlohmann::json>& jobs, double now, bool header) {
  struct Row {
    std::string cells[8];
  };
  std::vector<Row> rows;
  if (header) rows.push_back({{"JOBID", "USER", "NAME", "ST", "NTASKS", "NNODES", "TIME", "INFO"}});
  for (const nlohmann::json& job : jobs) {
    std::string info = job.value("nodelist", "");
    const std::string reason = job.value("reason", "");
    const std::string state = job.value("state", "");
    if (state == "DEPEND" || state == "SCHED" || state == "PRIORITY") {
      info = reason;
    } else if (StateCode(job) == "F" || StateCode(job) == "TO") {
      const int code = job.value("exit_code", 0);
      const int signal = job.value("signal", 0);
      std::string status = signal ? "signal " + std::to_string(signal)
                                  : "exit " + std::to_string(code);
      info = (info.empty() ? "" : info + " ") + "(" + status +
             (reason.empty() ? "" : ": " + reason) + ")";
    }
    const bool started = job.value("start_time", 0.0) > 0;
    rows.push_back({{std::to_string(job.value("id", int64_t{0})), job.value("user", ""),
                     job.value("name", ""), StateCode(job),
                     started ? std::to_string(job.value("ntasks", int64_t{0})) : "",
                     started ? std::to_string(job.value("nnodes", int64_t{0})) : "",
                     RunTime(job, now), info}});
  }
  size_t widths[8] = {};
  for (const Row& row : rows) {
    for (int c = 0; c < 7; ++c) widths[c] = std::max(widths[c], row.cells[c].size());
  }
  std::string out;
  for (const Row& row : rows) {
    std::string line;
    for (int c = 0; c < 8; ++c) {
      std::string cell = row.cells[c];
      if (c == 2 && cell.size() > 24) cell = cell.substr(0, 23) + "+";
      size_t width = c == 2 ? std::min<size_t>(widths[c], 24) : widths[c];
      const bool right = c == 0 || c == 4 || c == 5 || c == 6;
      if (c == 7) {
        line += cell;
      } else if (right) {
        line += std::string(width > cell.size() ? width - cell.size() : 0, ' ') + cell + " ";
      } else {
        line += cell + std::string(width > cell.size() ? width - cell.size() : 0, ' ') + " ";
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string FormatJobSummary(const nlohmann::json& job, double now) {
  std::string state = job.value("state", "");
  if (state == "INACTIVE") state += " (" + job.value("result", "") + ")";
  std::string out;
  auto line = [&](const std::string& key, const std::string& value) {
    out += key + std::string(key.size() < 12 ? 12 - key.size() : 1, ' ') + value + "\n";
  };
  line("job", std::to_string(job.value("id", int64_t{0})));
  line("name", job.value("name", ""));
  line("user", job.value("user", "") + " (uid " + std::to_string(job.value("uid", -1)) + ")");
  line("state", state);
  if (!job.value("reason", std::string()).empty()) line("reason", job.value("reason", ""));
  line("submitted", Timestamp(job.value("submit_time", 0.0)));
  line("started", Timestamp(job.value("start_time", 0.0)));
  line("ended", Timestamp(job.value("end_time", 0.0)));
  if (!RunTime(job, now).empty()) line("runtime", RunTime(job, now));
  const double limit = job.value("duration", 0.0);
  line("time limit", limit > 0 ? Fixed(limit, 0) + "s" : "none");
  line("tasks", std::to_string(job.value("ntasks", int64_t{0})) + " on " +
                    std::to_string(job.value("nnodes", int64_t{0})) + " node(s) " +
                    job.value("nodelist", ""));
  if (job.value("state", "") == "INACTIVE") {
    line("exit code", std::to_string(job.value("exit_code", 0)) +
                          (job.value("signal", 0) ? " (signal " +
                                                        std::to_string(job.value("signal", 0)) +
                                                        ")"
                                                  : ""));
  }
  line("stdout", job.value("output", ""));
  line("stderr", job.value("error_output", ""));
  if (job.contains("dependencies") && !job["dependencies"].empty()) {
    std::string list;
    for (const auto& dependency : job["dependencies"]) {
      list += (list.empty() ? "" : ", ") + dependency.get<std::string>();
    }
    line("depends on", list);
  }
  return out;
}

}  // namespace converge::cli
