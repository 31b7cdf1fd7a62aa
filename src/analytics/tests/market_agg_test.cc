#include "analytics/market_agg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace stockpulse {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void expect_close(double a, double b, double rel = 1e-12) {
  EXPECT_LE(std::fabs(a - b), rel * std::max({std::fabs(a), std::fabs(b), 1.0}))
      << a << " vs " << b;
}

Bar bar(int64_t ts, double open, double high, double low, double close, double volume,
        double vwap = kNaN) {
  Bar b;
  b.symbol = "X";
  b.ts = EventTime(ts);
  b.open = open;
  b.high = high;
  b.low = low;
  b.close = close;
  b.volume = volume;
  b.vwap = vwap;
  return b;
}

TEST(MarketAgg, EmptyGivesZeroRow) {
  MarketAgg agg;
  auto row = to_market_row("X", EventTime(0), EventTime(300000), agg, false);
  EXPECT_EQ(row.bar_count, 0);
  EXPECT_EQ(row.avg_close, 0);
  EXPECT_EQ(row.volatility, 0);
  EXPECT_TRUE(std::isnan(row.avg_vwap));
  EXPECT_TRUE(std::isnan(row.vwap_deviation_pct));
  EXPECT_EQ(row.trend_signal, TrendSignal::kNeutral);
}

TEST(MarketAgg, OneBar) {
  MarketAgg agg;
  agg.add(bar(1000, 100, 105, 99, 102, 500, 101));
  auto row = to_market_row("X", EventTime(0), EventTime(300000), agg, true);
  EXPECT_EQ(row.bar_count, 1);
  EXPECT_EQ(row.open, 100);
  EXPECT_EQ(row.high, 105);
  EXPECT_EQ(row.low, 99);
  EXPECT_EQ(row.close, 102);
  EXPECT_EQ(row.total_volume, 500);
  EXPECT_EQ(row.avg_close, 102);
  EXPECT_EQ(row.max_close, 102);
  EXPECT_EQ(row.min_close, 102);
  EXPECT_EQ(row.volatility, 0);  // Spark would give null; documented
  EXPECT_EQ(row.avg_volume, 500);
  EXPECT_EQ(row.avg_vwap, 101);
  expect_close(row.vwap_deviation_pct, 1.0 / 101 * 100);
  EXPECT_EQ(row.buy_pressure, 1.0);
  expect_close(row.avg_pct_change, 2.0);
  EXPECT_EQ(row.price_range, 0);
  EXPECT_EQ(row.trend_signal, TrendSignal::kNeutral);  // zero range
}

TEST(MarketAgg, HandComputedWindow) {
  // Added out of time order on purpose: first/last follow event time, not arrival.
  MarketAgg agg;
  agg.add(bar(120000, 11, 13, 10, 12, 300, 11.5));
  agg.add(bar(0, 10, 11, 9, 10, 100, 10.0));
  agg.add(bar(60000, 10, 12, 10, 11, 200));       // no VWAP
  agg.add(bar(180000, 12, 20, 11, 19, 0, 18.0));  // zero volume
  auto row = to_market_row("X", EventTime(0), EventTime(300000), agg, false);
  // closes 12, 10, 11, 19: mean 13, deviations -1 -3 -2 6 → SS = 1+9+4+36 = 50, var = 50/3.
  EXPECT_EQ(row.bar_count, 4);
  EXPECT_EQ(row.open, 10);
  EXPECT_EQ(row.close, 19);
  EXPECT_EQ(row.high, 20);
  EXPECT_EQ(row.low, 9);
  EXPECT_EQ(row.total_volume, 600);
  expect_close(row.avg_close, 13);
  EXPECT_EQ(row.max_close, 19);
  EXPECT_EQ(row.min_close, 10);
  expect_close(row.volatility, std::sqrt(50.0 / 3));
  expect_close(row.avg_volume, 150);
  expect_close(row.avg_vwap, (11.5 + 10 + 18) / 3);
  const double avg_vwap = (11.5 + 10 + 18) / 3;
  expect_close(row.vwap_deviation_pct, (13 - avg_vwap) / avg_vwap * 100);
  // Up bars: 11→12, 10→11, 12→19; 10→10 is not up.
  EXPECT_DOUBLE_EQ(row.buy_pressure, 0.75);
  // pct changes: 1/11*100, 0, 10, 7/12*100
  expect_close(row.avg_pct_change, (100.0 / 11 + 0 + 10 + 700.0 / 12) / 4);
  EXPECT_EQ(row.price_range, 9);
  // 13 < 10 + 0.4 * 9 = 13.6 → BEARISH
  EXPECT_EQ(row.trend_signal, TrendSignal::kBearish);
}

