#include "examples/ml-workflow/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/xml_text.h"

namespace converge::ml {
namespace {

// Plot margins in pixels: room for tick labels, axis labels and the title.
constexpr double kLeft = 70;
constexpr double kRight = 20;
constexpr double kTop = 52;
constexpr double kBottom = 55;
constexpr double kTickLength = 5;

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string OrNa(const std::optional<double>& value, const char* format) {
  return value ? Format(format, *value) : "n/a";
}

// Maps data values in [0, top] to pixels on both axes.
struct Frame {
  double left, right, top_px, bottom, top_value;
  double X(double value) const { return left + (right - left) * Clamp(value); }
  double Y(double value) const { return bottom - (bottom - top_px) * Clamp(value); }
  double Clamp(double value) const { return std::clamp(value / top_value, 0.0, 1.0); }
};

std::string Px(double value) { return Format("%.1f", value); }

std::string Axes(const Frame& f, const std::vector<double>& ticks, const ScatterOptions& o) {
  std::string svg;
  svg += "<g stroke=\"#333\" stroke-width=\"1\">\n";
  svg += "<line x1=\"" + Px(f.left) + "\" y1=\"" + Px(f.bottom) + "\" x2=\"" + Px(f.right) +
         "\" y2=\"" + Px(f.bottom) + "\"/>\n";
  svg += "<line x1=\"" + Px(f.left) + "\" y1=\"" + Px(f.bottom) + "\" x2=\"" + Px(f.left) +
         "\" y2=\"" + Px(f.top_px) + "\"/>\n";
  for (double tick : ticks) {
    svg += "<line x1=\"" + Px(f.X(tick)) + "\" y1=\"" + Px(f.bottom) + "\" x2=\"" + Px(f.X(tick)) +
           "\" y2=\"" + Px(f.bottom + kTickLength) + "\"/>\n";
    svg += "<line x1=\"" + Px(f.left - kTickLength) + "\" y1=\"" + Px(f.Y(tick)) + "\" x2=\"" +
           Px(f.left) + "\" y2=\"" + Px(f.Y(tick)) + "\"/>\n";
  }
  svg += "</g>\n<g font-family=\"sans-serif\" font-size=\"12\" fill=\"#333\">\n";
  for (double tick : ticks) {
    const std::string label = Format("%g", tick);
    svg += "<text x=\"" + Px(f.X(tick)) + "\" y=\"" + Px(f.bottom + 18) +
           "\" text-anchor=\"middle\">" + label + "</text>\n";
    svg += "<text x=\"" + Px(f.left - 8) + "\" y=\"" + Px(f.Y(tick) + 4) +
           "\" text-anchor=\"end\">" + label + "</text>\n";
  }
  const double middle_x = (f.left + f.right) / 2;
  const double middle_y = (f.top_px + f.bottom) / 2;
  svg += "<text x=\"" + Px(middle_x) + "\" y=\"" + Px(o.height - 12.0) +
         "\" text-anchor=\"middle\" font-size=\"14\">" + XmlEscape(o.x_label) + "</text>\n";
  svg += "<text x=\"18\" y=\"" + Px(middle_y) + "\" text-anchor=\"middle\" font-size=\"14\" " +
         "transform=\"rotate(-90 18 " + Px(middle_y) + ")\">" + XmlEscape(o.y_label) + "</text>\n";
  svg += "<text x=\"" + Px(o.width / 2.0) + "\" y=\"26\" text-anchor=\"middle\" " +
         "font-size=\"16\" font-weight=\"bold\">" + XmlEscape(o.title) + "</text>\n";
  if (!o.subtitle.empty()) {
    svg += "<text x=\"" + Px(o.width / 2.0) + "\" y=\"40\" text-anchor=\"middle\" " +
           "font-size=\"11\">" + XmlEscape(o.subtitle) + "</text>\n";
  }
  svg += "</g>\n";
  return svg;
}

}  // namespace

std::string FormatSummary(const ModelMetrics& metrics) {
  return "test simulations: " + std::to_string(metrics.test_count) +
         "  MAE: " + OrNa(metrics.test_mae, "%.2f") + " s  R²: " + OrNa(metrics.test_r2, "%.2f") +
         "  (trained on " + std::to_string(metrics.train_samples) + ")\n";
}

std::vector<ScatterPoint> ScatterPointsOf(const ModelMetrics& metrics) {
  std::vector<ScatterPoint> points;
  for (const Observation& observation : metrics.observations) {
    points.push_back({observation.actual, observation.predicted});
  }
  return points;
}

std::vector<double> NiceTicks(double max_value, int target_count) {
  CHECK(target_count >= 1, "NiceTicks: target_count must be >= 1");
  if (!(max_value > 0) || !std::isfinite(max_value)) return {0.0, 1.0};
  const double rough = max_value / target_count;
  const double power = std::pow(10.0, std::floor(std::log10(rough)));
  double step = 10 * power;
  for (double factor : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (factor * power >= rough) {
      step = factor * power;
      break;
    }
  }
  std::vector<double> ticks;
  for (int i = 0;; ++i) {
    ticks.push_back(i * step);
    if (i * step >= max_value * (1 - 1e-12)) break;
  }
  return ticks;
}

std::string RenderScatterSvg(std::span<const ScatterPoint> points, const ScatterOptions& options) {
  double max_value = 0;
  for (const ScatterPoint& point : points) {
    max_value = std::max({max_value, point.actual, point.predicted});
  }
  const std::vector<double> ticks = NiceTicks(max_value * 1.05, 5);
  const Frame frame{kLeft, options.width - kRight, kTop, options.height - kBottom, ticks.back()};
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(options.width) +
         "\" height=\"" + std::to_string(options.height) + "\" viewBox=\"0 0 " +
         std::to_string(options.width) + " " + std::to_string(options.height) + "\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += Axes(frame, ticks, options);
  svg += "<line x1=\"" + Px(frame.X(0)) + "\" y1=\"" + Px(frame.Y(0)) + "\" x2=\"" +
         Px(frame.X(frame.top_value)) + "\" y2=\"" + Px(frame.Y(frame.top_value)) +
         "\" stroke=\"#999\" stroke-dasharray=\"6 4\"/>\n";
  svg += "<g fill=\"#1f77b4\" fill-opacity=\"0.8\" stroke=\"#0b3d66\">\n";
  for (const ScatterPoint& point : points) {
    svg += "<circle cx=\"" + Px(frame.X(point.actual)) + "\" cy=\"" + Px(frame.Y(point.predicted)) +
           "\" r=\"4\"/>\n";
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

}  // namespace converge::ml
