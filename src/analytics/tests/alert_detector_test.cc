#include "analytics/alert_detector.h"

#include "analytics/market_agg.h"

#include <gtest/gtest.h>

#include <cmath>

namespace stockpulse {
namespace {

constexpr int64_t kMin = 60000;

// The raw rules: every change is an alert (no dwell, no hysteresis, no cool-down).
constexpr AlertConfig kRaw{.trend_dwell_windows = 1,
                           .trend_margin = 0,
                           .band_dwell_readings = 1,
                           .band_margin = 0,
                           .cooldown_s = 0};

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
  AlertDetector d(kRaw);
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
  AlertDetector d(kRaw);
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
  // neutral -> extreme_greed crosses two bands: warning.
  EXPECT_EQ(a[0].severity, AlertSeverity::kWarning);
  EXPECT_TRUE(d.on_fear_greed("X", r).empty());
}

// A market window whose average sits at `position` of its close range [100, 110].
MarketWindowRow positioned(int64_t start_min, double position, const char* symbol = "X") {
  MarketWindowRow r = market(start_min, TrendSignal::kNeutral);
  r.symbol = symbol;
  r.min_close = 100;
  r.max_close = 110;
  r.avg_close = 100 + 10 * position;
  r.trend_signal = trend_signal_of(r.avg_close, r.min_close, r.max_close);
  return r;
}

FearGreedReading reading(int64_t minute, double score) {
  FearGreedReading r;
  r.minute = EventTime(minute * kMin);
  r.score = score;
  r.band = fear_greed_band(score);
  return r;
}

TEST(AlertDetector, TrendChangeMustHoldForTheDwell) {
  AlertDetector d(AlertConfig{.trend_dwell_windows = 3, .trend_margin = 0, .cooldown_s = 0});
  EXPECT_TRUE(d.on_market_window(positioned(0, 0.9)).empty());  // starts BULLISH: no alert
  // Two bearish windows, then bullish again: a blip, no alert.
  EXPECT_TRUE(d.on_market_window(positioned(1, 0.1)).empty());
  EXPECT_TRUE(d.on_market_window(positioned(2, 0.1)).empty());
  EXPECT_TRUE(d.on_market_window(positioned(3, 0.9)).empty());
  // Three bearish windows in a row: the third confirms the change, at its window end.
  EXPECT_TRUE(d.on_market_window(positioned(4, 0.1)).empty());
  EXPECT_TRUE(d.on_market_window(positioned(5, 0.1)).empty());
  auto a = d.on_market_window(positioned(6, 0.02));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].ts, EventTime(11 * kMin));
  EXPECT_NE(a[0].message.find("BULLISH -> BEARISH"), std::string::npos) << a[0].message;
  // Strength |2 * 0.02 - 1| = 0.96 is critical already; a direct flip could not go higher.
  EXPECT_EQ(a[0].severity, AlertSeverity::kCritical);
  EXPECT_TRUE(d.on_market_window(positioned(7, 0.1)).empty());
}

TEST(AlertDetector, TrendHysteresisNeedsTheMarginToLeave) {
  AlertDetector d(AlertConfig{.trend_dwell_windows = 1, .trend_margin = 0.1, .cooldown_s = 0});
  EXPECT_TRUE(d.on_market_window(positioned(0, 0.8)).empty());  // BULLISH
  // 0.55 is NEUTRAL by B's rule (<= 0.6) but within the margin: still BULLISH.
  EXPECT_TRUE(d.on_market_window(positioned(1, 0.55)).empty());
  // 0.45 is beyond 0.6 - 0.1: NEUTRAL now; strength 0.1 -> info.
  auto a = d.on_market_window(positioned(2, 0.45));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].message.find("BULLISH -> NEUTRAL"), std::string::npos) << a[0].message;
  EXPECT_EQ(a[0].severity, AlertSeverity::kInfo);
  // From NEUTRAL, 0.65 is BULLISH by B's rule but not beyond 0.6 + 0.1.
  EXPECT_TRUE(d.on_market_window(positioned(3, 0.65)).empty());
  // 0.85: BULLISH, strength 0.7 -> warning.
  auto b = d.on_market_window(positioned(4, 0.85));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].severity, AlertSeverity::kWarning);
  // A window wobbling around 0.6 flips the raw rule every time, and never the hysteresis.
  AlertDetector raw(kRaw);
  AlertDetector held(AlertConfig{.trend_dwell_windows = 1, .trend_margin = 0.1, .cooldown_s = 0});
  size_t raw_alerts = 0, held_alerts = 0;
  int minute = 0;
  for (double p : {0.8, 0.55, 0.65, 0.55, 0.65, 0.57, 0.63}) {
    raw_alerts += raw.on_market_window(positioned(minute, p)).size();
    held_alerts += held.on_market_window(positioned(minute, p)).size();
    ++minute;
  }
  EXPECT_EQ(raw_alerts, 6u);
  EXPECT_EQ(held_alerts, 0u);
}

