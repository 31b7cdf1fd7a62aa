#pragma once

#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "common/events.h"
#include "common/named_type.h"
#include "common/rows.h"

namespace stockpulse {

// Mergeable aggregate of OHLCV bars: one pane (or one whole window) of one symbol. Holds what
// MarketWindowRow needs: close statistics (count, Welford/Chan mean and M2, min, max), the first
// bar by event time (its open) and the last (its close), high, low, volume, the VWAP sum over the
// bars that carried one, the number of up bars (close > open) and the sum of per-bar % changes.
//
// Bars whose open is 0 have no defined % change: they are left out of avg_pct_change (numerator and
// denominator) but count everywhere else. Bars whose vwap is NaN are left out of avg_vwap only.
// First/last compare event times, so merge() gives the same candle in any order; on equal times
// the bar already in *this stays first and the bar from `other` becomes last, which is the
// time-order rule when panes are merged earliest first.
//
// Lifecycle: default-constructed empty, filled with add() or merge(), turned into a row by
// to_market_row(). Trivially copyable (checkpointed as bytes).
// Thread-safety: a plain value; no internal synchronisation.
struct MarketAgg {
  int64_t count = 0;
  double close_mean = 0;
  double close_m2 = 0;
  double min_close = std::numeric_limits<double>::infinity();
  double max_close = -std::numeric_limits<double>::infinity();
  EventTime first_ts{std::numeric_limits<int64_t>::max()};
  double first_open = 0;
  EventTime last_ts{std::numeric_limits<int64_t>::min()};
  double last_close = 0;
  double high = -std::numeric_limits<double>::infinity();
  double low = std::numeric_limits<double>::infinity();
  double volume_sum = 0;
  double vwap_sum = 0;
  int64_t vwap_count = 0;
  int64_t up_bars = 0;
  double pct_change_sum = 0;
  int64_t pct_change_count = 0;

  void add(const Bar& bar);
  void merge(const MarketAgg& other);

  bool empty() const { return count == 0; }
  // Sample variance of close (n - 1 in the denominator); 0 for fewer than two bars.
  double close_sample_variance() const;
};

static_assert(std::is_trivially_copyable_v<MarketAgg>);

// Trend rule of reference system B: BULLISH when avg_close > min_close + 0.6 * range, BEARISH when
// avg_close < min_close + 0.4 * range, else NEUTRAL; a zero (or negative) range is NEUTRAL.
// The thresholds are parameters for AlertDetector's hysteresis (issue #17): the defaults are B's.
inline constexpr double kTrendBullishAbove = 0.6;
inline constexpr double kTrendBearishBelow = 0.4;
TrendSignal trend_signal_of(double avg_close, double min_close, double max_close,
                            double bullish_above = kTrendBullishAbove,
                            double bearish_below = kTrendBearishBelow);

// The `stock_trends` row of a window (metrics of system B plus the OHLCV candle).
// volatility is the sample standard deviation of close and is 0 for a single bar, where Spark's
// stddev() would give null. avg_vwap and vwap_deviation_pct are NaN when no bar had a VWAP.
// An empty aggregate gives bar_count 0 with every metric 0 (NaN for the VWAP pair), NEUTRAL.
MarketWindowRow to_market_row(std::string_view symbol, EventTime start, EventTime end,
                              const MarketAgg& agg, bool is_final);

}  // namespace stockpulse
