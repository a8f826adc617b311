#include "instance/asio_clock.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <thread>

namespace converge::instance {
namespace {

using std::chrono::milliseconds;

TEST(AsioClock, NowIsTheWallClock) {
  boost::asio::io_context io;
  AsioClock clock(io);
  const double wall =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(clock.Now(), wall, 1.0);
}

TEST(AsioClock, ATimerFiresOnTheLoopAfterItsDelay) {
  boost::asio::io_context io;
  AsioClock clock(io);
  const auto begin = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point fired_at;
  auto timer = clock.After(milliseconds(20), [&] { fired_at = std::chrono::steady_clock::now(); });
  EXPECT_EQ(fired_at, std::chrono::steady_clock::time_point{});
  io.run_for(std::chrono::seconds(5));
  ASSERT_NE(fired_at, std::chrono::steady_clock::time_point{});
  EXPECT_GE(fired_at - begin, milliseconds(20));
}

// asio runs a handler that was ready when its timer was cancelled anyway: the Timer must
// still keep its call from running.
TEST(AsioClock, ACancelledTimerNeverFiresEvenWhenAlreadyDue) {
  boost::asio::io_context io;
  AsioClock clock(io);
  int fired = 0;
  std::unique_ptr<Timer> cancelled;
  std::unique_ptr<Timer> destroyed;
  auto first = clock.After(milliseconds(0), [&] {
    cancelled->Cancel();
    destroyed.reset();
  });
  cancelled = clock.After(milliseconds(0), [&] { ++fired; });
  destroyed = clock.After(milliseconds(0), [&] { ++fired; });
  std::this_thread::sleep_for(milliseconds(5));  // all three are due before the loop runs
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace converge::instance
