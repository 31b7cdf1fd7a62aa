#include "analytics/alert_detector.h"

#include <gtest/gtest.h>

#include <cmath>

namespace stockpulse {
namespace {

constexpr int64_t kMin = 60000;

MarketWindowRow market(int64_t start_min, TrendSignal s) {
  MarketWindowRow r;
  r.symbol = "X";
  r.window_start = EventTime(start_min * kMin);
  r.window_end = EventTime((start_min + 5) * kMin);
  r.bar_count = 5;
  r.trend_signal = s;
  return r;
}

SentimentWindowRow sentiment(int64_t start_min, double avg) {
  SentimentWindowRow r;
  r.symbol = "X";
  r.window_start = EventTime(start_min * kMin);
  r.window_end = EventTime((start_min + 5) * kMin);
  r.tweet_count = 10;
  r.sentiment_score_avg = avg;
  return r;
}

TEST(AlertDetector, TrendSignalChangeOnceAndDeduplicated) {
  AlertDetector d;
  EXPECT_TRUE(d.on_market_window(market(0, TrendSignal::kBullish)).empty());
  EXPECT_TRUE(d.on_market_window(market(1, TrendSignal::kBullish)).empty());
  auto a = d.on_market_window(market(2, TrendSignal::kBearish));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, "trend_signal_change");
  EXPECT_EQ(a[0].symbol, "X");
  EXPECT_EQ(a[0].ts, EventTime(7 * kMin));
  EXPECT_NE(a[0].message.find("BULLISH -> BEARISH"), std::string::npos) << a[0].message;
  // Same window again (update mode, or a replay after restart): no second alert.
  EXPECT_TRUE(d.on_market_window(market(2, TrendSignal::kBearish)).empty());
  EXPECT_TRUE(d.on_market_window(market(3, TrendSignal::kBearish)).empty());
  // Other symbols have their own history.
  auto other = market(3, TrendSignal::kNeutral);
  other.symbol = "Y";
  EXPECT_TRUE(d.on_market_window(other).empty());
}

TEST(AlertDetector, SentimentSpikeNeedsBaseline) {
  AlertDetector d;
  // Nine baseline windows alternating ±0.1: not enough.
  for (int i = 0; i < 9; ++i)
    EXPECT_TRUE(d.on_sentiment_window(sentiment(i, i % 2 ? 0.1 : -0.1)).empty());
  EXPECT_TRUE(d.on_sentiment_window(sentiment(9, 0.1)).empty());  // 9 earlier: no verdict yet
  // Ten earlier windows: -0.1, 0.1, ... , -0.1, 0.1 → mean 0, sd = sqrt(10 * 0.01 / 9) ≈ 0.1054.
  // 0.4 → z ≈ 3.79.
  auto a = d.on_sentiment_window(sentiment(10, 0.4));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, "sentiment_spike");
  EXPECT_NEAR(a[0].value, 0.4 / std::sqrt(0.1 / 9), 1e-9);
  EXPECT_TRUE(d.on_sentiment_window(sentiment(10, 0.4)).empty());
}

TEST(AlertDetector, NoSpikeBelowThreshold) {
  AlertDetector d;
  for (int i = 0; i < 10; ++i) (void)d.on_sentiment_window(sentiment(i, i % 2 ? 0.1 : -0.1));
  // z = 0.3 / 0.1054 ≈ 2.85 < 3
  EXPECT_TRUE(d.on_sentiment_window(sentiment(10, 0.3)).empty());
  // Negative spike is caught too: z ≈ -3.8
  AlertDetector d2;
  for (int i = 0; i < 10; ++i) (void)d2.on_sentiment_window(sentiment(i, i % 2 ? 0.1 : -0.1));
  auto a = d2.on_sentiment_window(sentiment(10, -0.4));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_LT(a[0].value, -3);
}

TEST(AlertDetector, FlatBaselineNeverSpikes) {
  AlertDetector d;
  for (int i = 0; i < 12; ++i) (void)d.on_sentiment_window(sentiment(i, 0.2));
  EXPECT_TRUE(d.on_sentiment_window(sentiment(12, 0.9)).empty());
}

TEST(AlertDetector, FearGreedBandChange) {
  AlertDetector d;
  FearGreedReading r;
  r.minute = EventTime(0);
  r.score = 50;
  r.band = FearGreedBand::kNeutral;
  EXPECT_TRUE(d.on_fear_greed("X", r).empty());
  r.minute = EventTime(kMin);
  r.score = 52;
  EXPECT_TRUE(d.on_fear_greed("X", r).empty());
  r.minute = EventTime(2 * kMin);
  r.score = 80;
  r.band = FearGreedBand::kExtremeGreed;
  auto a = d.on_fear_greed("X", r);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, "fear_greed_band");
  EXPECT_EQ(a[0].value, 80);
  EXPECT_TRUE(d.on_fear_greed("X", r).empty());
}

}  // namespace
}  // namespace stockpulse
