#include "analytics/indicator_state.h"

#include <gtest/gtest.h>

#include <cmath>

namespace stockpulse {
namespace {

EventTime minute(int64_t m) {
  return EventTime(m * 60000);
}

TEST(IndicatorState, NaNUntilEnoughData) {
  IndicatorState st;
  for (int i = 1; i <= 14; ++i) {
    auto v = st.update(minute(i), i).value();
    EXPECT_TRUE(std::isnan(v.rsi_14)) << i;
    EXPECT_TRUE(std::isnan(v.ema_20));
    EXPECT_TRUE(std::isnan(v.sma_50));
  }
  // 15th close: 14 changes, all gains → RSI 100.
  EXPECT_EQ(st.update(minute(15), 15).value().rsi_14, 100.0);
}

TEST(IndicatorState, EmaSeededWithSmaThenSmoothed) {
  IndicatorState st;
  for (int i = 1; i <= 19; ++i) (void)st.update(minute(i), i);
  EXPECT_DOUBLE_EQ(st.update(minute(20), 20).value().ema_20, 10.5);  // mean of 1..20
  // 19/21 * 10.5 + 2/21 * 21 = 241.5 / 21 = 11.5
  EXPECT_NEAR(st.update(minute(21), 21).value().ema_20, 11.5, 1e-12);
}

TEST(IndicatorState, Sma50) {
  IndicatorState st;
  for (int i = 1; i <= 49; ++i) EXPECT_TRUE(std::isnan(st.update(minute(i), i).value().sma_50));
  EXPECT_DOUBLE_EQ(st.update(minute(50), 50).value().sma_50, 25.5);
  EXPECT_DOUBLE_EQ(st.update(minute(51), 51).value().sma_50, 26.5);  // mean of 2..51
}

TEST(IndicatorState, RsiWilderSmoothing) {
  IndicatorState st;
  // Changes +1, -1 seven times: avg gain = avg loss = 0.5 → RSI 50.
  double c = 100;
  (void)st.update(minute(0), c);
  for (int i = 1; i <= 14; ++i) {
    c += (i % 2) ? 1 : -1;
    auto v = st.update(minute(i), c).value();
    if (i < 14) {
      EXPECT_TRUE(std::isnan(v.rsi_14));
    }
    if (i == 14) {
      EXPECT_DOUBLE_EQ(v.rsi_14, 50.0);
    }
  }
  // Change +2: avg gain = (0.5*13 + 2)/14 = 8.5/14, avg loss = 6.5/14 → RSI = 100 * 8.5 / 15.
  EXPECT_NEAR(st.update(minute(15), c + 2).value().rsi_14, 100.0 * 8.5 / 15, 1e-12);
}

TEST(IndicatorState, FlatSeriesRsiIs50) {
  IndicatorState st;
  for (int i = 0; i < 20; ++i) (void)st.update(minute(i), 42.0);
  EXPECT_EQ(st.last()->rsi_14, 50.0);
  EXPECT_EQ(st.last()->ema_20, 42.0);
}

TEST(IndicatorState, RevisionReplacesLatestMinute) {
  IndicatorState revised, fresh;
  for (int i = 0; i < 30; ++i) {
    const double c = 100 + std::sin(i) * 3;
    (void)revised.update(minute(i), c + 5);  // first guess, then revised
    auto r = revised.update(minute(i), c).value();
    auto f = fresh.update(minute(i), c).value();
    EXPECT_EQ(r.close, f.close);
    if (!std::isnan(f.rsi_14)) {
      EXPECT_EQ(r.rsi_14, f.rsi_14) << i;
    }
    if (!std::isnan(f.ema_20)) {
      EXPECT_EQ(r.ema_20, f.ema_20) << i;
    }
  }
}

TEST(IndicatorState, RejectsOutOfOrderAndNaN) {
  IndicatorState st;
  ASSERT_TRUE(st.update(minute(5), 10).ok());
  auto late = st.update(minute(4), 11);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error(), IndicatorError::kOutOfOrder);
  auto nan = st.update(minute(6), std::nan(""));
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.error(), IndicatorError::kInvalidClose);
  EXPECT_EQ(st.last()->close, 10);
}

}  // namespace
}  // namespace stockpulse
