// What `converge-ml report` writes: a one-line text summary and an SVG scatter plot of
// predicted against actual wall time. Pure functions over values; thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "examples/ml-workflow/wall_time_model.h"

namespace converge::ml {

struct ScatterPoint {
  double actual = 0;     // x, seconds
  double predicted = 0;  // y, seconds
};

struct ScatterOptions {
  int width = 640;                                              // SVG width in pixels
  int height = 480;                                             // SVG height in pixels
  std::string title = "LAMMPS wall time: predicted vs actual";  // drawn above the plot
  std::string subtitle;  // a smaller line under the title (e.g. the summary); "" = none
  std::string x_label = "actual wall time (s)";     // under the x axis
  std::string y_label = "predicted wall time (s)";  // beside the y axis (rotated)
};

// "test simulations: M  MAE: 0.42 s  R²: 0.87  (trained on N)" and a newline; undefined
// numbers print as "n/a".
std::string FormatSummary(const ModelMetrics& metrics);

// Scatter points of the metrics' observations, in order.
std::vector<ScatterPoint> ScatterPointsOf(const ModelMetrics& metrics);

// Tick values 0, step, 2*step, ... up to the first multiple of a "nice" step (1, 2, 2.5 or 5
// times a power of ten) that is >= max_value, with about `target_count` intervals.
// REQUIRES: target_count >= 1. A max_value <= 0 gives {0, 1}.
std::vector<double> NiceTicks(double max_value, int target_count);

// A standalone SVG document: both axes share the range [0, last tick] so that the dashed
// y = x line is the diagonal; one <circle> per point (points outside the range are clipped
// to it), tick marks with labels, axis labels and the title (XML-escaped). Valid for zero
// points (axes only).
std::string RenderScatterSvg(std::span<const ScatterPoint> points,
                             const ScatterOptions& options = {});

}  // namespace converge::ml
