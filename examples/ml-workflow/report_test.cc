#include "examples/ml-workflow/report.h"

#include <string>

#include <gtest/gtest.h>

namespace converge::ml {
namespace {

size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(ReportTest, SummaryLine) {
  ModelMetrics metrics;
  metrics.train_samples = 40;
  metrics.test_count = 10;
  metrics.test_mae = 0.4213;
  metrics.test_r2 = 0.8666;
  EXPECT_EQ(FormatSummary(metrics),
            "test simulations: 10  MAE: 0.42 s  R²: 0.87  (trained on 40)\n");
  EXPECT_EQ(FormatSummary(ModelMetrics{}),
            "test simulations: 0  MAE: n/a s  R²: n/a  (trained on 0)\n");
}

TEST(ReportTest, NiceTicksCoverTheMaximum) {
  EXPECT_EQ(NiceTicks(4.2, 5), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(NiceTicks(10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(NiceTicks(0, 5), (std::vector<double>{0, 1}));
}

TEST(ReportTest, SvgHasOneCirclePerPointAxesAndLabels) {
  const std::vector<ScatterPoint> points = {{0.5, 0.6}, {1.5, 1.2}, {3.9, 4.1}};
  ScatterOptions options;
  options.title = "a < b & c";
  const std::string svg = RenderScatterSvg(points, options);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(Count(svg, "<svg "), 1u);
  EXPECT_EQ(Count(svg, "</svg>"), 1u);
  EXPECT_EQ(Count(svg, "<circle "), 3u);
  EXPECT_NE(svg.find(">actual wall time (s)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">predicted wall time (s)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">a &lt; b &amp; c</text>"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);  // the y = x line
  EXPECT_NE(svg.find(">5</text>"), std::string::npos);         // last tick of 0..5
  EXPECT_EQ(Count(svg, "<g"), Count(svg, "</g>"));
  EXPECT_EQ(Count(svg, "<text"), Count(svg, "</text>"));
}

TEST(ReportTest, SvgWithoutPointsHasAxesOnly) {
  const std::string svg = RenderScatterSvg({});
  EXPECT_EQ(Count(svg, "<circle "), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace converge::ml
