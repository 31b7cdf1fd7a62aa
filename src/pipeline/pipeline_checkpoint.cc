#include "pipeline/pipeline_checkpoint.h"

#include "window/checkpoint_codec.h"

namespace stockpulse {

namespace {
constexpr uint32_t kMagic = 0x4B435053;  // "SPCK"
constexpr uint32_t kVersion = 3;         // 2: input_layout; 3: watermarks
}  // namespace

std::string encode_checkpoint(const PipelineCheckpoint& c) {
  std::string out;
  CheckpointWriter w(out);
  w.put(kMagic);
  w.put(kVersion);
  w.put_bytes(c.posts_file);
  w.put_bytes(c.bars_file);
  w.put_bytes(c.input_layout);
  w.put(c.posts_next);
  w.put(c.bars_next);
  w.put(c.time_shift_ms);
  w.put_bytes(c.sentiment_engine);
  w.put_bytes(c.market_engine);
  w.put_bytes(c.signals);
  w.put_bytes(c.watermarks);
  w.seal(0);
  return out;
}

std::optional<PipelineCheckpoint> decode_checkpoint(std::string_view bytes) {
  const auto body = checked_body(bytes);
  if (!body) return std::nullopt;
  CheckpointReader r(*body);
  if (r.get<uint32_t>() != kMagic || r.get<uint32_t>() != kVersion) return std::nullopt;
  PipelineCheckpoint c;
  c.posts_file = std::string(r.get_bytes());
  c.bars_file = std::string(r.get_bytes());
  c.input_layout = std::string(r.get_bytes());
  c.posts_next = r.get<int64_t>();
  c.bars_next = r.get<int64_t>();
  c.time_shift_ms = r.get<int64_t>();
  c.sentiment_engine = std::string(r.get_bytes());
  c.market_engine = std::string(r.get_bytes());
  c.signals = std::string(r.get_bytes());
  c.watermarks = std::string(r.get_bytes());
  if (!r.ok() || r.remaining() != 0) return std::nullopt;
  return c;
}

}  // namespace stockpulse
