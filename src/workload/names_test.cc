#include "workload/names.h"

#include <gtest/gtest.h>

namespace converge::workload {
namespace {

TEST(Names, DnsLabel) {
  EXPECT_TRUE(IsDnsLabel("a"));
  EXPECT_TRUE(IsDnsLabel("train-2"));
  EXPECT_TRUE(IsDnsLabel("0a"));
  EXPECT_FALSE(IsDnsLabel(""));
  EXPECT_FALSE(IsDnsLabel("a-"));
  EXPECT_FALSE(IsDnsLabel("-a"));
  EXPECT_FALSE(IsDnsLabel("a.b"));
  EXPECT_FALSE(IsDnsLabel("aB"));
}

TEST(Names, Identifier) {
  EXPECT_TRUE(IsIdentifier("rack"));
  EXPECT_TRUE(IsIdentifier("_x-1"));
  EXPECT_TRUE(IsIdentifier("NumaNode"));
  EXPECT_FALSE(IsIdentifier(""));
  EXPECT_FALSE(IsIdentifier("1rack"));
  EXPECT_FALSE(IsIdentifier("ra ck"));
}

TEST(Names, CheckName) {
  EXPECT_TRUE(CheckName("train", "metadata.name").ok());
  EXPECT_EQ(CheckName(std::string(41, 'a'), "n").ToString(), "n: must be at most 40 characters");
  EXPECT_EQ(CheckName("", "n").ToString(), "n: must not be empty");
}

}  // namespace
}  // namespace converge::workload
