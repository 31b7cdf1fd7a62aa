#include "analytics/sentiment_agg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace stockpulse {
namespace {

// |a - b| within `rel` of the larger magnitude, with an absolute floor for values near zero.
void expect_close(double a, double b, double rel = 1e-12) {
  EXPECT_LE(std::fabs(a - b), rel * std::max({std::fabs(a), std::fabs(b), 1.0}))
      << a << " vs " << b;
}

TEST(SentimentAgg, EmptyGivesZeroRow) {
  SentimentAgg agg;
  EXPECT_TRUE(agg.empty());
  auto row = to_sentiment_row("AAPL", EventTime(0), EventTime(300000), agg, false);
  EXPECT_EQ(row.symbol, "AAPL");
  EXPECT_EQ(row.tweet_count, 0);
  EXPECT_EQ(row.sentiment_score_avg, 0);
  EXPECT_EQ(row.sentiment_score_min, 0);
  EXPECT_EQ(row.sentiment_score_max, 0);
  EXPECT_EQ(row.sentiment_score_stddev, 0);
  EXPECT_EQ(row.bullish_share, 0);
  for (auto h : row.histogram) EXPECT_EQ(h, 0);
}

TEST(SentimentAgg, SinglePost) {
  SentimentAgg agg;
  agg.add(0.5);
  auto row = to_sentiment_row("X", EventTime(60000), EventTime(360000), agg, true);
  EXPECT_EQ(row.window_start, EventTime(60000));
  EXPECT_EQ(row.window_end, EventTime(360000));
  EXPECT_TRUE(row.is_final);
  EXPECT_EQ(row.tweet_count, 1);
  EXPECT_DOUBLE_EQ(row.sentiment_score_avg, 0.5);
  EXPECT_DOUBLE_EQ(row.sentiment_score_min, 0.5);
  EXPECT_DOUBLE_EQ(row.sentiment_score_max, 0.5);
  EXPECT_EQ(row.sentiment_score_stddev, 0);
  EXPECT_EQ(row.bullish_count, 1);
  EXPECT_EQ(row.bullish_share, 1.0);
  // (0.5 + 1) * 10 = 15
  EXPECT_EQ(row.histogram[15], 1);
}

TEST(SentimentAgg, HandComputedSmallCase) {
  // Scores: 0.6, -0.2, 0.05 (bullish boundary), -0.05 (bearish boundary), 0.0, 1.0, -1.0
  // mean = 0.4 / 7; labels: bullish {0.6, 0.05, 1.0}, bearish {-0.2, -0.05, -1.0}, neutral {0.0}.
  const std::vector<double> xs = {0.6, -0.2, 0.05, -0.05, 0.0, 1.0, -1.0};
  SentimentAgg agg;
  for (double x : xs) agg.add(x);
  auto row = to_sentiment_row("X", EventTime(0), EventTime(1), agg, false);
  const double mean = 0.4 / 7;
  // sum of squares = 0.36 + 0.04 + 0.0025 + 0.0025 + 0 + 1 + 1 = 2.405
  const double var = (2.405 - 7 * mean * mean) / 6;
  EXPECT_EQ(row.tweet_count, 7);
  expect_close(row.sentiment_score_avg, mean);
  expect_close(row.sentiment_score_stddev, std::sqrt(var));
  EXPECT_EQ(row.sentiment_score_min, -1.0);
  EXPECT_EQ(row.sentiment_score_max, 1.0);
  EXPECT_EQ(row.bullish_count, 3);
  EXPECT_EQ(row.bearish_count, 3);
  EXPECT_EQ(row.neutral_count, 1);
  EXPECT_DOUBLE_EQ(row.bullish_share, 3.0 / 7);
  // Buckets of width 0.1 from -1: 0.6→16, -0.2→8, 0.05→10, -0.05→9, 0.0→10, 1.0→19 (clamped),
  // -1.0→0.
  std::array<int64_t, kSentimentHistogramBuckets> expected{};
  expected[16] = 1;
  expected[8] = 1;
  expected[10] = 2;
  expected[9] = 1;
  expected[19] = 1;
  expected[0] = 1;
  EXPECT_EQ(row.histogram, expected);
}

TEST(SentimentAgg, MergeWithEmptyIsIdentity) {
  SentimentAgg a;
  a.add(0.3);
  a.add(-0.7);
  SentimentAgg copy = a;
  a.merge(SentimentAgg{});
  EXPECT_EQ(a.count, copy.count);
  EXPECT_EQ(a.mean, copy.mean);
  EXPECT_EQ(a.m2, copy.m2);
  SentimentAgg e;
  e.merge(copy);
  EXPECT_EQ(e.count, 2);
  EXPECT_EQ(e.mean, copy.mean);
  EXPECT_EQ(e.min, -0.7);
}

void expect_same(const SentimentAgg& a, const SentimentAgg& b) {
  EXPECT_EQ(a.count, b.count);
  expect_close(a.mean, b.mean);
  expect_close(a.m2, b.m2);
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
  EXPECT_EQ(a.bullish, b.bullish);
  EXPECT_EQ(a.bearish, b.bearish);
  EXPECT_EQ(a.neutral, b.neutral);
  EXPECT_EQ(a.histogram, b.histogram);
}

TEST(SentimentAgg, MergeAnyGroupingEqualsSingleAgg) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> score(-1.0, 1.0);
  std::uniform_int_distribution<int> pane_size(0, 40);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<SentimentAgg> panes(7);
    SentimentAgg all;
    for (auto& p : panes) {
      int n = pane_size(rng);
      for (int i = 0; i < n; ++i) {
        double x = std::round(score(rng) * 1e4) / 1e4;  // VADER-like 4 decimals
        p.add(x);
        all.add(x);
      }
    }
    // Left fold in time order.
    SentimentAgg left;
    for (const auto& p : panes) left.merge(p);
    // Right fold (later panes first).
    SentimentAgg right;
    for (auto it = panes.rbegin(); it != panes.rend(); ++it) right.merge(*it);
    // Tree: ((0,1),(2,3)),((4,5),6)
    auto m = [](SentimentAgg a, const SentimentAgg& b) {
      a.merge(b);
      return a;
    };
    SentimentAgg tree =
        m(m(m(panes[0], panes[1]), m(panes[2], panes[3])), m(m(panes[4], panes[5]), panes[6]));
    expect_same(left, all);
    expect_same(right, all);
    expect_same(tree, all);
  }
}

TEST(SentimentAgg, VarianceStableWithLargeOffset) {
  // Naive sum-of-squares loses every digit here; Welford/Chan keep them.
  SentimentAgg a, b;
  for (int i = 0; i < 1000; ++i) a.add(1e9 + (i % 2 ? 0.5 : -0.5));
  for (int i = 0; i < 1000; ++i) b.add(1e9 + (i % 2 ? 0.5 : -0.5));
  a.merge(b);
  // 2000 values of ±0.5 around 1e9: variance = 0.25 * 2000 / 1999.
  expect_close(a.sample_variance(), 0.25 * 2000 / 1999, 1e-9);
}

}  // namespace
}  // namespace stockpulse
