#include "common/signal_name.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace converge {
namespace {

TEST(SignalNameTest, NamesWithOrWithoutSigAndNumbers) {
  EXPECT_EQ(*ParseSignal("USR1"), SIGUSR1);
  EXPECT_EQ(*ParseSignal("sigterm"), SIGTERM);
  EXPECT_EQ(*ParseSignal("SIGKILL"), SIGKILL);
  EXPECT_EQ(*ParseSignal("10"), 10);
  EXPECT_EQ(*ParseSignal("64"), 64);
  for (const char* bad : {"", "0", "65", "-1", "SIG", "USR3", "1x"}) {
    EXPECT_FALSE(ParseSignal(bad).ok()) << bad;
  }
  EXPECT_EQ(SignalName(SIGUSR2), "USR2");
  EXPECT_EQ(SignalName(40), "40");
}

}  // namespace
}  // namespace converge
