// SVG plot of a simulation (--plot): utilization and queue length over time.
//
// Two stacked panels sharing the time axis (hours for runs up to 3 days, else days, from
// the first submission): the top one shows the fraction of the machine's cores in use,
// the bottom one the number of pending (submitted, not started) jobs. Each is averaged
// over fixed time bins. Hand-written SVG text; pure and deterministic.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/simulator.h"

namespace converge::sim {

struct PlotOptions {
  std::string title;  // drawn above the top panel; empty: none
  int bins = 600;     // time bins (points per curve); >= 1
};

// Time-averaged value of a step function over `bins` equal bins of [begin, end).
// `steps` are (time, delta) changes, in any order; the function is 0 before the first.
// REQUIRES: end > begin, bins >= 1.
std::vector<double> BinAverages(std::vector<std::pair<int64_t, int64_t>> steps, int64_t begin,
                                int64_t end, int bins);

std::string UtilizationSvg(std::span<const JobOutcome> jobs, int64_t machine_procs,
                           const PlotOptions& options = {});

// One metric over runs (`converge metrics plot`): a panel of the same style, x the run's
// index (0 = the oldest), one marked line per series (a node), and the acceptance
// threshold as a dashed red line when given. Values below 0 are drawn at 0.
struct MetricSeries {
  std::string label;                            // the node
  std::vector<std::pair<double, double>> points;  // (run index, value)
};
std::string MetricSvg(const std::vector<MetricSeries>& series, std::optional<double> threshold,
                      const std::string& y_label, const std::string& x_label,
                      const std::string& title);

}  // namespace converge::sim
