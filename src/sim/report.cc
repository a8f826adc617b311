#include "sim/report.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace converge::sim {

std::string FormatNumber(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

std::string MetricsJson(const Metrics& metrics, double sim_seconds) {
  nlohmann::ordered_json json;
  json["jobs"] = metrics.jobs;
  json["skipped"] = metrics.skipped;
  json["unsatisfiable"] = metrics.unsatisfiable;
  json["procs"] = metrics.procs;
  json["policy"] = metrics.policy;
  json["avg_wait_s"] = metrics.avg_wait_s;
  json["median_wait_s"] = metrics.median_wait_s;
  json["p95_wait_s"] = metrics.p95_wait_s;
  json["avg_bsld"] = metrics.avg_bsld;
  json["max_bsld"] = metrics.max_bsld;
  json["utilization"] = metrics.utilization;
  json["makespan_s"] = metrics.makespan_s;
  json["sim_seconds"] = sim_seconds;
  return json.dump(2) + "\n";
}

std::string MetricsText(const Metrics& metrics, double sim_seconds) {
  std::string text;
  text += "policy        " + metrics.policy + " on " + std::to_string(metrics.procs) +
          " procs\n";
  text += "jobs          " + std::to_string(metrics.jobs) + " simulated, " +
          std::to_string(metrics.skipped) + " skipped (" +
          std::to_string(metrics.unsatisfiable) + " larger than the machine)\n";
  text += "wait          avg " + FormatNumber("%.1f", metrics.avg_wait_s) + " s, median " +
          FormatNumber("%.1f", metrics.median_wait_s) + " s, p95 " +
          FormatNumber("%.1f", metrics.p95_wait_s) + " s\n";
  text += "bounded sld   avg " + FormatNumber("%.2f", metrics.avg_bsld) + ", max " +
          FormatNumber("%.2f", metrics.max_bsld) + " (tau 10 s)\n";
  text += "utilization   " + FormatNumber("%.2f", 100.0 * metrics.utilization) + " %\n";
  text += "makespan      " + std::to_string(metrics.makespan_s) + " s (" +
          FormatNumber("%.2f", static_cast<double>(metrics.makespan_s) / 86400.0) + " days)\n";
  text += "sim time      " + FormatNumber("%.3f", sim_seconds) + " s\n";
  return text;
}

}  // namespace converge::sim
