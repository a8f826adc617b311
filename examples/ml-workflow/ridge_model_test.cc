#include "examples/ml-workflow/ridge_model.h"

#include <vector>

#include <gtest/gtest.h>

#include "examples/ml-workflow/fit_metrics.h"

namespace converge::ml {
namespace {

// Rows [1, a, b] on a small grid with targets 2 + 3a - 0.5b.
struct Synthetic {
  std::vector<std::vector<double>> rows;
  std::vector<double> targets;
};

Synthetic MakeSynthetic() {
  Synthetic data;
  for (int a = 0; a < 5; ++a) {
    for (int b = 0; b < 4; ++b) {
      data.rows.push_back({1.0, a * 1.5, b * 0.7 + a * 0.1});
      data.targets.push_back(2.0 + 3.0 * a * 1.5 - 0.5 * (b * 0.7 + a * 0.1));
    }
  }
  return data;
}

TEST(RidgeModelTest, RecoversKnownCoefficientsWithTinyPenalty) {
  const Synthetic data = MakeSynthetic();
  Result<RidgeModel> model = RidgeModel::Fit(data.rows, data.targets, {.lambda = 1e-10});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_EQ(model->weights().size(), 3u);
  EXPECT_NEAR(model->weights()[0], 2.0, 1e-6);
  EXPECT_NEAR(model->weights()[1], 3.0, 1e-6);
  EXPECT_NEAR(model->weights()[2], -0.5, 1e-6);
  EXPECT_NEAR(model->Predict(std::vector<double>{1.0, 2.0, 4.0}), 2.0 + 6.0 - 2.0, 1e-6);
}

TEST(RidgeModelTest, DefaultPenaltyBarelyMovesWellDeterminedWeights) {
  const Synthetic data = MakeSynthetic();
  Result<RidgeModel> model = RidgeModel::Fit(data.rows, data.targets);
  ASSERT_TRUE(model.ok());
  EXPECT_NEAR(model->weights()[1], 3.0, 1e-3);
  EXPECT_NEAR(model->weights()[2], -0.5, 1e-3);
}

TEST(RidgeModelTest, PenaltyMakesCollinearFeaturesSolvable) {
  // Column 2 duplicates column 1: singular without the penalty; ridge splits the weight.
  std::vector<std::vector<double>> rows = {{1, 1, 1}, {1, 2, 2}, {1, 3, 3}};
  std::vector<double> targets = {2, 4, 6};
  Result<RidgeModel> model = RidgeModel::Fit(rows, targets);
  ASSERT_TRUE(model.ok());
  EXPECT_NEAR(model->weights()[1], model->weights()[2], 1e-9);
  EXPECT_NEAR(model->Predict(std::vector<double>{1, 4, 4}), 8.0, 1e-2);
}

TEST(RidgeModelTest, RejectsBadInputWithFieldPaths) {
  std::vector<std::vector<double>> none;
  std::vector<double> no_targets;
  EXPECT_EQ(RidgeModel::Fit(none, no_targets).status().where(), "rows");
  std::vector<std::vector<double>> ragged = {{1, 2}, {1}};
  std::vector<double> two = {1, 2};
  EXPECT_EQ(RidgeModel::Fit(ragged, two).status().where(), "rows[1]");
  std::vector<std::vector<double>> one = {{1, 2}};
  EXPECT_EQ(RidgeModel::Fit(one, two).status().where(), "targets");
  EXPECT_EQ(RidgeModel::Fit(one, std::vector<double>{1}, {.lambda = 0}).status().where(), "lambda");
}

TEST(FitMetricsTest, RSquaredMatchesHandComputedValue) {
  // mean 2; SS_tot = 1 + 0 + 1 = 2; SS_res = 0.25 + 0 + 0.25 = 0.5; R² = 1 - 0.5/2 = 0.75.
  const std::vector<double> actual = {1, 2, 3};
  const std::vector<double> predicted = {1.5, 2, 2.5};
  ASSERT_TRUE(RSquared(actual, predicted).has_value());
  EXPECT_DOUBLE_EQ(*RSquared(actual, predicted), 0.75);
  EXPECT_DOUBLE_EQ(*RSquared(actual, actual), 1.0);
}

TEST(FitMetricsTest, MeanAbsoluteErrorMatchesHandComputedValue) {
  // |1-1.5| + |2-2| + |3-2.5| + |4-6| = 3; / 4 = 0.75.
  const std::vector<double> actual = {1, 2, 3, 4};
  const std::vector<double> predicted = {1.5, 2, 2.5, 6};
  EXPECT_DOUBLE_EQ(*MeanAbsoluteError(actual, predicted), 0.75);
}

TEST(FitMetricsTest, UndefinedCasesAreNullopt) {
  const std::vector<double> empty;
  const std::vector<double> flat = {2, 2};
  const std::vector<double> other = {1, 3};
  EXPECT_FALSE(RSquared(empty, empty).has_value());
  EXPECT_FALSE(RSquared(flat, other).has_value());
  EXPECT_FALSE(MeanAbsoluteError(empty, empty).has_value());
  EXPECT_FALSE(MeanAbsoluteError(flat, empty).has_value());
}

}  // namespace
}  // namespace converge::ml
