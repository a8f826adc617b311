#include "benchmarks/option_values.h"

#include <gtest/gtest.h>

namespace converge::benchmarks {
namespace {

TEST(CheckOptionNamesTest, NamesTheUnknownOptionWithAHint) {
  const OptionList known = {{"runtime", "seconds"}, {"size", "bytes"}};
  EXPECT_TRUE(CheckOptionNames("fio", {{"size", "4k"}}, known).ok());
  Status status = CheckOptionNames("fio", {{"runtim", "5"}}, known);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.where(), "options.runtim");
  EXPECT_NE(status.message().find("did you mean 'runtime'"), std::string::npos);
  EXPECT_NE(status.message().find("runtime, size"), std::string::npos);
}

TEST(ParseCountTest, TakesPlainDecimalsInRangeOnly) {
  EXPECT_EQ(*ParseCount({}, "n", 7, 1, 10), 7);
  EXPECT_EQ(*ParseCount({{"n", "10"}}, "n", 7, 1, 10), 10);
  for (const char* bad : {"", "11", "0", "-1", "+5", " 5", "5 ", "5.0", "0x5", "5;ls", "1e3",
                          "99999999999999999999999"}) {
    Result<int64_t> value = ParseCount({{"n", bad}}, "n", 7, 1, 10);
    EXPECT_FALSE(value.ok()) << bad;
    if (!value.ok()) {
      EXPECT_EQ(value.status().where(), "options.n");
    }
  }
}

TEST(ParseSizeTest, TakesDigitsWithOneSuffix) {
  EXPECT_EQ(*ParseSize({}, "bs", "4k"), "4k");
  for (const char* good : {"1", "4k", "4K", "64m", "1G", "512"}) {
    EXPECT_EQ(*ParseSize({{"bs", good}}, "bs", "4k"), good);
  }
  for (const char* bad : {"", "0", "0k", "k", "4kb", "4 k", "-4k", "4t", "4k;", "$(ls)",
                          "1234567890123"}) {
    Result<std::string> value = ParseSize({{"bs", bad}}, "bs", "4k");
    EXPECT_FALSE(value.ok()) << bad;
    if (!value.ok()) {
      EXPECT_EQ(value.status().where(), "options.bs");
    }
  }
}

TEST(ParseChoiceTest, TakesOnlyTheListedWords) {
  EXPECT_EQ(*ParseChoice({}, "rw", "read", {"read", "write"}), "read");
  EXPECT_EQ(*ParseChoice({{"rw", "write"}}, "rw", "read", {"read", "write"}), "write");
  Result<std::string> bad = ParseChoice({{"rw", "Write"}}, "rw", "read", {"read", "write"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().where(), "options.rw");
  EXPECT_NE(bad.status().message().find("read, write"), std::string::npos);
}

TEST(ParseFlagTest, TakesTrueFalseYesNoOneZero) {
  EXPECT_TRUE(*ParseFlag({{"r", "yes"}}, "r", false));
  EXPECT_FALSE(*ParseFlag({{"r", "0"}}, "r", true));
  EXPECT_TRUE(*ParseFlag({}, "r", true));
  EXPECT_EQ(ParseFlag({{"r", "maybe"}}, "r", false).status().where(), "options.r");
}

TEST(ParseAbsolutePathTest, RefusesRelativePathsAndLineBreaks) {
  EXPECT_FALSE(ParseAbsolutePath({}, "input")->has_value());
  EXPECT_EQ(**ParseAbsolutePath({{"input", "/data/in.lj"}}, "input"), "/data/in.lj");
  EXPECT_EQ(**ParseAbsolutePath({{"input", "/it's $(here)"}}, "input"), "/it's $(here)");
  for (std::string bad : {std::string("in.lj"), std::string(""), std::string("-rf"),
                          std::string("/a\nb"), std::string("/a\0b", 4),
                          std::string(5000, '/')}) {
    Result<std::optional<std::string>> path = ParseAbsolutePath({{"input", bad}}, "input");
    EXPECT_FALSE(path.ok()) << bad;
    if (!path.ok()) {
      EXPECT_EQ(path.status().where(), "options.input");
    }
  }
}

}  // namespace
}  // namespace converge::benchmarks
