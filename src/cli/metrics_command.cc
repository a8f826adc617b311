// `converge metrics list|show|export|plot`: MetricSet results (docs/metricset.md), read through
// POST /v1/query over the `metrics` and `metric_values` views, so that each user sees the
// results of their own jobs (the instance owner: all).
#include <cstdio>
#include <map>
#include <memory>

#include "cli/client.h"
#include "cli/columns.h"
#include "cli/commands.h"
#include "cli/job_table.h"
#include "cli/output_file.h"
#include "cli/query_format.h"
#include "sim/report_svg.h"

namespace converge::cli {
namespace {

// `text` as an SQL string literal.
std::string Literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// NAME (a MetricSet) or a job id: the WHERE clause that selects its runs.
std::string Selecting(const std::string& what) {
  if (what.empty()) return "1";
  if (what.find_first_not_of("0123456789") == std::string::npos && what.size() < 19) {
    return "job_id = " + what;
  }
  return "metric_set = " + Literal(what);
}

Result<nlohmann::json> Query(Session& session, const std::string& sql) {
  return session.Call("POST", "/v1/query", nlohmann::json{{"sql", sql}}.dump());
}

int List(const std::string& what) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("metrics", session.status());
  Result<nlohmann::json> answer = Query(
      *session, "SELECT job_id, metric_set, metric, outcome, time, message FROM metrics WHERE " +
                    Selecting(what) + " ORDER BY job_id");
  if (!answer.ok()) return Fail("metrics", answer.status());
  std::vector<std::vector<std::string>> rows = {
      {"JOB", "METRICSET", "METRIC", "OUTCOME", "TIME", "MESSAGE"}};
  for (const auto& row : (*answer)["rows"]) {
    rows.push_back({CellText(row[0]), CellText(row[1]), CellText(row[2]), CellText(row[3]),
                    FormatTimestamp(row[4].is_number() ? row[4].get<double>() : 0),
                    CellText(row[5])});
  }
  if (rows.size() == 1) {
    std::printf("No metric results found.\n");
    return 0;
  }
  std::fputs(FormatColumns(rows).c_str(), stdout);
  return 0;
}

int Show(const std::string& what) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("metrics", session.status());
  Result<nlohmann::json> values = Query(
      *session, "SELECT job_id, metric, node, rank, name, value, unit FROM metric_values WHERE " +
                    Selecting(what) + " ORDER BY job_id, rank, name");
  if (!values.ok()) return Fail("metrics", values.status());
  Result<nlohmann::json> runs = Query(
      *session, "SELECT job_id, metric, outcome, message, checks FROM metrics WHERE " +
                    Selecting(what) + " ORDER BY job_id");
  if (!runs.ok()) return Fail("metrics", runs.status());
  if ((*runs)["rows"].empty()) {
    std::fprintf(stderr, "converge metrics: no results for %s\n", what.c_str());
    return 1;
  }
  std::vector<std::vector<std::string>> rows = {
      {"JOB", "METRIC", "NODE", "RANK", "VALUE", "", "UNIT"}};
  for (const auto& row : (*values)["rows"]) {
    const int64_t rank = row[3].is_number() ? row[3].get<int64_t>() : -1;
    char number[64];
    std::snprintf(number, sizeof number, "%.6g", row[5].is_number() ? row[5].get<double>() : 0);
    rows.push_back({CellText(row[0]), CellText(row[1]) + "." + CellText(row[4]), CellText(row[2]),
                    rank < 0 ? "all" : std::to_string(rank), number, "", CellText(row[6])});
  }
  for (auto& row : rows) row.erase(row.begin() + 5);
  std::fputs(FormatColumns(rows).c_str(), stdout);
  std::string out;
  for (const auto& run : (*runs)["rows"]) {
    out += "\njob " + CellText(run[0]) + " " + CellText(run[1]) + ": " + CellText(run[2]);
    if (!CellText(run[3]).empty()) out += " (" + CellText(run[3]) + ")";
    out += "\n";
    nlohmann::json checks = nlohmann::json::parse(CellText(run[4]), nullptr, false);
    if (!checks.is_array()) continue;
    for (const auto& check : checks) {
      char line[512];
      std::snprintf(line, sizeof line, "  %s %s %s %.6g on %s: %s\n",
                    check.value("passed", false) ? "PASS" : "FAIL",
                    check.value("metric", "").c_str(), check.value("op", "").c_str(),
                    check.value("threshold", 0.0), check.value("node", "-").c_str(),
                    check.contains("value")
                        ? std::to_string(check.value("value", 0.0)).c_str()
                        : check.value("note", "").c_str());
      out += line;
    }
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

int Export(const std::string& what, bool json) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("metrics", session.status());
  Result<nlohmann::json> answer = Query(
      *session,
      "SELECT job_id, metric_set, metric, rank, node, name, value, unit, time FROM metric_values "
      "WHERE " + Selecting(what) + " ORDER BY job_id, rank, name");
  if (!answer.ok()) return Fail("metrics", answer.status());
  if (json) {
    std::printf("%s\n", answer->dump(2).c_str());
  } else {
    std::fputs(FormatQueryCsv(*answer).c_str(), stdout);
  }
  return 0;
}

int Plot(const std::string& set, const std::string& value, const std::string& output) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("metrics plot", session.status());
  Result<nlohmann::json> answer = Query(
      *session, "SELECT job_id, node, value, unit FROM metric_values WHERE metric_set = " +
                    Literal(set) + " AND metric || '.' || name = " + Literal(value) +
                    " ORDER BY job_id, rank");
  if (!answer.ok()) return Fail("metrics plot", answer.status());
  if ((*answer)["rows"].empty()) {
    std::fprintf(stderr, "converge metrics plot: no values %s in MetricSet %s\n", value.c_str(),
                 set.c_str());
    return 1;
  }
  std::map<std::string, sim::MetricSeries> series;
  std::map<int64_t, double> run_index;
  std::string unit;
  for (const auto& row : (*answer)["rows"]) {
    const int64_t job = row[0].get<int64_t>();
    run_index.emplace(job, static_cast<double>(run_index.size()));
    sim::MetricSeries& one = series[CellText(row[1])];
    one.label = CellText(row[1]);
    one.points.emplace_back(run_index[job], row[2].is_number() ? row[2].get<double>() : 0);
    unit = CellText(row[3]);
  }
  // The threshold: the set's absolute check of this value, when it has one.
  std::optional<double> threshold;
  if (Result<nlohmann::json> object = session->Call("GET", "/v1/objects/metricset/" +
                                                               UrlEncode(set));
      object.ok()) {
    for (const auto& check : (*object)["spec"].value("expect", nlohmann::json::array())) {
      if (check.value("metric", "") == value && check.contains("value") &&
          check["value"].is_number()) {
        threshold = check["value"].get<double>();
      }
    }
  }
  std::vector<sim::MetricSeries> list;
  for (auto& [node, one] : series) list.push_back(std::move(one));
  const std::string y_label = value + (unit.empty() ? "" : " (" + unit + ")");
  const std::string svg = sim::MetricSvg(list, threshold, y_label, "run (oldest first)",
                                         "MetricSet " + set + ": " + value);
  Status wrote = WriteOutputFile(output, svg);
  if (!wrote.ok()) return Fail("metrics plot", wrote);
  std::printf("wrote %s (%zu runs, %zu nodes)\n", output.c_str(), run_index.size(), list.size());
  return 0;
}

}  // namespace

