#include "workload/dependency_cycle.h"

#include <gtest/gtest.h>

#include <vector>

namespace converge::workload {
namespace {

using Graph = std::vector<std::vector<size_t>>;

TEST(FindCycle, AcyclicGraphsHaveNone) {
  EXPECT_FALSE(FindCycle({}).has_value());
  EXPECT_FALSE(FindCycle(Graph{{}, {0}, {0, 1}}).has_value());
  EXPECT_FALSE(FindCycle(Graph{{1, 2}, {3}, {3}, {}}).has_value());  // a diamond
}

TEST(FindCycle, ReportsTheLoopFromTheClosingNode) {
  EXPECT_EQ(FindCycle(Graph{{1}, {0}}), (std::vector<size_t>{1, 0, 1}));
  EXPECT_EQ(FindCycle(Graph{{0}}), (std::vector<size_t>{0, 0}));
  EXPECT_EQ(FindCycle(Graph{{}, {2}, {3}, {1}}), (std::vector<size_t>{3, 1, 2, 3}));
}

TEST(FindCycle, LongChainsDoNotRecurse) {
  Graph chain(200000);
  for (size_t i = 0; i + 1 < chain.size(); ++i) chain[i].push_back(i + 1);
  EXPECT_FALSE(FindCycle(chain).has_value());
  chain.back().push_back(0);
  const std::optional<std::vector<size_t>> cycle = FindCycle(chain);
  ASSERT_TRUE(cycle.has_value());
  EXPECT_EQ(cycle->size(), chain.size() + 1);
  EXPECT_EQ(cycle->front(), chain.size() - 1);
}

}  // namespace
}  // namespace converge::workload
