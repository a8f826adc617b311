#include "api/http_types.h"

#include <gtest/gtest.h>

namespace converge::api {
namespace {

TEST(HttpTypesTest, JsonErrorEscapes) {
  HttpResponse error = JsonError(400, "bad \"quote\"\n", "resources[0]");
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.body, "{\"error\":\"bad \\\"quote\\\"\\n\",\"field\":\"resources[0]\"}");
  HttpRequest request{.query = {{"a", "1"}}, .headers = {{"x-y", "z"}}};
  EXPECT_EQ(request.Query("a"), "1");
  EXPECT_EQ(request.Query("b", "fallback"), "fallback");
  EXPECT_EQ(request.Header("x-y"), "z");
  EXPECT_EQ(request.Header("x-z"), "");
}

}  // namespace
}  // namespace converge::api