TEST(AlertDetector, CooldownPerSymbolAndKind) {
  AlertDetector d(AlertConfig{.trend_dwell_windows = 1,
                              .trend_margin = 0,
                              .band_dwell_readings = 1,
                              .band_margin = 0,
                              .cooldown_s = 30 * 60});
  EXPECT_TRUE(d.on_market_window(positioned(0, 0.9)).empty());
  ASSERT_EQ(d.on_market_window(positioned(1, 0.1)).size(), 1u);  // alert at minute 6
  // Flips within 30 minutes of it: silent, but the state follows the data.
  EXPECT_TRUE(d.on_market_window(positioned(2, 0.9)).empty());
  EXPECT_TRUE(d.on_market_window(positioned(10, 0.1)).empty());
  EXPECT_EQ(d.suppressed(), 2u);
  // Another symbol and another kind are not held back.
  EXPECT_TRUE(d.on_market_window(positioned(10, 0.9, "Y")).empty());
  EXPECT_EQ(d.on_market_window(positioned(11, 0.1, "Y")).size(), 1u);
  EXPECT_TRUE(d.on_fear_greed("X", reading(12, 50)).empty());
  EXPECT_EQ(d.on_fear_greed("X", reading(13, 90)).size(), 1u);
  // The state is BEARISH now (minute 10's window): BEARISH again is no change; BULLISH after the
  // cool-down (window end 31 + 5 = 36 >= 6 + 30) is an alert.
  EXPECT_TRUE(d.on_market_window(positioned(30, 0.1)).empty());
  auto a = d.on_market_window(positioned(31, 0.9));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].message.find("BEARISH -> BULLISH"), std::string::npos) << a[0].message;
}

TEST(AlertDetector, BandHysteresisAndDwell) {
  AlertDetector d(AlertConfig{.band_dwell_readings = 2, .band_margin = 5, .cooldown_s = 0});
  EXPECT_TRUE(d.on_fear_greed("X", reading(0, 50)).empty());  // neutral
  // 58 is greed but within 5 of neutral's edge (55): held as neutral, however long.
  for (int m = 1; m < 5; ++m) EXPECT_TRUE(d.on_fear_greed("X", reading(m, 58)).empty());
  // 62 is beyond 55 + 5: greed, once it held for two readings.
  EXPECT_TRUE(d.on_fear_greed("X", reading(5, 62)).empty());
  auto a = d.on_fear_greed("X", reading(6, 63));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].message.find("neutral -> greed"), std::string::npos) << a[0].message;
  EXPECT_EQ(a[0].severity, AlertSeverity::kInfo);
  // Back to 52 (neutral, but within 5 of greed's lower edge): still greed.
  for (int m = 7; m < 10; ++m) EXPECT_TRUE(d.on_fear_greed("X", reading(m, 52)).empty());
  // A reading that is not newer than the last one is ignored (a re-emission).
  EXPECT_TRUE(d.on_fear_greed("X", reading(9, 10)).empty());
  // Down to extreme fear: three bands -> critical.
  EXPECT_TRUE(d.on_fear_greed("X", reading(10, 10)).empty());
  auto b = d.on_fear_greed("X", reading(11, 12));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].severity, AlertSeverity::kCritical);
}

TEST(AlertDetector, PartialWindowsRaiseNothingButMoveTheState) {
  AlertDetector d(kRaw);
  EXPECT_TRUE(d.on_market_window(positioned(0, 0.9)).empty());
  EXPECT_TRUE(d.on_market_window(positioned(1, 0.1), /*partial=*/true).empty());
  EXPECT_EQ(d.suppressed(), 1u);
  // The state is BEARISH: a closed bearish window is no change.
  EXPECT_TRUE(d.on_market_window(positioned(2, 0.1)).empty());
  for (int i = 0; i < 10; ++i) (void)d.on_sentiment_window(sentiment(i, i % 2 ? 0.1 : -0.1));
  EXPECT_TRUE(d.on_sentiment_window(sentiment(10, 0.9), /*partial=*/true).empty());
  FearGreedReading r = reading(0, 50);
  EXPECT_TRUE(d.on_fear_greed("X", r).empty());
  EXPECT_TRUE(d.on_fear_greed("X", reading(1, 90), /*partial=*/true).empty());
  EXPECT_EQ(d.suppressed(), 3u);
}

TEST(AlertDetector, SpikeSeverityGrowsWithZ) {
  const AlertConfig config{.spike_z = 3, .spike_z_warning = 4.5, .spike_z_critical = 6};
  // Baseline of ten windows alternating +-0.1: mean 0, sd 0.1054.
  auto spike = [&](double avg) {
    AlertDetector d(config);
    for (int i = 0; i < 10; ++i) (void)d.on_sentiment_window(sentiment(i, i % 2 ? 0.1 : -0.1));
    auto a = d.on_sentiment_window(sentiment(10, avg));
    EXPECT_EQ(a.size(), 1u);
    return a.empty() ? AlertSeverity::kInfo : a[0].severity;
  };
  EXPECT_EQ(spike(0.4), AlertSeverity::kInfo);      // z 3.8
  EXPECT_EQ(spike(-0.5), AlertSeverity::kWarning);  // z -4.7
  EXPECT_EQ(spike(0.7), AlertSeverity::kCritical);  // z 6.6
}

}  // namespace
}  // namespace stockpulse
