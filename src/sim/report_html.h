// The --html report of a simulation: one self-contained page with the summary figures and the
// chart of utilization and queue length (UtilizationSvg), the chart the dashboard's report
// page draws for a live instance. No script and nothing fetched: it opens from a file. Pure.
#pragma once

#include <string>
#include <string_view>

#include "sim/metrics.h"

namespace converge::sim {

// `svg` is UtilizationSvg's output, embedded as is; `title` is escaped.
std::string ReportHtml(const Metrics& metrics, double sim_seconds, std::string_view svg,
                       std::string_view title);

}  // namespace converge::sim
