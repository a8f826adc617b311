#include "metrics/text_format.h"

#include <gtest/gtest.h>

#include <cmath>

namespace converge::metrics {
namespace {

TEST(TextFormatTest, FamiliesHaveHelpTypeAndLabelledSamples) {
  TextFormat format;
  format.Family("converge_jobs", Type::kGauge, "Jobs by state.\nSecond line \\ here");
  format.Sample({{"state", "RUN"}, {"queue", "batch"}}, 3);
  format.Sample({}, 0.25);
  EXPECT_EQ(format.text(),
            "# HELP converge_jobs Jobs by state.\\nSecond line \\\\ here\n"
            "# TYPE converge_jobs gauge\n"
            "converge_jobs{state=\"RUN\",queue=\"batch\"} 3\n"
            "converge_jobs 0.25\n");
}

TEST(TextFormatTest, LabelValuesAreEscaped) {
  TextFormat format;
  format.Family("x_total", Type::kCounter, "h");
  format.Sample({{"name", "a\"b\\c\nd"}}, 1);
  EXPECT_NE(format.text().find("x_total{name=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos)
      << format.text();
}

TEST(TextFormatTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Histogram histogram({0.5, 1});
  histogram.Observe(0.25);
  histogram.Observe(0.75);
  histogram.Observe(3);
  TextFormat format;
  format.Family("converge_pass_seconds", Type::kHistogram, "Pass time.");
  format.Sample({{"queue", "q"}}, histogram);
  EXPECT_EQ(format.text(),
            "# HELP converge_pass_seconds Pass time.\n"
            "# TYPE converge_pass_seconds histogram\n"
            "converge_pass_seconds_bucket{queue=\"q\",le=\"0.5\"} 1\n"
            "converge_pass_seconds_bucket{queue=\"q\",le=\"1\"} 2\n"
            "converge_pass_seconds_bucket{queue=\"q\",le=\"+Inf\"} 3\n"
            "converge_pass_seconds_sum{queue=\"q\"} 4\n"
            "converge_pass_seconds_count{queue=\"q\"} 3\n");
}

TEST(TextFormatTest, ValuesReadBackExactly) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(12345678901234), "12345678901234");
  EXPECT_EQ(FormatValue(5e-05), "5e-05");
  EXPECT_EQ(std::stod(FormatValue(0.1 + 0.2)), 0.1 + 0.2);
  EXPECT_EQ(FormatValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(TextFormatTest, NamesFollowThePrometheusRules) {
  EXPECT_TRUE(IsMetricName("converge_api_requests_total"));
  EXPECT_TRUE(IsMetricName("a:b_c"));
  EXPECT_FALSE(IsMetricName("1abc"));
  EXPECT_FALSE(IsMetricName("a-b"));
  EXPECT_FALSE(IsMetricName(""));
  EXPECT_TRUE(IsLabelName("le"));
  EXPECT_FALSE(IsLabelName("a:b"));
}

TEST(TextFormatDeathTest, AnInvalidNameIsAProgrammingError) {
  TextFormat format;
  EXPECT_DEATH(format.Family("bad-name", Type::kGauge, "h"), "invalid metric name");
  format.Family("good", Type::kGauge, "h");
  EXPECT_DEATH(format.Sample({{"bad:label", "v"}}, 1), "invalid label name");
}

}  // namespace
}  // namespace converge::metrics