TEST(MarketAgg, ZeroVolumeAndMissingVwapEverywhere) {
  MarketAgg agg;
  agg.add(bar(0, 5, 5, 5, 5, 0));
  agg.add(bar(1, 5, 5, 5, 5, 0));
  auto row = to_market_row("X", EventTime(0), EventTime(1), agg, false);
  EXPECT_EQ(row.avg_volume, 0);
  EXPECT_EQ(row.total_volume, 0);
  EXPECT_TRUE(std::isnan(row.avg_vwap));
  EXPECT_TRUE(std::isnan(row.vwap_deviation_pct));
  EXPECT_EQ(row.volatility, 0);
  EXPECT_EQ(row.buy_pressure, 0);
  EXPECT_EQ(row.avg_pct_change, 0);
  EXPECT_EQ(row.trend_signal, TrendSignal::kNeutral);
}

TEST(MarketAgg, ZeroOpenExcludedFromPctChange) {
  MarketAgg agg;
  agg.add(bar(0, 0, 1, 0, 1, 10));  // open 0: no % change, but an up bar
  agg.add(bar(1, 2, 3, 2, 3, 10));  // +50%
  auto row = to_market_row("X", EventTime(0), EventTime(2), agg, false);
  expect_close(row.avg_pct_change, 50);
  EXPECT_EQ(row.buy_pressure, 1.0);
}

TEST(MarketAgg, TrendSignalRule) {
  EXPECT_EQ(trend_signal_of(16.1, 10, 20), TrendSignal::kBullish);
  EXPECT_EQ(trend_signal_of(16.0, 10, 20), TrendSignal::kNeutral);  // not strictly above
  EXPECT_EQ(trend_signal_of(14.0, 10, 20), TrendSignal::kNeutral);  // not strictly below
  EXPECT_EQ(trend_signal_of(13.9, 10, 20), TrendSignal::kBearish);
  EXPECT_EQ(trend_signal_of(10, 10, 10), TrendSignal::kNeutral);
}

void expect_same(const MarketAgg& a, const MarketAgg& b) {
  EXPECT_EQ(a.count, b.count);
  expect_close(a.close_mean, b.close_mean);
  expect_close(a.close_m2, b.close_m2);
  EXPECT_EQ(a.min_close, b.min_close);
  EXPECT_EQ(a.max_close, b.max_close);
  EXPECT_EQ(a.first_ts, b.first_ts);
  EXPECT_EQ(a.first_open, b.first_open);
  EXPECT_EQ(a.last_ts, b.last_ts);
  EXPECT_EQ(a.last_close, b.last_close);
  EXPECT_EQ(a.high, b.high);
  EXPECT_EQ(a.low, b.low);
  expect_close(a.volume_sum, b.volume_sum);
  expect_close(a.vwap_sum, b.vwap_sum);
  EXPECT_EQ(a.vwap_count, b.vwap_count);
  EXPECT_EQ(a.up_bars, b.up_bars);
  expect_close(a.pct_change_sum, b.pct_change_sum);
  EXPECT_EQ(a.pct_change_count, b.pct_change_count);
}

TEST(MarketAgg, MergeAnyGroupingEqualsSingleAgg) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> step(0, 0.3);
  std::uniform_int_distribution<int> pane_size(0, 12);
  std::uniform_int_distribution<int> coin(0, 9);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<MarketAgg> panes(6);
    MarketAgg all;
    double price = 100;
    int64_t ts = 0;
    for (auto& p : panes) {
      int n = pane_size(rng);
      for (int i = 0; i < n; ++i) {
        double open = price;
        price += step(rng);
        double vwap = coin(rng) == 0 ? kNaN : (open + price) / 2;
        Bar b = bar(ts += 1000, open, std::max(open, price) + 0.1, std::min(open, price) - 0.1,
                    price, coin(rng) * 100.0, vwap);
        p.add(b);
        all.add(b);
      }
    }
    auto m = [](MarketAgg a, const MarketAgg& b) {
      a.merge(b);
      return a;
    };
    MarketAgg left;
    for (const auto& p : panes) left.merge(p);
    MarketAgg right;
    for (auto it = panes.rbegin(); it != panes.rend(); ++it) right.merge(*it);
    MarketAgg tree = m(m(panes[0], m(panes[1], panes[2])), m(m(panes[3], panes[4]), panes[5]));
    MarketAgg shuffled = m(m(panes[4], panes[0]), m(m(panes[5], panes[2]), m(panes[1], panes[3])));
    expect_same(left, all);
    expect_same(right, all);
    expect_same(tree, all);
    expect_same(shuffled, all);
  }
}

}  // namespace
}  // namespace stockpulse
