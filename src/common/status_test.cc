#include "common/status.h"

#include <gtest/gtest.h>

namespace converge {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.ToString(), "ok");
}

TEST(StatusTest, ToStringJoinsWhereAndMessage) {
  Status status = Status::Invalid("resources[0].count", "must be >= 1");
  EXPECT_EQ(status.ToString(), "resources[0].count: must be >= 1");
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
}

TEST(StatusTest, WithPrefixBuildsFieldPaths) {
  Status inner = Status::Invalid("count", "must be >= 1");
  EXPECT_EQ(inner.WithPrefix("resources[0].with[1]").where(), "resources[0].with[1].count");
  Status indexed = Status::Invalid("[2]", "not a string");
  EXPECT_EQ(indexed.WithPrefix("command").where(), "command[2]");
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = Status(Code::kNotFound, "no such job");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace converge
