#include "examples/ml-workflow/wall_time_model.h"

#include <cmath>

#include <gtest/gtest.h>

namespace converge::ml {
namespace {

// seconds = exp(w . DesignRow) for fixed w: a model the feature set can represent exactly.
double TrueSeconds(const SimFeatures& features) {
  const std::vector<double> w = {-4.0, 0.3, 0.02, 0.5, -0.1};
  const std::vector<double> row = DesignRow(features);
  double sum = 0;
  for (size_t i = 0; i < w.size(); ++i) sum += w[i] * row[i];
  return std::exp(sum);
}

TEST(WallTimeModelTest, DesignRowUsesLogVolumeAndLogRanks) {
  const std::vector<double> row = DesignRow({2, 5, 10, 2});
  ASSERT_EQ(row.size(), 5u);
  EXPECT_DOUBLE_EQ(row[0], 1.0);
  EXPECT_NEAR(row[1], std::log(100.0), 1e-12);
  EXPECT_NEAR(row[2], std::log(100.0) * std::log(100.0), 1e-12);
  EXPECT_NEAR(row[3], std::log(2.0), 1e-12);
  EXPECT_NEAR(row[4], std::log(100.0) * std::log(2.0), 1e-12);
}

TEST(WallTimeModelTest, PredictBeforeTrainingIsKWait) {
  WallTimeModel model;
  EXPECT_EQ(model.Predict({10, 10, 10, 1}).status().code(), Code::kWait);
}

TEST(WallTimeModelTest, LearnsARepresentableModelIncrementally) {
  WallTimeModel model;
  for (int i = 0; i < 24; ++i) {
    const SimFeatures features{6.0 + i % 7 * 2, 6.0 + i % 5 * 3, 8.0 + i % 3 * 4, 1.0 + i % 2};
    ASSERT_TRUE(model.Train({{features, TrueSeconds(features)}}).ok());
  }
  EXPECT_EQ(model.train_samples(), 24u);
  const SimFeatures probe{12, 15, 9, 2};
  Result<double> seconds = model.Predict(probe);
  ASSERT_TRUE(seconds.ok());
  EXPECT_NEAR(*seconds, TrueSeconds(probe), TrueSeconds(probe) * 0.02);
  const ModelMetrics metrics = model.Metrics();
  ASSERT_TRUE(metrics.train_r2.has_value());
  EXPECT_GT(*metrics.train_r2, 0.99);
  EXPECT_EQ(metrics.test_count, 0u);
  EXPECT_FALSE(metrics.test_mae.has_value());
}

TEST(WallTimeModelTest, MetricsSummariseObservations) {
  WallTimeModel model;
  model.Observe({{10, 10, 10, 1}, 1.0, 2.0});
  model.Observe({{20, 10, 10, 1}, 3.0, 3.0});
  const ModelMetrics metrics = model.Metrics();
  EXPECT_EQ(metrics.test_count, 2u);
  EXPECT_DOUBLE_EQ(*metrics.test_mae, 0.5);
  // mean 2.5, SS_tot 0.5, SS_res 1 -> R² = -1.
  EXPECT_DOUBLE_EQ(*metrics.test_r2, -1.0);
  ASSERT_EQ(metrics.observations.size(), 2u);
  EXPECT_EQ(metrics.observations[1].features.x, 20);
}

}  // namespace
}  // namespace converge::ml
