#include "api/router.h"

#include <gtest/gtest.h>

namespace converge::api {
namespace {

// Records the answer instead of sending it.
class Capture : public Responder {
 public:
  void Reply(HttpResponse response) override {
    ++replies;
    last = std::move(response);
  }
  std::shared_ptr<Stream> StartStream(int, const std::string&) override { return nullptr; }
  HttpResponse last;
  int replies = 0;
};

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::string pattern : {"/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/cancel"}) {
      for (std::string method : {"GET", "POST"}) {
        if (pattern == "/v1/jobs/{id}/cancel" && method == "GET") continue;
        router_.Add({method, pattern, "anyone",
                     [this, method, pattern](HttpRequest request, std::shared_ptr<Responder> r) {
                       seen_ = method + " " + pattern;
                       params_ = request.params;
                       r->Reply(JsonResponse(200, "{}"));
                     }});
      }
    }
  }

  HttpResponse Dispatch(const std::string& method, const std::string& path) {
    auto capture = std::make_shared<Capture>();
    router_.Dispatch({.method = method, .path = path}, capture);
    EXPECT_EQ(capture->replies, 1) << method << " " << path;
    return capture->last;
  }

  Router router_;
  std::string seen_;
  std::map<std::string, std::string> params_;
};

TEST_F(RouterTest, MatchesMethodAndPatternAndFillsParameters) {
  EXPECT_EQ(Dispatch("POST", "/v1/jobs/42/cancel").status, 200);
  EXPECT_EQ(seen_, "POST /v1/jobs/{id}/cancel");
  EXPECT_EQ(params_, (std::map<std::string, std::string>{{"id", "42"}}));
  EXPECT_EQ(Dispatch("GET", "/v1/jobs/7").status, 200);
  EXPECT_EQ(seen_, "GET /v1/jobs/{id}");
  EXPECT_EQ(Dispatch("POST", "/v1/jobs").status, 200);
  EXPECT_EQ(seen_, "POST /v1/jobs");
  EXPECT_TRUE(params_.empty());
}

TEST_F(RouterTest, Answers404ForUnknownPaths) {
  for (const std::string path :
       {"/v1/x", "/v1/jobs/", "/v1/jobs//cancel", "/v1/jobs/1/cancel/x", "v1/jobs", ""}) {
    HttpResponse response = Dispatch("GET", path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.body, "{\"error\":\"no route for GET " + path + "\",\"field\":\"\"}");
  }
  EXPECT_TRUE(seen_.empty());
}

TEST_F(RouterTest, Answers405WithTheAllowedMethodsForKnownPaths) {
  HttpResponse response = Dispatch("GET", "/v1/jobs/42/cancel");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body,
            "{\"error\":\"GET is not allowed on /v1/jobs/42/cancel (allowed: POST)\","
            "\"field\":\"\"}");
  EXPECT_EQ(response.headers["Allow"], "POST");
  EXPECT_EQ(Dispatch("DELETE", "/v1/jobs").headers["Allow"], "GET, POST");
  EXPECT_TRUE(seen_.empty());
}

TEST_F(RouterTest, ListsItsRoutes) {
  ASSERT_EQ(router_.routes().size(), 5u);
  EXPECT_EQ(router_.routes()[4].method, "POST");
  EXPECT_EQ(router_.routes()[4].pattern, "/v1/jobs/{id}/cancel");
}

}  // namespace
}  // namespace converge::api
