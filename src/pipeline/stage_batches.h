#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/dead_letter.h"
#include "common/events.h"
#include "common/rows.h"

namespace stockpulse {

// The two input streams of docs/design.md §3.
enum class Stream : uint8_t { kPosts = 0, kBars = 1 };
inline const char* stream_name(Stream s) {
  return s == Stream::kPosts ? "tweets" : "stock-prices";
}

// One raw record inside a RawBatch: a byte range of RawBatch::buffer.
struct RawRecord {
  Offset offset;
  uint32_t begin = 0;
  uint32_t size = 0;
  uint64_t full_size = 0;  // > size when the record was over the size limit and cut
  bool too_large = false;
};

// Records as read from a source, before decoding. All records share one buffer, which ends with
// at least 64 spare bytes so JSON parsers may read past a record's end (simdjson's padding).
// `seq` numbers the batches of one stream so the window stage can restore their order after the
// parallel decode stage.
struct RawBatch {
  Stream stream = Stream::kPosts;
  PartitionId partition;
  uint64_t seq = 0;
  std::string buffer;
  std::vector<RawRecord> records;
  Offset end_offset;          // offset of the first record after this batch
  bool end_of_input = false;  // the last batch of its partition
};

// A RawBatch after decode and enrichment.
struct EnrichedBatch {
  Stream stream = Stream::kPosts;
  PartitionId partition;
  uint64_t seq = 0;
  std::vector<ScoredPost> posts;
  std::vector<Bar> bars;
  Offset end_offset;
  bool end_of_input = false;
};

// What the window stage hands to the sinks on each step.
struct SinkBatch {
  std::vector<ScoredPost> posts;
  std::vector<Bar> bars;
  std::vector<SentimentWindowRow> sentiment_windows;  // updates and finals (is_final says which)
  std::vector<MarketWindowRow> market_windows;
  std::vector<AlertRow> alerts;
  std::vector<IndicatorRow> indicators;
  std::vector<FearGreedRow> fear_greed;
  std::vector<CorrelationRow> correlations;
  bool roll_lake = false;  // a trigger passed: let the lake roll files by age
  // Set on the batch that completes a checkpoint: written once everything above is stored.
  std::string checkpoint;
};

}  // namespace stockpulse
