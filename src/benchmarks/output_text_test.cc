#include "benchmarks/output_text.h"

#include <gtest/gtest.h>

#include "benchmarks/json_output.h"

namespace converge::benchmarks {
namespace {

TEST(LinesTest, SplitsOnNewlinesAndDropsCarriageReturns) {
  EXPECT_EQ(Lines(""), std::vector<std::string_view>{});
  EXPECT_EQ(Lines("a\r\nb\n\nc"), (std::vector<std::string_view>{"a", "b", "", "c"}));
  EXPECT_EQ(Lines("a\n"), std::vector<std::string_view>{"a"});
}

TEST(ParseNumberTest, TakesWholeFiniteNumbersOnly) {
  EXPECT_EQ(ParseNumber("1.5"), 1.5);
  EXPECT_EQ(ParseNumber("-1"), -1);
  EXPECT_EQ(ParseNumber("2.2e-07"), 2.2e-07);
  for (const char* bad : {"", " 1", "1s", "nan", "inf", "1e999", "--1", "0x"}) {
    EXPECT_FALSE(ParseNumber(bad).has_value()) << bad;
  }
}

TEST(LeadingNumberTest, ReadsTheNumberBeforeAnyText) {
  EXPECT_EQ(LeadingNumber("  4270.76 per second"), 4270.76);
  EXPECT_EQ(LeadingNumber("1.0002s"), 1.0002);
  EXPECT_FALSE(LeadingNumber("s1").has_value());
  EXPECT_FALSE(LeadingNumber("").has_value());
}

TEST(FindJsonObjectTest, SkipsLinesBeforeAndAfterTheObject) {
  Result<nlohmann::json> found =
      FindJsonObject("fio: note: {odd} warning\n{\"a\": {\"b\": [1, 2.5]}}\ntrailing\n", "fio");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(NumberAt(*found, {"a", "b", "1"}), 2.5);
  EXPECT_FALSE(NumberAt(*found, {"a", "b", "2"}).has_value());
  EXPECT_FALSE(NumberAt(*found, {"a", "c"}).has_value());
  EXPECT_FALSE(NumberAt(*found, {"a"}).has_value());
  EXPECT_EQ(JsonAt(*found, {"a", "b", "x"}), nullptr);
}

TEST(FindJsonObjectTest, RefusesTruncatedAndNonObjectJson) {
  EXPECT_FALSE(FindJsonObject("{\"a\": [1, 2", "fio").ok());
  EXPECT_FALSE(FindJsonObject("[1, 2]", "fio").ok());
  EXPECT_FALSE(FindJsonObject(std::string(100000, '{') + "}", "fio").ok());
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(100000, '}');
  EXPECT_TRUE(FindJsonObject(deep, "fio").ok());  // deep but whole: no crash either way
  Status status = FindJsonObject("nothing", "fio").status();
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.where(), "fio");
}

}  // namespace
}  // namespace converge::benchmarks
