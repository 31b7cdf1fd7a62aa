#include "analytics/correlation_tracker.h"

#include <gtest/gtest.h>

#include <cmath>

namespace stockpulse {
namespace {

EventTime minute(int64_t m) {
  return EventTime(m * 60000);
}

TEST(CorrelationTracker, UnknownSymbol) {
  CorrelationTracker t;
  EXPECT_FALSE(t.compute("AAPL").has_value());
}

TEST(CorrelationTracker, HandComputedSmallCase) {
  // x = (1, 2, 3), y = (1, 3, 2): mean 2 and 2, Sxy = 1*... = (-1)(-1) + 0 + (1)(0) = 1,
  // Sxx = 2, Syy = 2 → r = 0.5.
  CorrelationTracker t(CorrelationConfig{.window_minutes = 10, .max_lag = 0, .min_pairs = 3});
  double c = 100;
  t.add_close("X", minute(0), c);
  const double x[] = {1, 2, 3}, y[] = {0.01, 0.03, 0.02};
  for (int i = 0; i < 3; ++i) {
    c *= 1 + y[i];
    t.add_close("X", minute(i + 1), c);
    t.add_sentiment("X", minute(i + 1), x[i]);
  }
  auto r = t.compute("X");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->pairs_lag0, 3);
  EXPECT_NEAR(r->r_lag0, 0.5, 1e-9);
  EXPECT_EQ(r->as_of, minute(3));
}

TEST(CorrelationTracker, TooFewPairsOrFlatIsNaN) {
  CorrelationTracker t(CorrelationConfig{.window_minutes = 10, .max_lag = 1, .min_pairs = 3});
  for (int i = 0; i < 6; ++i) {
    t.add_close("X", minute(i), 100 + i);
    t.add_sentiment("X", minute(i), 0.5);  // zero variance
  }
  auto r = t.compute("X");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(std::isnan(r->r_lag0));
  EXPECT_TRUE(std::isnan(r->best_r));
}

TEST(CorrelationTracker, FindsLeadingLag) {
  // Returns follow sentiment two minutes later: return[u] = 0.001 * s[u - 2].
  CorrelationTracker t;  // N = 60, L = 5
  double s[200];
  for (int i = 0; i < 200; ++i) s[i] = std::sin(i * 0.7) * 0.5 + std::cos(i * 1.3) * 0.3;
  double c = 100;
  for (int i = 0; i < 200; ++i) {
    if (i >= 2) c *= 1 + 0.001 * s[i - 2];
    t.add_close("X", minute(i), c);
    t.add_sentiment("X", minute(i), s[i]);
  }
  auto r = t.compute("X");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->best_lag, 2);
  EXPECT_NEAR(r->best_r, 1.0, 1e-9);
  EXPECT_EQ(r->pairs_best, 60);
  EXPECT_LT(std::fabs(r->r_lag0), 0.9);
}

TEST(CorrelationTracker, GapBreaksReturn) {
  CorrelationTracker t(CorrelationConfig{.window_minutes = 10, .max_lag = 0, .min_pairs = 1});
  t.add_close("X", minute(0), 100);
  t.add_close("X", minute(2), 110);  // minute 1 missing: no return at minute 2
  t.add_sentiment("X", minute(2), 0.3);
  auto r = t.compute("X");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->pairs_lag0, 0);
}

TEST(CorrelationTracker, NegativeLagMeansSentimentFollows) {
  // Sentiment reacts one minute after the return: s[u] = return[u - 1] * 1000.
  CorrelationTracker t(CorrelationConfig{.window_minutes = 30, .max_lag = 3, .min_pairs = 10});
  double c = 100, prev_c = 100, prev_ret = 0;
  for (int i = 0; i < 80; ++i) {
    if (i > 0) c *= 1 + 0.002 * std::sin(i * 0.9) + 0.001 * std::cos(i * 2.1);
    t.add_close("X", minute(i), c);
    t.add_sentiment("X", minute(i), prev_ret * 1000);
    prev_ret = c / prev_c - 1;  // the return of minute i, as the tracker computes it
    prev_c = c;
  }
  auto r = t.compute("X");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->best_lag, -1);
  EXPECT_GT(r->best_r, 0.999);
}

}  // namespace
}  // namespace stockpulse
