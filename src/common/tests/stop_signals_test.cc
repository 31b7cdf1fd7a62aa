#include "common/stop_signals.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>

namespace stockpulse {
namespace {

struct Target {
  std::atomic<int> stops{0};
  void request_stop() { stops.fetch_add(1); }
};

void (*current_handler(int sig))(int) {
  struct sigaction sa {};
  sigaction(sig, nullptr, &sa);
  return sa.sa_handler;
}

TEST(StopSignalsTest, FirstSignalRequestsAStopAndCallsTheTarget) {
  Target target;
  {
    const StopSignals signals(target);
    EXPECT_FALSE(StopSignals::requested());
    std::raise(SIGTERM);
    EXPECT_TRUE(StopSignals::requested());
    EXPECT_TRUE(StopSignals::flag().load());
    EXPECT_EQ(target.stops.load(), 1);
  }
  // A new scope starts unrequested.
  const StopSignals again;
  EXPECT_FALSE(StopSignals::requested());
  std::raise(SIGINT);
  EXPECT_TRUE(StopSignals::requested());
  EXPECT_EQ(target.stops.load(), 1);  // not the target of this scope
}

TEST(StopSignalsTest, RestoresThePreviousHandlers) {
  auto before_int = current_handler(SIGINT);
  auto before_term = current_handler(SIGTERM);
  {
    const StopSignals signals;
    EXPECT_NE(current_handler(SIGINT), before_int);
    EXPECT_NE(current_handler(SIGTERM), before_term);
  }
  EXPECT_EQ(current_handler(SIGINT), before_int);
  EXPECT_EQ(current_handler(SIGTERM), before_term);
}

TEST(StopSignalsDeathTest, SecondSignalExitsAtOnceWith130) {
  EXPECT_EXIT(
      {
        const StopSignals signals;
        std::raise(SIGINT);
        std::raise(SIGINT);
        std::exit(0);  // not reached when the second signal exits
      },
      ::testing::ExitedWithCode(130), "");
}

}  // namespace
}  // namespace stockpulse
