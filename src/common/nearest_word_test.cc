#include "common/nearest_word.h"

#include <gtest/gtest.h>

namespace converge {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("--nodes", "--nodes"), 0u);
  EXPECT_EQ(EditDistance("--node", "--nodes"), 1u);
  EXPECT_EQ(EditDistance("--ndoes", "--nodes"), 1u);
  EXPECT_EQ(EditDistance("--nodez", "--nodes"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(NearestWordTest, SuggestsOnlyCloseWords) {
  const std::vector<std::string> options = {"-N", "--nodes", "--ntasks", "--time-limit", "--exclusive"};
  EXPECT_EQ(NearestWord("--ndoes", options), "--nodes");
  EXPECT_EQ(NearestWord("--ntask", options), "--ntasks");
  EXPECT_EQ(NearestWord("--time-limt", options), "--time-limit");
  EXPECT_EQ(NearestWord("--dry-run", options), "");
  EXPECT_EQ(NearestWord("-Z", options), "");
  EXPECT_EQ(NearestWord("--x", {}), "");
}

}  // namespace
}  // namespace converge
