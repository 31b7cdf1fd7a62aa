#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/named_type.h"

namespace stockpulse {

enum class FearGreedBand : uint8_t { kExtremeFear, kFear, kNeutral, kGreed, kExtremeGreed };

// < 25 Extreme Fear, < 45 Fear, <= 55 Neutral, <= 75 Greed, else Extreme Greed.
FearGreedBand fear_greed_band(double score);
const char* fear_greed_band_name(FearGreedBand band);  // "extreme_fear", ..., "extreme_greed"

// One minute of one symbol, taken from its latest sentiment and market windows.
struct FearGreedInputs {
  EventTime minute;
  std::optional<double> avg_compound;   // nullopt when the window had no posts
  std::optional<double> bullish_share;  // 0..1; nullopt when the window had no posts
  std::optional<double> close;          // latest close; nullopt when there were no bars
  double volatility = 0;                // window's standard deviation of close
  double volume = 0;                    // window's average volume
  double price_change = 0;              // window close - open: the direction of the move
};

// The five components, each 0..100 (NaN when not available), and their weighted combination.
struct FearGreedReading {
  EventTime minute;
  double score = std::numeric_limits<double>::quiet_NaN();
  FearGreedBand band = FearGreedBand::kNeutral;
  double sentiment = std::numeric_limits<double>::quiet_NaN();
  double bullish = std::numeric_limits<double>::quiet_NaN();
  double momentum = std::numeric_limits<double>::quiet_NaN();
  double volatility = std::numeric_limits<double>::quiet_NaN();
  double volume = std::numeric_limits<double>::quiet_NaN();
};

struct FearGreedConfig {
  int lookback_minutes = 30;             // moving averages of close, volatility and volume
  int min_history = 5;                   // market components need this many earlier minutes
  double momentum_scale_pct = 0.5;       // a close this % above its average maps to ~73
  double volatility_scale = 0.5;         // log-ratio scale: twice the usual volatility maps to ~20
  int64_t market_staleness_minutes = 5;  // symbols silent longer are left out of market()
  double w_sentiment = 0.25;
  double w_bullish = 0.15;
  double w_momentum = 0.25;
  double w_volatility = 0.20;
  double w_volume = 0.15;
};

// Fear & Greed index 0..100 per symbol and for the whole market; the formula and its reasons are in
// src/analytics/README.md. Per symbol it keeps the last lookback_minutes of close, volatility and
// volume to compare the current minute against their averages.
//
// Lifecycle: update() once per symbol per minute (a second update for the same minute replaces
// the first); market() any time. The symbol "*" (the whole-market sentiment row) is accepted but
// never counted in market(). save()/restore() checkpoint the configuration and every symbol's
// history (format in analytics/checkpoint_frame.h); a restored index continues with exactly the
// same numbers.
// Thread-safety: none; owned by one analytics thread.
class FearGreedIndex {
 public:
  explicit FearGreedIndex(FearGreedConfig config = {});

  // nullopt when no component is available (no posts and no market history) or the minute is
  // earlier than the symbol's latest.
  std::optional<FearGreedReading> update(std::string_view symbol, const FearGreedInputs& in);

  // Equal-weight mean of the latest score of every symbol updated within market_staleness_minutes
  // of `minute`; nullopt if there is none. Scores are summed in symbol byte order, so the result
  // depends only on the readings, not on the order symbols first appeared (or were restored).
  std::optional<FearGreedReading> market(EventTime minute) const;

  const FearGreedConfig& config() const { return config_; }

  // Appends a checkpoint to `out`: deterministic bytes (symbols in byte order), doubles bit-exact.
  void save(std::string& out) const;
  // Replaces the state with a checkpoint written by save() of an index with the same
  // configuration. On truncated, corrupted or foreign bytes, or another configuration, it returns
  // false and leaves the index unchanged.
  bool restore(std::string_view in);

 private:
  struct Sample {
    EventTime minute;
    std::optional<double> close;
    double volatility;
    double volume;
  };
  struct SymbolState {
    // Oldest first, at most lookback_minutes + 1. A vector: a std::deque allocates a 512-byte
    // block even for one sample, and every symbol with a reading has a history (#14).
    std::vector<Sample> history;
    std::optional<FearGreedReading> latest;
  };

  FearGreedConfig config_;
  // Ordered: market() sums the scores in this order, and a floating-point sum must not depend on
  // a hash map's insertion history (a restored index would otherwise differ in the last bits).
  std::map<std::string, SymbolState, std::less<>> symbols_;
};

}  // namespace stockpulse
