#include "jobspec/duration.h"

#include <gtest/gtest.h>

namespace converge::jobspec {
namespace {

TEST(ParseDuration, AcceptsPlainSeconds) {
  EXPECT_EQ(*ParseDuration("90"), 90);
  EXPECT_EQ(*ParseDuration("1.5"), 1.5);
  EXPECT_EQ(*ParseDuration("0"), 0);
}
TEST(ParseDuration, AcceptsSuffixes) {
  EXPECT_EQ(*ParseDuration("30s"), 30);
  EXPECT_EQ(*ParseDuration("5m"), 300);
  EXPECT_EQ(*ParseDuration("2h"), 7200);
  EXPECT_EQ(*ParseDuration("1d"), 86400);
  EXPECT_EQ(*ParseDuration("1.5h"), 5400);
  EXPECT_DOUBLE_EQ(*ParseDuration("250ms"), 0.25);
}
TEST(ParseDuration, RejectsNegative) {
  EXPECT_EQ(ParseDuration("-5").status().message(), "duration '-5' must be >= 0");
  EXPECT_FALSE(ParseDuration("-1h").ok());
}
TEST(ParseDuration, RejectsEmptyAndGarbage) {
  EXPECT_EQ(ParseDuration("").status().message(), "duration is empty");
  EXPECT_EQ(ParseDuration("h").status().message(), "duration 'h' has no number");
  EXPECT_EQ(ParseDuration("abc").status().message(),
            "duration 'abc' is not a number with an optional ms/s/m/h/d suffix");
  EXPECT_FALSE(ParseDuration("1x").ok());
  EXPECT_FALSE(ParseDuration("1 h").ok());
  EXPECT_FALSE(ParseDuration("1.2.3").ok());
  EXPECT_FALSE(ParseDuration("1e3").ok());
  EXPECT_FALSE(ParseDuration("+1").ok());
}
TEST(ParseDuration, RejectsInfAndNan) {
  EXPECT_FALSE(ParseDuration("inf").ok());
  EXPECT_FALSE(ParseDuration("nan").ok());
  EXPECT_FALSE(ParseDuration(std::string(400, '9')).ok());
}
TEST(FormatDuration, PicksTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(0), "0");
  EXPECT_EQ(FormatDuration(30), "30s");
  EXPECT_EQ(FormatDuration(300), "5m");
  EXPECT_EQ(FormatDuration(7200), "2h");
  EXPECT_EQ(FormatDuration(86400), "1d");
  EXPECT_EQ(FormatDuration(90), "90s");
  EXPECT_EQ(FormatDuration(0.25), "0.25s");
}
TEST(FormatDuration, RoundTripsThroughParse) {
  for (double seconds : {0.0, 0.1, 1.0, 59.5, 61.0, 3600.0, 5400.0, 1e9, 123.456}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(seconds)), seconds) << FormatDuration(seconds);
  }
}

}  // namespace
}  // namespace converge::jobspec
