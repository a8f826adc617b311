#include "examples/ml-workflow/ml_routes.h"

#include <nlohmann/json.hpp>

#include "examples/ml-workflow/ml_json.h"

namespace converge::ml {
namespace {

using api::HttpRequest;
using api::HttpResponse;
using api::JsonError;
using api::JsonResponse;
using Reply = std::shared_ptr<api::Responder>;
using nlohmann::json;

HttpResponse ErrorFor(const Status& status) {
  const int code = status.code() == Code::kInvalidArgument ? 400
                   : status.code() == Code::kWait          ? 409
                                                           : 500;
  return JsonError(code, status.ToString(), status.where());
}

HttpResponse Ok(const json& body) { return JsonResponse(200, body.dump()); }

HttpResponse Train(WallTimeModel& model, const HttpRequest& request) {
  Result<std::vector<TrainingSample>> samples = ParseTrainRequest(request.body);
  if (!samples.ok()) return ErrorFor(samples.status());
  if (Status status = model.Train(*samples); !status.ok()) return ErrorFor(status);
  return Ok({{"samples", model.train_samples()}});
}

HttpResponse Predict(const WallTimeModel& model, const HttpRequest& request) {
  Result<std::vector<SimFeatures>> features = ParsePredictRequest(request.body);
  if (!features.ok()) return ErrorFor(features.status());
  json predictions = json::array();
  for (const SimFeatures& item : *features) {
    Result<double> seconds = model.Predict(item);
    if (!seconds.ok()) return ErrorFor(seconds.status());
    predictions.push_back(*seconds);
  }
  return Ok({{"predictions", std::move(predictions)}});
}

HttpResponse Observe(WallTimeModel& model, const HttpRequest& request) {
  Result<Observation> observation = ParseObserveRequest(request.body);
  if (!observation.ok()) return ErrorFor(observation.status());
  model.Observe(*observation);
  return Ok({{"test_count", model.test_count()}});
}

}  // namespace

api::Router MakeMlRouter(WallTimeModel& model) {
  api::Router router;
  WallTimeModel* m = &model;  // not owned; see REQUIRES
  router.Add({"GET", "/healthz", "anyone", [](HttpRequest, Reply reply) {
                reply->Reply(Ok({{"ok", true}}));
              }});
  router.Add({"POST", "/api/train", "anyone",
              [m](HttpRequest request, Reply reply) { reply->Reply(Train(*m, request)); }});
  router.Add({"POST", "/api/predict", "anyone",
              [m](HttpRequest request, Reply reply) { reply->Reply(Predict(*m, request)); }});
  router.Add({"POST", "/api/observe", "anyone",
              [m](HttpRequest request, Reply reply) { reply->Reply(Observe(*m, request)); }});
  router.Add({"GET", "/api/metrics", "anyone",
              [m](HttpRequest, Reply reply) { reply->Reply(Ok(MetricsToJson(m->Metrics()))); }});
  return router;
}

}  // namespace converge::ml
