#include "sim/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/xml_text.h"

namespace converge::sim {

namespace {

constexpr double kWidth = 960;
constexpr double kPanelHeight = 220;
constexpr double kLeft = 80;
constexpr double kRight = 30;
constexpr double kTop = 50;
constexpr double kGap = 70;  // between the panels (room for the top panel's tick labels)
constexpr double kBottom = 60;

std::string Num(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.2f", value);
  return buffer;
}

std::string Label(double value) {
  char buffer[64];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof(buffer), "%.0f", value);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.3g", value);
  }
  return buffer;
}

// A "nice" tick step (1, 2 or 5 × 10^k) giving about `target` ticks over [0, span].
double NiceStep(double span, int target) {
  if (!(span > 0)) return 1;
  double raw = span / target;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= factor * magnitude) return factor * magnitude;
  }
  return 10 * magnitude;
}

struct Panel {
  double top;               // y of the panel's top edge
  std::string y_label;
  double y_max;             // value at the top edge
  std::vector<double> values;
  double scale = 1;         // value shown = raw × scale
};

void DrawPanel(std::string& svg, const Panel& panel, double x_span_units,
               const std::string& x_label) {
  const double plot_width = kWidth - kLeft - kRight;
  const double bottom = panel.top + kPanelHeight;
  svg += "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(panel.top) + "\" width=\"" +
         Num(plot_width) + "\" height=\"" + Num(kPanelHeight) +
         "\" fill=\"none\" stroke=\"#444\"/>\n";
  // Y ticks and grid.
  double y_step = NiceStep(panel.y_max, 4);
  for (double y = 0; y <= panel.y_max * 1.0000001; y += y_step) {
    double py = bottom - y / panel.y_max * kPanelHeight;
    svg += "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(py) + "\" x2=\"" +
           Num(kLeft + plot_width) + "\" y2=\"" + Num(py) +
           "\" stroke=\"#ddd\"/>\n<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(py + 4) +
           "\" text-anchor=\"end\">" + Label(y) + "</text>\n";
  }
  // X ticks.
  double x_step = NiceStep(x_span_units, 8);
  for (double x = 0; x <= x_span_units * 1.0000001; x += x_step) {
    double px = kLeft + (x_span_units > 0 ? x / x_span_units * plot_width : 0);
    svg += "<line x1=\"" + Num(px) + "\" y1=\"" + Num(bottom) + "\" x2=\"" + Num(px) +
           "\" y2=\"" + Num(bottom + 5) + "\" stroke=\"#444\"/>\n<text x=\"" + Num(px) +
           "\" y=\"" + Num(bottom + 20) + "\" text-anchor=\"middle\">" + Label(x) +
           "</text>\n";
  }
  svg += "<text x=\"" + Num(kLeft + plot_width / 2) + "\" y=\"" + Num(bottom + 40) +
         "\" text-anchor=\"middle\">" + XmlEscape(x_label) + "</text>\n";
  svg += "<text transform=\"translate(20," + Num(panel.top + kPanelHeight / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + XmlEscape(panel.y_label) + "</text>\n";
  // The curve: one step per bin.
  if (panel.values.empty()) return;
  svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.2\" points=\"";
  const double bin_width = plot_width / static_cast<double>(panel.values.size());
  for (size_t i = 0; i < panel.values.size(); ++i) {
    double value = std::min(panel.values[i] * panel.scale, panel.y_max);
    double py = bottom - value / panel.y_max * kPanelHeight;
    double x0 = kLeft + static_cast<double>(i) * bin_width;
    svg += Num(x0) + "," + Num(py) + " " + Num(x0 + bin_width) + "," + Num(py) + " ";
  }
  svg.back() = '"';
  svg += "/>\n";
}

}  // namespace

std::vector<double> BinAverages(std::vector<std::pair<int64_t, int64_t>> steps, int64_t begin,
                                int64_t end, int bins) {
  std::vector<double> sums(static_cast<size_t>(bins), 0.0);
  std::sort(steps.begin(), steps.end());
  const double width = static_cast<double>(end - begin) / bins;
  auto add = [&](double from, double to, double value) {  // value over [from, to)
    from = std::max(from, static_cast<double>(begin));
    to = std::min(to, static_cast<double>(end));
    if (!(to > from) || value == 0) return;
    size_t first = static_cast<size_t>((from - begin) / width);
    for (size_t bin = std::min(first, sums.size() - 1); bin < sums.size(); ++bin) {
      double lo = begin + width * static_cast<double>(bin);
      double hi = lo + width;
      if (lo >= to) break;
      double overlap = std::min(hi, to) - std::max(lo, from);
      if (overlap > 0) sums[bin] += value * overlap;
    }
  };
  int64_t value = 0;
  for (size_t i = 0; i < steps.size();) {
    int64_t time = steps[i].first;
    while (i < steps.size() && steps[i].first == time) value += steps[i++].second;
    double next = i < steps.size() ? static_cast<double>(steps[i].first)
                                   : static_cast<double>(end);
    add(static_cast<double>(time), next, static_cast<double>(value));
  }
  for (double& sum : sums) sum /= width;
  return sums;
}

