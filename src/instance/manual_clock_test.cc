#include "instance/manual_clock.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace converge::instance {
namespace {

using std::chrono::milliseconds;

TEST(ManualClock, TimeMovesOnlyInAdvance) {
  ManualClock clock(100.0);
  EXPECT_EQ(clock.Now(), 100.0);
  clock.Advance(milliseconds(1500));
  EXPECT_EQ(clock.Now(), 101.5);
}

TEST(ManualClock, TimersFireInDueOrderWithNowAtTheirDueTime) {
  ManualClock clock(0);
  std::vector<std::string> fired;
  auto late = clock.After(milliseconds(300),
                          [&] { fired.push_back("late@" + std::to_string(clock.Now())); });
  auto early = clock.After(milliseconds(100),
                           [&] { fired.push_back("early@" + std::to_string(clock.Now())); });
  auto tie = clock.After(milliseconds(100), [&] { fired.push_back("tie"); });
  EXPECT_EQ(clock.pending(), 3u);
  EXPECT_EQ(clock.next_due(), milliseconds(100));
  clock.Advance(milliseconds(99));
  EXPECT_TRUE(fired.empty());
  clock.Advance(milliseconds(201));
  EXPECT_EQ(fired, (std::vector<std::string>{"early@" + std::to_string(0.1), "tie",
                                             "late@" + std::to_string(0.3)}));
  EXPECT_EQ(clock.pending(), 0u);
  EXPECT_EQ(clock.next_due(), std::nullopt);
}

TEST(ManualClock, CancelledAndDestroyedTimersNeverFire) {
  ManualClock clock;
  int fired = 0;
  auto cancelled = clock.After(milliseconds(10), [&] { ++fired; });
  cancelled->Cancel();
  clock.After(milliseconds(10), [&] { ++fired; });  // handle dropped at once: cancelled
  EXPECT_EQ(clock.pending(), 0u);
  clock.Advance(milliseconds(50));
  EXPECT_EQ(fired, 0);
}

TEST(ManualClock, ATimerArmedByAFiringOneFiresWithinTheSameAdvance) {
  ManualClock clock(0);
  std::vector<double> times;
  std::unique_ptr<Timer> timer;
  std::function<void()> tick = [&] {
    times.push_back(clock.Now());
    timer = clock.After(milliseconds(1000), tick);  // replaces (destroys) the firing handle
  };
  timer = clock.After(milliseconds(1000), tick);
  clock.Advance(milliseconds(3500));
  EXPECT_EQ(times, (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_EQ(clock.next_due(), milliseconds(500));
}

TEST(ManualClock, AZeroDelayWaitsForAnAdvance) {
  ManualClock clock;
  bool fired = false;
  auto timer = clock.After(milliseconds(-5), [&] { fired = true; });
  EXPECT_FALSE(fired);  // never from within After()
  clock.Advance(milliseconds(0));
  EXPECT_TRUE(fired);
}

TEST(ManualClock, TimersMayOutliveTheClock) {
  std::unique_ptr<Timer> timer;
  {
    ManualClock clock;
    timer = clock.After(milliseconds(1), [] {});
  }
  timer->Cancel();
  timer.reset();
}

}  // namespace
}  // namespace converge::instance
