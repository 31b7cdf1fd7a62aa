#include "backtest/backtest.h"

#include <gtest/gtest.h>

#include <cmath>

#include "backtest/backtest_input.h"

namespace stockpulse {
namespace {

constexpr int64_t kMin = 60'000;

TEST(AverageRanks, TiesShareTheMeanOfTheirPositions) {
  EXPECT_EQ(average_ranks({10, 30, 20, 30}), (std::vector<double>{1, 3.5, 2, 3.5}));
  EXPECT_EQ(average_ranks({5, 5, 5}), (std::vector<double>{2, 2, 2}));
  EXPECT_TRUE(average_ranks({}).empty());
}

TEST(Pearson, ConstantSideIsUndefined) {
  EXPECT_NEAR(pearson({1, 2, 3}, {2, 4, 6}), 1.0, 1e-12);
  EXPECT_NEAR(pearson({1, 2, 3}, {3, 2, 1}), -1.0, 1e-12);
  EXPECT_TRUE(std::isnan(pearson({1, 1, 1}, {1, 2, 3})));
}

TEST(ParseHorizon, UnitsAndRejects) {
  EXPECT_EQ(parse_horizon("1m")->ms, kMin);
  EXPECT_EQ(parse_horizon("15m")->ms, 15 * kMin);
  EXPECT_EQ(parse_horizon("1h")->ms, 60 * kMin);
  EXPECT_EQ(parse_horizon("30s")->ms, 30'000);
  EXPECT_EQ(parse_horizon("1d")->days, 1);
  EXPECT_EQ(parse_horizon("1d")->ms, 0);
  for (const char* bad : {"", "m", "0m", "-1m", "5", "5x", "1.5h", "999d", "1m "}) {
    EXPECT_FALSE(parse_horizon(bad)) << bad;
  }
}

TEST(SignalNames, RoundTrip) {
  for (SignalKind s : kAllSignals) EXPECT_EQ(parse_signal(signal_name(s)), s);
  EXPECT_FALSE(parse_signal("sentiment"));
}

// Rows of one symbol with a close per minute and a sentiment row at some minutes.
BacktestRows one_symbol(const std::vector<double>& closes, const std::vector<double>& avg) {
  BacktestRows rows;
  for (size_t i = 0; i < closes.size(); ++i) {
    rows.market.push_back({"X", int64_t(i + 1) * kMin, closes[i], 0});
    if (i < avg.size() && !std::isnan(avg[i])) {
      rows.sentiment.push_back({"X", int64_t(i + 1) * kMin, 10, avg[i], 0.5});
    }
  }
  return rows;
}

TEST(BuildInput, StepChangeAndRsiTimes) {
  const double nan = std::nan("");
  BacktestRows rows = one_symbol({10, 11, 12, 13, 14}, {0.1, 0.3, nan, 0.2, 0.6});
  rows.rsi.push_back({"X", 2 * kMin, 55});        // minute [2, 3) known at 3
  rows.rsi.push_back({"NOPRICE", 2 * kMin, 55});  // no prices: dropped
  rows.market.push_back({"X", 2 * kMin, 99, 0});  // a repeated key: the later row wins
  const BacktestInput in = build_backtest_input(rows, {});
  ASSERT_EQ(in.symbols.size(), 1u);
  EXPECT_EQ(in.step_ms, kMin);
  const SymbolSeries& s = in.symbols[0];
  EXPECT_EQ(s.close.v, (std::vector<double>{10, 99, 12, 13, 14}));
  const auto& change = s.signals[size_t(SignalKind::kSentimentChange)];
  // Only where the previous slide has a row: t=2 (0.3-0.1) and t=5 (0.6-0.2).
  EXPECT_EQ(change.t, (std::vector<int64_t>{2 * kMin, 5 * kMin}));
  EXPECT_NEAR(change.v[0], 0.2, 1e-12);
  EXPECT_NEAR(change.v[1], 0.4, 1e-12);
  EXPECT_EQ(s.signals[size_t(SignalKind::kRsi)].t, (std::vector<int64_t>{3 * kMin}));
}

TEST(BuildInput, VolumeSpikeCountsMissingSlidesAsZero) {
  BacktestRows rows;
  for (int i = 1; i <= 6; ++i) rows.market.push_back({"X", i * kMin, 10, 0});
  // Counts 4 at t=1, none at t=2, 2 at t=3, 12 at t=4.
  rows.sentiment.push_back({"X", 1 * kMin, 4, 0, 0});
  rows.sentiment.push_back({"X", 3 * kMin, 2, 0, 0});
  rows.sentiment.push_back({"X", 4 * kMin, 12, 0, 0});
  const BacktestInput in = build_backtest_input(rows, InputOptions{.spike_lookback = 3});
  const auto& spike = in.symbols[0].signals[size_t(SignalKind::kVolumeSpike)];
  // t=4: previous three slides hold 4, 0, 2: mean 2, ratio 6. t=1, t=3: too little history.
  ASSERT_EQ(spike.t, (std::vector<int64_t>{4 * kMin}));
  EXPECT_DOUBLE_EQ(spike.v[0], 6.0);
}

BacktestOptions only(SignalKind s, const char* h, int permutations = 0) {
  BacktestOptions o;
  o.signals = {s};
  o.horizons = {*parse_horizon(h)};
  o.permutations = permutations;
  o.cost_bps = 0;
  return o;
}

TEST(RunBacktest, PairsTheSignalWithTheReturnThatFollowsIt) {
  // The sentiment at t is (100 times) the return from t to t+1: a perfect 1-minute signal.
  const std::vector<double> closes = {100, 101, 100.5, 102, 101, 103, 104, 103.5};
  std::vector<double> avg;
  for (size_t i = 0; i + 1 < closes.size(); ++i)
    avg.push_back(100 * (closes[i + 1] / closes[i] - 1));
  const BacktestInput in = build_backtest_input(one_symbol(closes, avg), {});
  auto r = run_backtest(in, only(SignalKind::kAvgSentiment, "1m"));
  ASSERT_TRUE(r.ok()) << r.error();
  const SignalResult& all = r.value().results[0];
  EXPECT_EQ(all.n, 7);
  EXPECT_NEAR(all.ic, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(all.hit_rate, 1.0);
  EXPECT_EQ(all.positioned, 7);
  // Every minute is a trade (1-minute horizon, one slide apart): the sum of |returns|.
  double expected = 0;
  for (size_t i = 0; i + 1 < closes.size(); ++i) {
    expected += std::abs(closes[i + 1] / closes[i] - 1);
  }
  EXPECT_EQ(all.trades, 7);
  EXPECT_NEAR(all.pnl, expected, 1e-12);
  // Paired with the return that led up to it instead, it would not be perfect.
  BacktestRows lagged = one_symbol(closes, {});
  for (size_t i = 1; i < closes.size(); ++i) {
    lagged.sentiment.push_back({"X", int64_t(i + 1) * kMin, 1, avg[i - 1], 0});
  }
  auto l = run_backtest(build_backtest_input(lagged, {}), only(SignalKind::kAvgSentiment, "1m"));
  ASSERT_TRUE(l.ok());
  EXPECT_LT(l.value().results[0].ic, 0.9);
}

TEST(RunBacktest, TradesDoNotOverlapAndPayCosts) {
  std::vector<double> closes;
  for (int i = 0; i < 10; ++i) closes.push_back(100 + i);  // always up
  const BacktestInput in =
      build_backtest_input(one_symbol(closes, std::vector<double>(10, 0.5)), {});
  auto o = only(SignalKind::kAvgSentiment, "3m");
  o.cost_bps = 10;
  auto r = run_backtest(in, o);
  ASSERT_TRUE(r.ok());
  const SignalResult& s = r.value().results[0];
  EXPECT_EQ(s.n, 7);       // t = 1..7 have a close 3 minutes later
  EXPECT_EQ(s.trades, 3);  // entries at t = 1, 4, 7
  const double expected = (103.0 / 100 - 1) + (106.0 / 103 - 1) + (109.0 / 106 - 1) - 3 * 0.002;
  EXPECT_NEAR(s.pnl, expected, 1e-12);
  EXPECT_NEAR(s.n_eff, 7.0 / 3, 1e-12);
  EXPECT_TRUE(std::isnan(s.ic));  // a constant signal has no rank correlation
}

TEST(RunBacktest, DailyIsCloseToCloseOfTradingDays) {
  BacktestRows rows;
  const int64_t day = 86'400'000;
  // Three trading days with a gap (a weekend) before the third; two windows a day.
  const double closes[3] = {100, 110, 99};
  const int64_t dates[3] = {0, 1, 4};
  for (int d = 0; d < 3; ++d) {
    const int64_t close_time = dates[d] * day + 20 * 3'600'000;
    rows.market.push_back({"X", close_time - kMin, 1, 0});
    rows.market.push_back({"X", close_time, closes[d], 0});
    // The sentiment known at the close says where the next day goes; a row after the close
    // (the next morning) must not be used for this day.
    rows.sentiment.push_back({"X", close_time, 1, d == 0 ? 0.5 : -0.5, 0});
  }
  rows.sentiment.push_back({"X", 4 * day + 13 * 3'600'000, 1, 0.9, 0});
  auto r = run_backtest(build_backtest_input(rows, {}), only(SignalKind::kAvgSentiment, "1d"));
  ASSERT_TRUE(r.ok()) << r.error();
  const SignalResult& s = r.value().results[0];
  EXPECT_EQ(s.n, 2);
  EXPECT_DOUBLE_EQ(s.hit_rate, 1.0);
  EXPECT_NEAR(s.pnl, (110.0 / 100 - 1) - (99.0 / 110 - 1), 1e-12);
}

TEST(RunBacktest, PermutationsAreSeededAndBracketNoise) {
  BacktestRows rows;
  uint64_t x = 12345;
  auto next = [&] {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return double(x >> 11) / double(1ull << 53);
  };
  for (int s = 0; s < 3; ++s) {
    const std::string sym(1, char('A' + s));
    double close = 50;
    for (int i = 1; i <= 400; ++i) {
      rows.market.push_back({sym, i * kMin, close, 0});
      rows.sentiment.push_back({sym, i * kMin, 1, next() - 0.5, 0});
      close *= 1 + (next() - 0.5) * 0.01;
    }
  }
  const BacktestInput in = build_backtest_input(rows, {});
  auto a = run_backtest(in, only(SignalKind::kAvgSentiment, "1m", 300));
  auto b = run_backtest(in, only(SignalKind::kAvgSentiment, "1m", 300));
  ASSERT_TRUE(a.ok() && b.ok());
  const SignalResult& ra = a.value().results[0];
  EXPECT_EQ(ra.ic_permuted, b.value().results[0].ic_permuted);
  EXPECT_NEAR(ra.ic_permuted, 0, 0.01);
  EXPECT_NEAR(ra.ic_permuted_sd, 1 / std::sqrt(1200.0), 0.01);
  EXPECT_LT(std::abs(ra.ic), 4 * ra.ic_permuted_sd);
  EXPECT_GT(ra.ic_p, 0.0);
  EXPECT_LE(ra.ic_p, 1.0);
  auto o = only(SignalKind::kAvgSentiment, "1m", 300);
  o.seed = 2;
  EXPECT_NE(run_backtest(in, o).value().results[0].ic_permuted, ra.ic_permuted);
}

TEST(RunBacktest, ClearErrors) {
  EXPECT_NE(run_backtest(BacktestInput{}, {}).error().find("no prices"), std::string::npos);
  const BacktestInput in = build_backtest_input(one_symbol({1, 2, 3}, {0.1, 0.2, 0.3}), {});
  auto r = run_backtest(in, only(SignalKind::kAvgSentiment, "90s"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("not a multiple"), std::string::npos) << r.error();
}

TEST(BacktestJson, HasTheDocumentedFieldsAndNullForNaN) {
  const BacktestInput in = build_backtest_input(one_symbol({1, 2}, {0.1, 0.2}), {});
  auto r = run_backtest(in, only(SignalKind::kAvgSentiment, "1m"));
  ASSERT_TRUE(r.ok());
  const std::string json = backtest_json(r.value());
  for (const char* key : {"\"signal\":\"avg_sentiment\"", "\"horizon\":\"1m\"", "\"ic\":null",
                          "\"ic_t\":null", "\"ic_permuted\":null", "\"n\":1", "\"hit_rate\":1",
                          "\"pnl\":", "\"condition\":\"all\"", "\"condition\":\"spike\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
  }
  EXPECT_NE(backtest_table(r.value()).find("avg_sentiment"), std::string::npos);
}

}  // namespace
}  // namespace stockpulse
