#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/events.h"
#include "source/daily_candle_fanout.h"
#include "source/deterministic_rng.h"
#include "source/synthetic_posts.h"

namespace stockpulse {

struct SyntheticBarOptions {
  uint64_t seed = 1;
  std::vector<std::string> symbols = default_synthetic_symbols();
  // Start of the first minute; floored to a whole minute.
  EventTime start{1714572000000};  // 2024-05-01T14:00:00Z
};

// Minute bars per symbol in the manner of reference system B's mock producer, done with care:
// a random walk whose trend bias shifts every so often, mean reversion once the price strays more
// than 3% from a slowly moving anchor, volume that grows with trend strength, and bars that are
// consistent (low <= open, close <= high; vwap within [low, high]; trade_count > 0). Prices are in
// cents. Deterministic: the same options give the same bars.
//
// Lifecycle: construct, call next_minute() as often as wanted. Thread-safety: none.
class SyntheticBarGenerator {
 public:
  explicit SyntheticBarGenerator(SyntheticBarOptions options);

  // Appends one bar per symbol (in symbols() order) for the next minute; ts is the minute start.
  void next_minute(std::vector<Bar>& out);

  const std::vector<std::string>& symbols() const { return options_.symbols; }
  // Moves on to the minute that contains t (no bars in between: a market closed overnight);
  // prices carry on from where they were. A t before the next minute is ignored.
  void skip_to(EventTime t);

  // Start of the minute the next call will emit.
  EventTime next_minute_start() const { return EventTime(next_minute_ms_); }
  // State of symbols()[i], for tests and dashboards of the generator itself.
  double price(size_t i) const { return state_[i].price; }
  double anchor(size_t i) const { return state_[i].anchor; }
  // Drift per minute as a fraction of price (e.g. 0.0004 = +0.04%/min).
  double trend(size_t i) const { return state_[i].trend; }

 private:
  struct SymbolState {
    double price;
    double anchor;       // exponential moving average of price (about an hour)
    double trend;        // drift per minute
    int trend_minutes;   // minutes until the trend bias shifts
    double volatility;   // per-minute standard deviation of returns
    double base_volume;  // shares per minute in a trendless market
  };
  void shift_trend(SymbolState& s);

  SyntheticBarOptions options_;
  DeterministicRng rng_;
  std::vector<SymbolState> state_;
  int64_t next_minute_ms_;
};

// Daily OHLCV candles (DailyCandleFanout's input) for every weekday in [first_day, last_day]
// (days since 1970-01-01; holidays are not skipped) and symbol: a random walk of closes (about
// 2% a day), each day opening near the previous close, high and low beyond the body. What a data
// set of daily prices next to years of posts looks like. Deterministic by seed.
std::vector<DailyCandle> synthetic_daily_candles(const std::vector<std::string>& symbols,
                                                 int64_t first_day, int64_t last_day,
                                                 uint64_t seed);

}  // namespace stockpulse
