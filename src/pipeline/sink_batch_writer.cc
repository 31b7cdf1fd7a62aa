#include "pipeline/sink_batch_writer.h"

#include <chrono>

namespace stockpulse {

void write_sink_batch(ServingStore& store, const SinkBatch& b, PipelineMetrics& metrics) {
  const auto start = std::chrono::steady_clock::now();
  store.write_posts(b.posts);
  store.write_bars(b.bars);
  store.write_sentiment_windows(b.sentiment_windows);
  store.write_market_windows(b.market_windows);
  store.write_alerts(b.alerts);
  store.write_indicators(b.indicators);
  store.write_fear_greed(b.fear_greed);
  store.write_correlations(b.correlations);
  metrics.observe_sink_write(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start));
  metrics.alerts.fetch_add(b.alerts.size(), std::memory_order_relaxed);
  metrics.rows_written.fetch_add(
      b.posts.size() + b.bars.size() + b.sentiment_windows.size() + b.market_windows.size(),
      std::memory_order_relaxed);
}

}  // namespace stockpulse
