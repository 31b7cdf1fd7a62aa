#include "pipeline/lake_batch.h"

#include <utility>

namespace stockpulse {

LakeBatch take_lake_rows(SinkBatch& batch) {
  LakeBatch out;
  out.posts = std::move(batch.posts);
  out.bars = std::move(batch.bars);
  batch.posts.clear();
  batch.bars.clear();
  for (auto& r : batch.sentiment_windows)
    if (r.is_final) out.sentiment.push_back(std::move(r));
  for (auto& r : batch.market_windows)
    if (r.is_final) out.market.push_back(std::move(r));
  out.roll = batch.roll_lake;
  out.checkpoint = std::move(batch.checkpoint);
  batch.checkpoint.clear();
  return out;
}

void append_to_lake(LakeWriter& lake, const LakeBatch& batch, PipelineMetrics& metrics) {
  lake.append_posts(batch.posts);
  lake.append_bars(batch.bars);
  lake.append_sentiment_windows(batch.sentiment);
  lake.append_market_windows(batch.market);
  if (batch.roll) lake.maybe_roll();
  metrics.lake_memory_bytes.store(lake.memory_bytes(), std::memory_order_relaxed);
}

std::optional<std::string> close_lake_for_checkpoint(LakeWriter& lake) {
  const uint64_t errors = lake.write_errors();
  lake.close();
  if (lake.write_errors() != errors || lake.staged_bytes() != 0) return lake.last_error();
  return std::nullopt;
}

}  // namespace stockpulse
