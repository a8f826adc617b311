#include "sim/sweep_report.h"

#include <nlohmann/json.hpp>

#include "sim/report.h"

namespace converge::sim {

namespace {

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

std::vector<std::vector<std::string>> SweepCells(const std::vector<SweepRow>& rows) {
  std::vector<std::vector<std::string>> cells = {
      {"POLICY", "MATCH", "MACHINE", "PROCS", "JOBS", "AVG_WAIT", "MEDIAN_WAIT", "P95_WAIT",
       "AVG_BSLD", "MAX_BSLD", "UTIL%", "MAKESPAN", "SIM_S"}};
  for (const SweepRow& row : rows) {
    const Metrics& m = row.metrics;
    if (!row.error.empty()) {
      cells.push_back({row.policy, row.match, row.machine, "-", "-", "-", "-", "-", "-", "-",
                       "-", "-", "failed: " + row.error});
      continue;
    }
    cells.push_back({row.policy, row.match, row.machine, std::to_string(m.procs),
                     std::to_string(m.jobs), FormatNumber("%.1f", m.avg_wait_s),
                     FormatNumber("%.1f", m.median_wait_s), FormatNumber("%.1f", m.p95_wait_s),
                     FormatNumber("%.2f", m.avg_bsld), FormatNumber("%.2f", m.max_bsld),
                     FormatNumber("%.2f", 100.0 * m.utilization), std::to_string(m.makespan_s),
                     FormatNumber("%.3f", row.sim_seconds)});
  }
  return cells;
}

std::string SweepCsv(const std::vector<SweepRow>& rows) {
  std::string csv =
      "policy,match,machine,procs,jobs,skipped,avg_wait_s,median_wait_s,p95_wait_s,avg_bsld,"
      "max_bsld,utilization,makespan_s,sim_seconds,error\n";
  for (const SweepRow& row : rows) {
    const Metrics& m = row.metrics;
    const auto exact = [](double value) { return FormatNumber("%.17g", value); };
    csv += CsvField(row.policy) + "," + CsvField(row.match) + "," + CsvField(row.machine) + "," +
           std::to_string(m.procs) + "," + std::to_string(m.jobs) + "," +
           std::to_string(m.skipped) + "," + exact(m.avg_wait_s) + "," +
           exact(m.median_wait_s) + "," + exact(m.p95_wait_s) + "," + exact(m.avg_bsld) + "," +
           exact(m.max_bsld) + "," + exact(m.utilization) + "," +
           std::to_string(m.makespan_s) + "," + FormatNumber("%.6f", row.sim_seconds) + "," +
           CsvField(row.error) + "\n";
  }
  return csv;
}

std::string SweepJson(const std::vector<SweepRow>& rows) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const SweepRow& row : rows) {
    const Metrics& m = row.metrics;
    nlohmann::ordered_json json;
    json["policy"] = row.policy;
    json["match"] = row.match;
    json["machine"] = row.machine;
    json["jobs"] = m.jobs;
    json["skipped"] = m.skipped;
    json["unsatisfiable"] = m.unsatisfiable;
    json["procs"] = m.procs;
    json["avg_wait_s"] = m.avg_wait_s;
    json["median_wait_s"] = m.median_wait_s;
    json["p95_wait_s"] = m.p95_wait_s;
    json["avg_bsld"] = m.avg_bsld;
    json["max_bsld"] = m.max_bsld;
    json["utilization"] = m.utilization;
    json["makespan_s"] = m.makespan_s;
    json["sim_seconds"] = row.sim_seconds;
    if (!row.error.empty()) json["error"] = row.error;
    array.push_back(std::move(json));
  }
  return array.dump(2) + "\n";
}

}  // namespace converge::sim
