#include "examples/ml-workflow/ml_json.h"

#include <gtest/gtest.h>

namespace converge::ml {
namespace {

TEST(MlJsonTest, ParsesTrainRequest) {
  Result<std::vector<TrainingSample>> samples = ParseTrainRequest(
      R"({"samples":[{"features":{"x":12,"y":10,"z":9,"ranks":2},"value":3.41}]})");
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  ASSERT_EQ(samples->size(), 1u);
  EXPECT_EQ((*samples)[0].features.x, 12);
  EXPECT_EQ((*samples)[0].features.ranks, 2);
  EXPECT_DOUBLE_EQ((*samples)[0].seconds, 3.41);
}

TEST(MlJsonTest, TrainErrorsNameTheField) {
  const std::string good = R"({"features":{"x":1,"y":1,"z":1,"ranks":1},"value":1})";
  const std::string bad = R"({"features":{"x":1,"y":1,"z":1,"ranks":1},"value":"slow"})";
  Status status =
      ParseTrainRequest(R"({"samples":[)" + good + "," + good + "," + good + "," + bad + "]}")
          .status();
  EXPECT_EQ(status.ToString(), "samples[3].value: must be a number");
  EXPECT_EQ(ParseTrainRequest(R"({"samples":[{"features":{"x":1,"y":1,"z":1},"value":1}]})")
                .status()
                .ToString(),
            "samples[0].features.ranks: is required");
  EXPECT_EQ(ParseTrainRequest(R"({"samples":[{"features":{"x":0,"y":1,"z":1,"ranks":1},)"
                              R"("value":1}]})")
                .status()
                .where(),
            "samples[0].features.x");
  EXPECT_EQ(ParseTrainRequest("{").status().where(), "body");
  EXPECT_EQ(ParseTrainRequest(R"({"samples":{}})").status().ToString(),
            "samples: must be an array");
  EXPECT_EQ(ParseTrainRequest(R"({"samples":[]})").status().where(), "samples");
}

TEST(MlJsonTest, ParsesPredictAndObserve) {
  Result<std::vector<SimFeatures>> features =
      ParsePredictRequest(R"({"features":[{"x":5,"y":6,"z":7,"ranks":1}]})");
  ASSERT_TRUE(features.ok());
  EXPECT_EQ((*features)[0].z, 7);
  EXPECT_EQ(
      ParsePredictRequest(R"({"features":[{"x":5,"y":6,"z":null,"ranks":1}]})").status().ToString(),
      "features[0].z: must be a number");
  Result<Observation> observation = ParseObserveRequest(
      R"({"features":{"x":5,"y":6,"z":7,"ranks":1},"predicted":1.5,"actual":2})");
  ASSERT_TRUE(observation.ok());
  EXPECT_DOUBLE_EQ(observation->predicted, 1.5);
  EXPECT_EQ(ParseObserveRequest(R"({"features":{"x":5,"y":6,"z":7,"ranks":1},"predicted":1})")
                .status()
                .where(),
            "actual");
}

TEST(MlJsonTest, MetricsRoundTrip) {
  ModelMetrics metrics;
  metrics.train_samples = 40;
  metrics.train_r2 = 0.9;
  metrics.test_mae = 0.25;
  metrics.observations = {{{10, 11, 12, 2}, 1.5, 1.75}};
  metrics.test_count = 1;
  const nlohmann::json json = MetricsToJson(metrics);
  EXPECT_EQ(json["model"], "ridge regression on log features");
  EXPECT_TRUE(json["test_r2"].is_null());
  EXPECT_EQ(json["observations"][0]["features"].dump(), R"({"ranks":2,"x":10,"y":11,"z":12})");
  Result<ModelMetrics> back = MetricsFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->train_samples, 40u);
  EXPECT_EQ(back->test_count, 1u);
  EXPECT_FALSE(back->test_r2.has_value());
  EXPECT_DOUBLE_EQ(*back->test_mae, 0.25);
  EXPECT_EQ(back->observations[0].features.y, 11);
  EXPECT_DOUBLE_EQ(back->observations[0].actual, 1.75);
}

}  // namespace
}  // namespace converge::ml
