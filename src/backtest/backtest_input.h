#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "backtest/signal_kind.h"

namespace stockpulse {

// The rows of the serving tables (or the lake) a backtest reads, with times as epoch
// milliseconds. Rows may come in any order and repeat a key (the later one wins).
struct BacktestRows {
  struct Sentiment {  // final topic_sentiment_avg rows (symbol "*" is skipped)
    std::string symbol;
    int64_t window_end = 0;
    int64_t tweet_count = 0;
    double avg = 0;
    double bullish_share = 0;
  };
  struct Market {  // final stock_trends rows
    std::string symbol;
    int64_t window_end = 0;
    double close = 0;
    int trend = 0;  // BEARISH -1, NEUTRAL 0, BULLISH +1
  };
  struct Point {  // indicators (ts = minute start) and fear_greed (ts = window end)
    std::string symbol;
    int64_t ts = 0;
    double value = 0;
  };
  std::vector<Sentiment> sentiment;
  std::vector<Market> market;
  std::vector<Point> rsi;
  std::vector<Point> fear_greed;

  size_t size() const { return sentiment.size() + market.size() + rsi.size() + fear_greed.size(); }
};

// A time series known at `t` (epoch ms), ascending, one value per time.
struct TimedSeries {
  std::vector<int64_t> t;
  std::vector<double> v;

  // Index of the value at exactly `at`, or -1.
  int64_t find(int64_t at) const;
  // Index of the newest value at or before `at`, or -1.
  int64_t at_or_before(int64_t at) const;
};

// One symbol's prices and signals, each value stamped with the time it became known: the end of
// its window (sentiment, trend, Fear & Greed) or the close of its minute (RSI). Nothing later
// than that time went into it, so pairing it with returns from that time on has no look-ahead.
struct SymbolSeries {
  std::string symbol;
  TimedSeries close;  // market window closes by window_end
  std::array<TimedSeries, kSignalKinds> signals;
};

struct BacktestInput {
  std::vector<SymbolSeries> symbols;  // symbols with market windows, in byte order
  int64_t step_ms = 0;                // the grid of the windows (their slide)
};

struct InputOptions {
  // Volume spike: the window's tweet_count over the mean count of the windows ending in the
  // `spike_lookback` slides before it (a slide without a row counts 0); NaN until the symbol has
  // that much history or when the mean is 0.
  int spike_lookback = 30;
};

// Builds the per-symbol series from the rows. The step is the smallest gap between two market
// window ends of one symbol (the slide); 0 when no symbol has two.
BacktestInput build_backtest_input(BacktestRows rows, const InputOptions& options);

}  // namespace stockpulse
