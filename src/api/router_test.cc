#include "api/router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace converge::api {
namespace {

class Capture : public Responder {
 public:
  void Reply(HttpResponse response) override { last = std::move(response); }
  std::shared_ptr<Stream> StartStream(int, const std::string&) override { return nullptr; }
  HttpResponse last;
};

TEST(RouterTest, FillsParametersAndAnswers404And405) {
  Router router;
  std::string seen;
  router.Add({"POST", "/v1/jobs/{id}/cancel", "owner",
              [&](HttpRequest request, std::shared_ptr<Responder> reply) {
                seen = request.params["id"];
                reply->Reply(JsonResponse(200, "{}"));
              }});
  auto capture = std::make_shared<Capture>();
  router.Dispatch({.method = "POST", .path = "/v1/jobs/42/cancel"}, capture);
  EXPECT_EQ(seen, "42");
  EXPECT_EQ(capture->last.status, 200);
  router.Dispatch({.method = "GET", .path = "/v1/jobs/42/cancel"}, capture);
  EXPECT_EQ(capture->last.status, 405);
  router.Dispatch({.method = "GET", .path = "/v1/other"}, capture);
  EXPECT_EQ(capture->last.status, 404);
  auto body = nlohmann::json::parse(capture->last.body);
  EXPECT_EQ(body["error"], "no route for GET /v1/other");
  EXPECT_EQ(body["field"], "");
  EXPECT_EQ(router.routes().size(), 1u);
}

}  // namespace
}  // namespace converge::api
