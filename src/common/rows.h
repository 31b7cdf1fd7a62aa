#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "common/named_type.h"

namespace stockpulse {

// Rows of the serving tables and the lake (docs/design.md §7). Column names follow the reference
// systems: system A for sentiment, system B for market metrics.

// Buckets of the compound-score histogram behind the intensity heatmap: [-1, 1] in 20 steps.
constexpr int kSentimentHistogramBuckets = 20;

inline int sentiment_bucket(double compound) {
  int b = static_cast<int>((compound + 1.0) * (kSentimentHistogramBuckets / 2.0));
  if (b < 0) b = 0;
  if (b >= kSentimentHistogramBuckets) b = kSentimentHistogramBuckets - 1;
  return b;
}

// One window of posts about one symbol (table `topic_sentiment_avg`). The symbol "*" holds the
// whole market: every post once, whatever tickers it mentions.
struct SentimentWindowRow {
  std::string symbol;
  EventTime window_start;
  EventTime window_end;
  int64_t tweet_count = 0;
  double sentiment_score_avg = 0;
  double sentiment_score_min = 0;
  double sentiment_score_max = 0;
  double sentiment_score_stddev = 0;
  int64_t bullish_count = 0;
  int64_t bearish_count = 0;
  int64_t neutral_count = 0;
  double bullish_share = 0;  // bullish_count / tweet_count
  std::array<int64_t, kSentimentHistogramBuckets> histogram{};
  bool is_final = false;
};

enum class TrendSignal : uint8_t { kBearish, kNeutral, kBullish };

inline const char* trend_signal_name(TrendSignal s) {
  switch (s) {
    case TrendSignal::kBearish:
      return "BEARISH";
    case TrendSignal::kNeutral:
      return "NEUTRAL";
    case TrendSignal::kBullish:
      return "BULLISH";
  }
  return "NEUTRAL";
}

// One window of bars of one symbol (table `stock_trends`), with system B's metrics and the
// window's OHLCV candle.
struct MarketWindowRow {
  std::string symbol;
  EventTime window_start;
  EventTime window_end;
  int64_t bar_count = 0;
  double open = 0;  // first bar's open by event time
  double high = 0;
  double low = 0;
  double close = 0;  // last bar's close by event time
  double total_volume = 0;
  double avg_close = 0;
  double max_close = 0;
  double min_close = 0;
  double volatility = 0;  // sample standard deviation of close (0 for one bar)
  double avg_volume = 0;
  double avg_vwap = std::numeric_limits<double>::quiet_NaN();  // NaN when no bar had a VWAP
  double vwap_deviation_pct = std::numeric_limits<double>::quiet_NaN();
  double buy_pressure = 0;    // share of bars that closed above their open
  double avg_pct_change = 0;  // mean of (close - open) / open * 100
  double price_range = 0;     // max_close - min_close
  TrendSignal trend_signal = TrendSignal::kNeutral;
  bool is_final = false;
};

// Indicators of one symbol at the close of one minute (table `indicators`): RSI-14 (Wilder),
// EMA-20 and SMA-50 of minute closes; NaN until enough minutes have been seen.
struct IndicatorRow {
  std::string symbol;
  EventTime ts;  // the minute's start
  double close = 0;
  double rsi_14 = std::numeric_limits<double>::quiet_NaN();
  double ema_20 = std::numeric_limits<double>::quiet_NaN();
  double sma_50 = std::numeric_limits<double>::quiet_NaN();
};

// The Fear & Greed index of one symbol ("*": the whole market) for one final window
// (table `fear_greed`), with the five components it combines, each on 0..100.
struct FearGreedRow {
  std::string symbol;
  EventTime ts;  // end of the window it was computed from
  double score = std::numeric_limits<double>::quiet_NaN();
  std::string band;  // extreme_fear, fear, neutral, greed, extreme_greed
  double sentiment = std::numeric_limits<double>::quiet_NaN();
  double bullish = std::numeric_limits<double>::quiet_NaN();
  double momentum = std::numeric_limits<double>::quiet_NaN();
  double volatility = std::numeric_limits<double>::quiet_NaN();
  double volume = std::numeric_limits<double>::quiet_NaN();
};

// Rolling correlation between per-minute average sentiment and per-minute return of one symbol
// (table `sentiment_correlation`), at lag 0 and at the lag that maximises |r|.
struct CorrelationRow {
  std::string symbol;
  EventTime ts;
  double r_lag0 = std::numeric_limits<double>::quiet_NaN();
  int64_t pairs_lag0 = 0;
  int64_t best_lag = 0;  // minutes; positive: sentiment leads the price
  double best_r = std::numeric_limits<double>::quiet_NaN();
  int64_t pairs_best = 0;
};

// How much an alert matters, from the size of the move that raised it (AlertDetector). Ordered:
// a webhook's minimum severity passes that level and the ones above it.
enum class AlertSeverity : uint8_t { kInfo, kWarning, kCritical };

inline const char* alert_severity_name(AlertSeverity s) {
  switch (s) {
    case AlertSeverity::kInfo:
      return "info";
    case AlertSeverity::kWarning:
      return "warning";
    case AlertSeverity::kCritical:
      return "critical";
  }
  return "info";
}

inline std::optional<AlertSeverity> parse_alert_severity(std::string_view s) {
  if (s == "info") return AlertSeverity::kInfo;
  if (s == "warning") return AlertSeverity::kWarning;
  if (s == "critical") return AlertSeverity::kCritical;
  return std::nullopt;
}

// A notable change (table and stream `alerts`).
struct AlertRow {
  std::string symbol;
  EventTime ts;
  std::string kind;  // "trend_signal_change", "sentiment_spike", "fear_greed_band"
  std::string message;
  double value = 0;
  AlertSeverity severity = AlertSeverity::kInfo;  // column `severity`: info, warning, critical
};

}  // namespace stockpulse
