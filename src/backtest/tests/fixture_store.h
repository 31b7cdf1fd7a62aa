#pragma once

// Seeded fixtures for the backtest tests: a few symbols over three trading days of minute
// windows, written through a ServingStore (SQLite or ClickHouse: the real write path).
// In the "predictive" fixture the average sentiment of the window ending at t carries the drift
// of the next minute's return; in the "noise" fixture the sentiment is drawn independently.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "common/rows.h"
#include "common/time_format.h"
#include "sink/sqlite_serving_store.h"

namespace stockpulse::backtest_fixture {

struct Shape {
  int symbols = 6;
  int days = 3;
  int minutes_per_day = 390;    // 13:30 .. 20:00 UTC
  double drop_sentiment = 0.1;  // share of minutes without posts (no sentiment row)
};

// Writes the fixture to `store` (any ServingStore) and flushes it.
inline void write_rows(ServingStore& store, uint64_t seed, bool predictive,
                       const Shape& shape = {}) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> uniform(0, 1);
  const int64_t day0 = days_from_civil(2024, 5, 1) * kMillisPerDay;
  std::vector<SentimentWindowRow> sentiment;
  std::vector<MarketWindowRow> market;
  std::vector<IndicatorRow> indicators;
  std::vector<FearGreedRow> fear_greed;
  for (int s = 0; s < shape.symbols; ++s) {
    const std::string symbol = std::string(3, char('A' + s));
    double close = 100 + 10 * s;
    std::vector<double> closes;
    for (int d = 0; d < shape.days; ++d) {
      const int64_t open = day0 + d * kMillisPerDay + (13 * 60 + 30) * kMillisPerMinute;
      for (int m = 1; m <= shape.minutes_per_day; ++m) {
        const int64_t t = open + m * kMillisPerMinute;  // window end
        const double z = normal(rng);
        const double mood = predictive ? z : normal(rng);
        const double avg = std::clamp(0.3 * mood + 0.1 * normal(rng), -1.0, 1.0);
        // The next minute's return carries z: known to the sentiment at t, never before.
        const double next = close * std::exp(0.001 * z + 0.001 * normal(rng));
        MarketWindowRow mw;
        mw.symbol = symbol;
        mw.window_start = EventTime(t - 5 * kMillisPerMinute);
        mw.window_end = EventTime(t);
        mw.bar_count = 5;
        mw.open = mw.high = mw.low = mw.close = close;
        closes.push_back(close);
        const size_t k = closes.size();
        const double past = k > 5 ? closes[k - 1] / closes[k - 6] - 1 : 0;
        mw.trend_signal = past > 0.0005    ? TrendSignal::kBullish
                          : past < -0.0005 ? TrendSignal::kBearish
                                           : TrendSignal::kNeutral;
        mw.is_final = true;
        market.push_back(mw);
        if (uniform(rng) >= shape.drop_sentiment) {
          SentimentWindowRow sw;
          sw.symbol = symbol;
          sw.window_start = mw.window_start;
          sw.window_end = mw.window_end;
          sw.tweet_count =
              uniform(rng) < 0.05 ? 40 + int64_t(uniform(rng) * 20) : 5 + int64_t(uniform(rng) * 6);
          sw.sentiment_score_avg = avg;
          sw.bullish_share = std::clamp(1.0 / 3 + 0.5 * avg + 0.05 * normal(rng), 0.0, 1.0);
          sw.is_final = true;
          sentiment.push_back(sw);
          if (s == 0) {  // the market-wide key has no price: never measured
            sw.symbol = "*";
            sentiment.push_back(sw);
          }
        }
        IndicatorRow ind;
        ind.symbol = symbol;
        ind.ts = EventTime(t - kMillisPerMinute);
        ind.close = close;
        ind.rsi_14 = m < 15 ? std::numeric_limits<double>::quiet_NaN()
                            : std::clamp(50 + 25 * avg + 5 * normal(rng), 0.0, 100.0);
        indicators.push_back(ind);
        FearGreedRow fg;
        fg.symbol = symbol;
        fg.ts = EventTime(t);
        fg.score = std::clamp(50 + 40 * avg, 0.0, 100.0);
        fg.band = "neutral";
        fear_greed.push_back(fg);
        close = next;
      }
    }
    // Open (not final) windows after the last close: a backtest must not read them.
    MarketWindowRow open_row = market.back();
    open_row.window_start = EventTime(open_row.window_start.value() + kMillisPerMinute);
    open_row.window_end = EventTime(open_row.window_end.value() + kMillisPerMinute);
    open_row.close = 1e9;
    open_row.is_final = false;
    market.push_back(open_row);
  }
  store.write_sentiment_windows(sentiment);
  store.write_market_windows(market);
  store.write_indicators(indicators);
  store.write_fear_greed(fear_greed);
  store.flush();
}

// The fixture in a new SQLite serving store at `path`.
inline void write_store(const std::string& path, uint64_t seed, bool predictive,
                        const Shape& shape = {}) {
  SqliteServingStore store(path);
  write_rows(store, seed, predictive, shape);
}

}  // namespace stockpulse::backtest_fixture
