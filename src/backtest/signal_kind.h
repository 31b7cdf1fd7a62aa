#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace stockpulse {

// The signals `stockpulse backtest` measures, each read from (or derived from) a serving table.
enum class SignalKind : uint8_t {
  kAvgSentiment,     // topic_sentiment_avg.sentiment_score_avg
  kBullishShare,     // topic_sentiment_avg.bullish_share
  kSentimentChange,  // sentiment_score_avg minus that of the window one slide earlier
  kVolumeSpike,      // tweet_count / mean tweet_count of the trailing lookback (missing = 0)
  kTrendSignal,      // stock_trends.trend_signal as -1 / 0 / +1
  kFearGreed,        // fear_greed.score (0..100)
  kRsi,              // indicators.rsi_14, known at the close of its minute
};

constexpr int kSignalKinds = 7;

constexpr std::array<SignalKind, kSignalKinds> kAllSignals = {
    SignalKind::kAvgSentiment, SignalKind::kBullishShare, SignalKind::kSentimentChange,
    SignalKind::kVolumeSpike,  SignalKind::kTrendSignal,  SignalKind::kFearGreed,
    SignalKind::kRsi};

inline const char* signal_name(SignalKind s) {
  switch (s) {
    case SignalKind::kAvgSentiment:
      return "avg_sentiment";
    case SignalKind::kBullishShare:
      return "bullish_share";
    case SignalKind::kSentimentChange:
      return "sentiment_change";
    case SignalKind::kVolumeSpike:
      return "volume_spike";
    case SignalKind::kTrendSignal:
      return "trend_signal";
    case SignalKind::kFearGreed:
      return "fear_greed";
    case SignalKind::kRsi:
      return "rsi_14";
  }
  return "?";
}

inline std::optional<SignalKind> parse_signal(std::string_view name) {
  for (SignalKind s : kAllSignals) {
    if (name == signal_name(s)) return s;
  }
  return std::nullopt;
}

// The position a signal value asks for in the long/short P&L and the hit rate: long at or above
// `long_at`, short at or below `short_at`, flat between. Every signal is read the momentum way
// (high = bullish); a negative IC or P&L therefore says the contrarian reading would have won.
struct SignalThresholds {
  double long_at;
  double short_at;
};

inline SignalThresholds default_thresholds(SignalKind s, double spike_ratio) {
  constexpr double kNever = -std::numeric_limits<double>::infinity();
  switch (s) {
    case SignalKind::kAvgSentiment:  // VADER's own label cut-offs
      return {0.05, -0.05};
    case SignalKind::kBullishShare:  // above / below an even split of three labels
      return {1.0 / 3.0, 1.0 / 3.0 - 1e-12};
    case SignalKind::kSentimentChange:
      return {0.05, -0.05};
    case SignalKind::kVolumeSpike:  // long on a spike (attention), never short
      return {spike_ratio, kNever};
    case SignalKind::kTrendSignal:
      return {1, -1};
    case SignalKind::kFearGreed:  // outside the neutral band 45..55
      return {55, 45};
    case SignalKind::kRsi:
      return {70, 30};
  }
  return {0, 0};
}

inline int position_for(const SignalThresholds& t, double v) {
  if (v >= t.long_at) return 1;
  if (v <= t.short_at) return -1;
  return 0;
}

}  // namespace stockpulse