void AddMetricsCommand(CLI::App& app, int* exit_code) {
  CLI::App* metrics = app.add_subcommand("metrics", "MetricSet results: list, show, export, plot");
  metrics->require_subcommand(1);
  auto what = std::make_shared<std::string>();
  CLI::App* list = metrics->add_subcommand("list", "One line per metric run");
  list->add_option("metricset", *what, "Only this MetricSet's runs (or a job id)");
  list->callback([=] { *exit_code = List(*what); });

  auto shown = std::make_shared<std::string>();
  CLI::App* show = metrics->add_subcommand("show", "The values and checks of runs");
  show->add_option("metricset", *shown, "A MetricSet's name or a job id")->required();
  show->callback([=] { *exit_code = Show(*shown); });

  auto exported = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto csv = std::make_shared<bool>(false);
  CLI::App* out = metrics->add_subcommand("export", "Every value, as CSV or JSON");
  out->add_option("metricset", *exported, "Only this MetricSet's (or a job id)");
  auto* json_flag = out->add_flag("--json", *json, "JSON {columns, rows}");
  out->add_flag("--csv", *csv, "CSV with a header line (the default)")->excludes(json_flag);
  out->callback([=] { *exit_code = Export(*exported, *json); });

  auto set = std::make_shared<std::string>();
  auto value = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  CLI::App* plot = metrics->add_subcommand("plot", "An SVG of one value over runs, per node");
  plot->add_option("metricset", *set, "The MetricSet")->required();
  plot->add_option("value", *value, "PLUGIN.VALUE (sysbench.events_per_s)")->required();
  plot->add_option("-o,--output", *output, "The SVG file to write")->required();
  plot->callback([=] { *exit_code = Plot(*set, *value, *output); });
}

}  // namespace converge::cli
