#include "common/hostlist.h"

#include <gtest/gtest.h>

namespace converge {
namespace {

std::vector<std::string> Names(const std::string& prefix, int lo, int hi) {
  std::vector<std::string> names;
  for (int i = lo; i <= hi; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

TEST(HostlistTest, CompressesRangesByPrefix) {
  EXPECT_EQ(CompressHostlist(Names("node", 0, 127)), "node[0-127]");
  std::vector<std::string> names = {"node0", "node1", "gpu1", "node2", "node3", "node7", "gpu2"};
  EXPECT_EQ(CompressHostlist(names), "node[0-3,7],gpu[1-2]");
  EXPECT_EQ(CompressHostlist({"node7"}), "node7");
  EXPECT_EQ(CompressHostlist({}), "");
}

TEST(HostlistTest, CompressKeepsPlainNamesAndDeduplicates) {
  EXPECT_EQ(CompressHostlist({"login", "node2", "node1", "node2"}), "login,node[1-2]");
}

TEST(HostlistTest, CompressKeepsZeroPadding) {
  std::vector<std::string> names;
  for (int i = 1; i <= 9; ++i) names.push_back("node0" + std::to_string(i));
  names.push_back("node10");
  EXPECT_EQ(CompressHostlist(names), "node[01-10]");
  EXPECT_EQ(CompressHostlist({"n001", "n002", "n1"}), "n1,n[001-002]");
}

TEST(HostlistTest, ExpandIsTheInverse) {
  for (std::string list : {"node[0-3,7],gpu[1-2]", "node[01-10]", "login,node[1-2]", "node7"}) {
    Result<std::vector<std::string>> names = ExpandHostlist(list);
    ASSERT_TRUE(names.ok()) << list << ": " << names.status().ToString();
    EXPECT_EQ(CompressHostlist(*names), list);
  }
  EXPECT_EQ(*ExpandHostlist("rack[1-2]-a"), (std::vector<std::string>{"rack1-a", "rack2-a"}));
  EXPECT_EQ(*ExpandHostlist("n[08-10]"), (std::vector<std::string>{"n08", "n09", "n10"}));
  EXPECT_TRUE(ExpandHostlist("")->empty());
}

TEST(HostlistTest, ExpandRejectsBadSyntax) {
  for (const char* bad :
       {"node[", "node]", "node[1-", "node[3-1]", "node[a]", "node[]", "node[1,,2]", "a,,b", ",",
        "node[1]x[2]", "node[[1]]", "node[1-2-3]", "n[1234567890123456789]"}) {
    Result<std::vector<std::string>> names = ExpandHostlist(bad);
    EXPECT_FALSE(names.ok()) << bad;
    if (!names.ok()) {
      EXPECT_EQ(names.status().code(), Code::kInvalidArgument);
    }
  }
}

TEST(HostlistTest, ExpandCapsSize) {
  EXPECT_FALSE(ExpandHostlist("n[0-999999999999]").ok());
  EXPECT_FALSE(ExpandHostlist("n[0-600000],m[0-600000]").ok());
  EXPECT_TRUE(ExpandHostlist("n[1-1000000]").ok());
  EXPECT_FALSE(ExpandIds("0-1000000").ok());
}

TEST(IdsetTest, CompressAndExpand) {
  EXPECT_EQ(CompressIds({7, 3, 0, 1, 2, 2}), "0-3,7");
  EXPECT_EQ(CompressIds({}), "");
  EXPECT_EQ(CompressIds({5}), "5");
  EXPECT_EQ(*ExpandIds("0-3,7"), (std::vector<int64_t>{0, 1, 2, 3, 7}));
  EXPECT_EQ(*ExpandIds("[7,0-1]"), (std::vector<int64_t>{0, 1, 7}));
  EXPECT_TRUE(ExpandIds("")->empty());
  for (const char* bad : {"-1", "1-", "x", "3-1", "1,,2", "1;2", "[1"}) {
    EXPECT_FALSE(ExpandIds(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace converge
