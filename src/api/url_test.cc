#include "api/url.h"

#include <gtest/gtest.h>

namespace converge::api {
namespace {

TEST(UrlTest, DecodesThePathButKeepsPlus) {
  Target target = ParseTarget("/v1/jobs/a%20b+c%2f");
  EXPECT_EQ(target.path, "/v1/jobs/a b+c/");
  EXPECT_TRUE(target.query.empty());
}

TEST(UrlTest, SplitsAndDecodesTheQuery) {
  Target target = ParseTarget("/v1/jobs?state=RUN%2CSCHED&user=a+b&watch&&=x&limit=5&limit=6");
  EXPECT_EQ(target.path, "/v1/jobs");
  const std::map<std::string, std::string> expected = {
      {"state", "RUN,SCHED"}, {"user", "a b"}, {"watch", ""}, {"limit", "6"}};
  EXPECT_EQ(target.query, expected);
}

TEST(UrlTest, KeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%41%62", false), "Ab");
}

}  // namespace
}  // namespace converge::api
