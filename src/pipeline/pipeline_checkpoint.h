#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stockpulse {

// What file mode needs to continue after a crash: where each input stops being reflected in the
// outputs, and the state of everything that has memory (the two window engines and the analytics
// stage). Written atomically (temp file, fsync, rename) by the sink thread only after every row
// before that point is in the serving store and the lake, so a restart neither loses nor doubles
// a row.
struct PipelineCheckpoint {
  std::string posts_file;  // the inputs it belongs to; a checkpoint of other inputs is refused
  std::string bars_file;
  // How the inputs were read ("posts=csv bars=daily-csv seed=42"): record numbers mean
  // something else under another format or fan-out seed, so such a checkpoint is refused too.
  std::string input_layout;
  int64_t posts_next = 0;  // offset (record number) of the first record not yet processed
  int64_t bars_next = 0;
  int64_t time_shift_ms = 0;     // --rebase-time: kept so a resumed run shifts by the same amount
  std::string sentiment_engine;  // WindowEngine::save bytes
  std::string market_engine;
  std::string signals;     // SignalStage::save bytes
  std::string watermarks;  // the two streams' WatermarkTracker::save bytes (WindowStage::save)
};

// Versioned, length-prefixed, sealed with a checksum.
std::string encode_checkpoint(const PipelineCheckpoint& c);
// nullopt for anything that is not an intact checkpoint of this version.
std::optional<PipelineCheckpoint> decode_checkpoint(std::string_view bytes);

}  // namespace stockpulse
