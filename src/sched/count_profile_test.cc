#include "sched/count_profile.h"

#include <gtest/gtest.h>

namespace converge::sched {
namespace {

TEST(CountProfileTest, LevelsAddUpAndMergeBack) {
  CountProfile profile;
  profile.Change(10, 20, 3);
  profile.Change(15, 30, 2);
  EXPECT_EQ(profile.At(9), 0);
  EXPECT_EQ(profile.At(10), 3);
  EXPECT_EQ(profile.At(15), 5);
  EXPECT_EQ(profile.At(20), 2);
  EXPECT_EQ(profile.At(30), 0);
  profile.Change(15, 30, -2);
  profile.Change(10, 20, -3);
  EXPECT_TRUE(profile.empty());
}

TEST(CountProfileTest, AssignEqualsChanges) {
  CountProfile assigned;
  assigned.Assign({{0, 100, 4}, {50, 150, 2}, {100, 100, 9}, {150, 200, 1}});
  for (CountProfile::Time t : {-1, 0, 49, 50, 99, 100, 149, 150, 199, 200}) {
    const int64_t expected = (t >= 0 && t < 100 ? 4 : 0) + (t >= 50 && t < 150 ? 2 : 0) +
                             (t >= 150 && t < 200 ? 1 : 0);
    EXPECT_EQ(assigned.At(t), expected) << t;
  }
}

// 8 units: 6 in use until 100, then 2 until 200. A job of 4 for 50 s fits at 100; one of 7
// at 200; one of 2 now; one of 9 never (before `before`).
TEST(CountProfileTest, EarliestFitFindsTheFirstWholeWindow) {
  CountProfile profile;
  profile.Change(0, 100, 4);
  profile.Change(0, 200, 2);
  EXPECT_EQ(profile.EarliestFit(0, 2, 1000, 8), 0);
  EXPECT_EQ(profile.EarliestFit(0, 4, 50, 8), 100);
  EXPECT_EQ(profile.EarliestFit(0, 7, 50, 8), 200);
  EXPECT_EQ(profile.EarliestFit(0, 4, 50, 8, /*before=*/100), 100);
  EXPECT_EQ(profile.EarliestFit(0, 9, 50, 8, /*before=*/500), 500);
  // A hole of 2 s between two uses fits a 2 s job; a 3 s one waits until 200, when 4 are
  // in use again.
  profile.Change(102, 300, 4);
  EXPECT_EQ(profile.EarliestFit(0, 4, 2, 8), 100);
  EXPECT_EQ(profile.EarliestFit(0, 4, 3, 8), 200);
  EXPECT_EQ(profile.EarliestFit(0, 5, 3, 8), 300);
}

TEST(CountProfileTest, ForgetKeepsTheLevelInForce) {
  CountProfile profile;
  profile.Change(0, 100, 4);
  profile.Change(50, 60, 1);
  profile.Forget(55);
  EXPECT_EQ(profile.At(55), 5);
  EXPECT_EQ(profile.At(60), 4);
  EXPECT_EQ(profile.At(100), 0);
  profile.Forget(100);
  EXPECT_TRUE(profile.empty());
}

}  // namespace
}  // namespace converge::sched