std::string UtilizationSvg(std::span<const JobOutcome> jobs, int64_t machine_procs,
                           const PlotOptions& options) {
  int64_t begin = 0, end = 1;
  if (!jobs.empty()) {
    begin = jobs.front().submit_time;
    end = jobs.front().end_time;
    for (const JobOutcome& job : jobs) {
      begin = std::min(begin, job.submit_time);
      end = std::max(end, job.end_time);
    }
    if (end <= begin) end = begin + 1;
  }
  std::vector<std::pair<int64_t, int64_t>> busy, queue;
  busy.reserve(jobs.size() * 2);
  queue.reserve(jobs.size() * 2);
  for (const JobOutcome& job : jobs) {
    busy.emplace_back(job.start_time, job.procs);
    busy.emplace_back(job.end_time, -job.procs);
    queue.emplace_back(job.submit_time, 1);
    queue.emplace_back(job.start_time, -1);
  }
  const int bins = std::max(1, options.bins);
  Panel utilization{kTop, "utilization (%)", 100, BinAverages(busy, begin, end, bins),
                    machine_procs > 0 ? 100.0 / static_cast<double>(machine_procs) : 0};
  Panel pending{kTop + kPanelHeight + kGap, "queue length (jobs)", 1,
                BinAverages(queue, begin, end, bins), 1};
  double queue_max = *std::max_element(pending.values.begin(), pending.values.end());
  double step = NiceStep(std::max(queue_max, 1.0), 4);
  pending.y_max = std::max(step, std::ceil(queue_max / step) * step);

  const double span_s = static_cast<double>(end - begin);
  const bool hours = span_s <= 3 * 86400.0;
  const double unit = hours ? 3600.0 : 86400.0;
  const std::string x_label =
      std::string("time since first submission (") + (hours ? "hours" : "days") + ")";

  const double height = kTop + 2 * kPanelHeight + kGap + kBottom;
  std::string svg;
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth) + "\" height=\"" +
         Num(height) + "\" viewBox=\"0 0 " + Num(kWidth) + " " + Num(height) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!options.title.empty()) {
    svg += "<text x=\"" + Num(kWidth / 2) + "\" y=\"28\" text-anchor=\"middle\" " +
           "font-size=\"15\">" + XmlEscape(options.title) + "</text>\n";
  }
  DrawPanel(svg, utilization, span_s / unit, x_label);
  DrawPanel(svg, pending, span_s / unit, x_label);
  svg += "</svg>\n";
  return svg;
}

std::string MetricSvg(const std::vector<MetricSeries>& series, std::optional<double> threshold,
                      const std::string& y_label, const std::string& x_label,
                      const std::string& title) {
  static constexpr const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
                                            "#8c564b", "#e377c2", "#7f7f7f", "#17becf"};
  double x_max = 1, y_top = threshold.value_or(0);
  for (const MetricSeries& one : series) {
    for (const auto& [x, y] : one.points) {
      x_max = std::max(x_max, x);
      y_top = std::max(y_top, y);
    }
  }
  const double step = NiceStep(std::max(y_top, 1e-9) * 1.1, 4);
  Panel panel{kTop, y_label, std::max(step, std::ceil(y_top * 1.1 / step) * step), {}, 1};
  const double plot_width = kWidth - kLeft - kRight;
  const double bottom = kTop + kPanelHeight;
  auto px = [&](double x) { return kLeft + x / x_max * plot_width; };
  auto py = [&](double y) {
    return bottom - std::clamp(y, 0.0, panel.y_max) / panel.y_max * kPanelHeight;
  };
  const double legend = 18.0 * static_cast<double>(series.size());
  const double height = kTop + kPanelHeight + kBottom + legend;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth) +
                    "\" height=\"" + Num(height) + "\" viewBox=\"0 0 " + Num(kWidth) + " " +
                    Num(height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!title.empty()) {
    svg += "<text x=\"" + Num(kWidth / 2) + "\" y=\"28\" text-anchor=\"middle\" " +
           "font-size=\"15\">" + XmlEscape(title) + "</text>\n";
  }
  DrawPanel(svg, panel, x_max, x_label);
  if (threshold) {
    svg += "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(py(*threshold)) + "\" x2=\"" +
           Num(kLeft + plot_width) + "\" y2=\"" + Num(py(*threshold)) +
           "\" stroke=\"#d62728\" stroke-dasharray=\"6,4\"/>\n<text x=\"" +
           Num(kLeft + plot_width - 4) + "\" y=\"" + Num(py(*threshold) - 4) +
           "\" text-anchor=\"end\" fill=\"#d62728\">threshold " + Label(*threshold) +
           "</text>\n";
  }
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string color = kColors[i % (sizeof kColors / sizeof *kColors)];
    const MetricSeries& one = series[i];
    if (one.points.size() > 1) {
      svg += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.5\" points=\"";
      for (const auto& [x, y] : one.points) svg += Num(px(x)) + "," + Num(py(y)) + " ";
      svg.back() = '"';
      svg += "/>\n";
    }
    for (const auto& [x, y] : one.points) {
      svg += "<circle cx=\"" + Num(px(x)) + "\" cy=\"" + Num(py(y)) + "\" r=\"3.5\" fill=\"" +
             color + "\"><title>" + XmlEscape(one.label) + ": " + Label(y) + "</title></circle>\n";
    }
    const double ly = bottom + kBottom + 18.0 * static_cast<double>(i);
    svg += "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(ly - 9) + "\" width=\"10\" height=\"10\" " +
           "fill=\"" + color + "\"/><text x=\"" + Num(kLeft + 16) + "\" y=\"" + Num(ly) + "\">" +
           XmlEscape(one.label) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace converge::sim
