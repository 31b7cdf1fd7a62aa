#pragma once

#include "sink/serving_store.h"

namespace stockpulse {

// The serving store of `--serving none`: accepts every write and keeps nothing. Useful for
// measuring the pipeline without storage and for runs that only want the lake.
// Lifecycle: none. Thread-safety: stateless, so safe from any thread.
class DiscardingServingStore final : public ServingStore {
 public:
  void write_posts(std::span<const ScoredPost>) override {}
  void write_bars(std::span<const Bar>) override {}
  void write_sentiment_windows(std::span<const SentimentWindowRow>) override {}
  void write_market_windows(std::span<const MarketWindowRow>) override {}
  void write_alerts(std::span<const AlertRow>) override {}
  void write_indicators(std::span<const IndicatorRow>) override {}
  void write_fear_greed(std::span<const FearGreedRow>) override {}
  void write_correlations(std::span<const CorrelationRow>) override {}
  void delete_alerts(EventTime, EventTime) override {}
  void flush() override {}
};

}  // namespace stockpulse
