#include "sim/report_html.h"

#include <utility>
#include <vector>

#include "common/xml_text.h"
#include "sim/report.h"

namespace converge::sim {

std::string ReportHtml(const Metrics& metrics, double sim_seconds, std::string_view svg,
                       std::string_view title) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"policy", metrics.policy},
      {"machine", std::to_string(metrics.procs) + " cores"},
      {"jobs simulated", std::to_string(metrics.jobs)},
      {"jobs skipped", std::to_string(metrics.skipped) + " (" +
                           std::to_string(metrics.unsatisfiable) + " larger than the machine)"},
      {"average wait", FormatNumber("%.1f", metrics.avg_wait_s) + " s"},
      {"median wait", FormatNumber("%.1f", metrics.median_wait_s) + " s"},
      {"95th percentile wait", FormatNumber("%.1f", metrics.p95_wait_s) + " s"},
      {"average bounded slowdown", FormatNumber("%.2f", metrics.avg_bsld) + " (tau 10 s)"},
      {"largest bounded slowdown", FormatNumber("%.2f", metrics.max_bsld)},
      {"utilization", FormatNumber("%.2f", 100.0 * metrics.utilization) + " %"},
      {"makespan", std::to_string(metrics.makespan_s) + " s (" +
                       FormatNumber("%.2f", static_cast<double>(metrics.makespan_s) / 86400.0) +
                       " days)"},
      {"simulated in", FormatNumber("%.3f", sim_seconds) + " s"},
  };
  std::string page =
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      XmlEscape(title) +
      "</title>\n<style>\n"
      "body { font-family: sans-serif; margin: 2em; color: #222; }\n"
      "table { border-collapse: collapse; margin-bottom: 1.5em; }\n"
      "th, td { padding: 0.25em 1em 0.25em 0; text-align: left; }\n"
      "th { font-weight: normal; color: #555; }\n"
      "td { font-variant-numeric: tabular-nums; }\n"
      "</style>\n</head>\n<body>\n<h1>" +
      XmlEscape(title) + "</h1>\n<table class=\"summary\">\n<tbody>\n";
  for (const auto& [name, value] : rows) {
    page += "<tr><th>" + XmlEscape(name) + "</th><td>" + XmlEscape(value) + "</td></tr>\n";
  }
  page += "</tbody>\n</table>\n<figure>\n";
  page += svg;
  page += "</figure>\n</body>\n</html>\n";
  return page;
}

}  // namespace converge::sim
