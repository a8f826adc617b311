#include "examples/ml-workflow/ml_routes.h"

#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace converge::ml {
namespace {

// Captures the one reply of a synchronous handler.
class CapturingResponder : public api::Responder {
 public:
  explicit CapturingResponder(api::HttpResponse* out) : out_(out) {}
  void Reply(api::HttpResponse response) override { *out_ = std::move(response); }
  std::shared_ptr<api::Stream> StartStream(int, const std::string&) override { return nullptr; }

 private:
  api::HttpResponse* out_;
};

api::HttpResponse Call(const api::Router& router, std::string method, std::string path,
                       std::string body = "") {
  api::HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.body = std::move(body);
  api::HttpResponse response;
  response.status = 0;
  router.Dispatch(std::move(request), std::make_shared<CapturingResponder>(&response));
  return response;
}

nlohmann::json Body(const api::HttpResponse& response) {
  return nlohmann::json::parse(response.body);
}

TEST(MlRoutesTest, HealthzAnswersOk) {
  WallTimeModel model;
  const api::Router router = MakeMlRouter(model);
  const api::HttpResponse response = Call(router, "GET", "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Body(response), nlohmann::json({{"ok", true}}));
}

TEST(MlRoutesTest, PredictBeforeTrainIs409ThenTrainPredictObserveMetrics) {
  WallTimeModel model;
  const api::Router router = MakeMlRouter(model);
  const std::string features = R"({"x":12,"y":10,"z":9,"ranks":2})";
  EXPECT_EQ(Call(router, "POST", "/api/predict", R"({"features":[)" + features + "]}").status, 409);
  api::HttpResponse train = Call(router, "POST", "/api/train",
                                 R"({"samples":[{"features":)" + features + R"(,"value":3.41}]})");
  ASSERT_EQ(train.status, 200) << train.body;
  EXPECT_EQ(Body(train)["samples"], 1);
  api::HttpResponse predict =
      Call(router, "POST", "/api/predict", R"({"features":[)" + features + "]}");
  ASSERT_EQ(predict.status, 200) << predict.body;
  EXPECT_NEAR(Body(predict)["predictions"][0].get<double>(), 3.41, 0.01);
  api::HttpResponse observe =
      Call(router, "POST", "/api/observe",
           R"({"features":)" + features + R"(,"predicted":3.4,"actual":3})");
  ASSERT_EQ(observe.status, 200) << observe.body;
  const nlohmann::json metrics = Body(Call(router, "GET", "/api/metrics"));
  EXPECT_EQ(metrics["train_samples"], 1);
  EXPECT_EQ(metrics["test_count"], 1);
  EXPECT_NEAR(metrics["test_mae"].get<double>(), 0.4, 1e-9);
  EXPECT_EQ(metrics["observations"][0]["features"]["x"], 12);
}

TEST(MlRoutesTest, BadBodyIs400NamingTheField) {
  WallTimeModel model;
  const api::Router router = MakeMlRouter(model);
  const api::HttpResponse response =
      Call(router, "POST", "/api/train", R"({"samples":[{"features":{},"value":1}]})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(Body(response)["error"], "samples[0].features.x: is required");
  EXPECT_EQ(Body(response)["field"], "samples[0].features.x");
}

}  // namespace
}  // namespace converge::ml
