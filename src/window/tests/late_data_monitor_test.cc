#include "window/late_data_monitor.h"

#include <gtest/gtest.h>

namespace stockpulse {
namespace {

TEST(LateDataMonitor, WarnsOnceWhenMostOfTheSampleIsLate) {
  LateDataMonitor m(10, 0.5);
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(m.record(i < 6).has_value());
  auto w = m.record(false);  // 6 of 10 late
  ASSERT_TRUE(w.has_value());
  EXPECT_NE(w->find("--rebase-time"), std::string::npos);
  EXPECT_NE(w->find("6 of the first 10"), std::string::npos);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(m.record(true).has_value());
  EXPECT_FALSE(m.finish().has_value());
}

TEST(LateDataMonitor, SilentWhenHalfOrLessIsLate) {
  LateDataMonitor m(10, 0.5);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(m.record(i % 2 == 0).has_value());
  EXPECT_FALSE(m.finish().has_value());
}

TEST(LateDataMonitor, ShortInputGetsVerdictAtFinish) {
  LateDataMonitor m(1000, 0.5);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(m.record(true).has_value());
  EXPECT_TRUE(m.finish().has_value());
  EXPECT_FALSE(m.finish().has_value());
}

}  // namespace
}  // namespace stockpulse
