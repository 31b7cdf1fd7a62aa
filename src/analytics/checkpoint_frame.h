#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "window/checkpoint_codec.h"

namespace stockpulse {

// The envelope of every analytics checkpoint (IndicatorState, CorrelationTracker, FearGreedIndex,
// AlertDetector, and app/SignalStage, which nests theirs):
//
//   u32 magic | u32 version | body ... | u64 FNV-1a checksum of everything before it
//
// Values are written with window/checkpoint_codec.h (fixed width, machine byte order, doubles as
// their IEEE bits, strings and nested checkpoints length-prefixed by a u32). A reader checks the
// checksum, magic and version before it looks at the body, and every read is bounds-checked.
// Free functions on the caller's writer/reader; no state, thread-safe.

// Writes the header into `out` (through `w`, which must append to `out`); returns the offset to
// pass to seal_checkpoint_frame() once the body is written.
inline size_t begin_checkpoint_frame(CheckpointWriter& w, const std::string& out, uint32_t magic,
                                     uint32_t version) {
  const size_t begin = out.size();
  w.put<uint32_t>(magic);
  w.put<uint32_t>(version);
  return begin;
}

inline void seal_checkpoint_frame(CheckpointWriter& w, size_t begin) {
  w.seal(begin);
}

// A reader over the body of a frame, or nullopt when the bytes are too short, the checksum does
// not match, or the magic or version differ.
inline std::optional<CheckpointReader> open_checkpoint_frame(std::string_view in, uint32_t magic,
                                                             uint32_t version) {
  constexpr size_t kHeader = 2 * sizeof(uint32_t);
  if (in.size() < kHeader + sizeof(uint64_t)) return std::nullopt;
  const std::string_view covered = in.substr(0, in.size() - sizeof(uint64_t));
  CheckpointReader tail(in.substr(covered.size()));
  if (tail.get<uint64_t>() != checkpoint_checksum(covered)) return std::nullopt;
  CheckpointReader r(covered);
  if (r.get<uint32_t>() != magic || r.get<uint32_t>() != version || !r.ok()) return std::nullopt;
  return r;
}

// optional<double> as a presence byte and the value's bits (0 when absent, so bytes stay
// deterministic).
inline void put_optional_double(CheckpointWriter& w, const std::optional<double>& v) {
  w.put<uint8_t>(v ? 1 : 0);
  w.put<double>(v ? *v : 0.0);
}

// False (and the reader failed) on a presence byte other than 0 or 1.
inline bool get_optional_double(CheckpointReader& r, std::optional<double>& v) {
  const uint8_t has = r.get<uint8_t>();
  const double value = r.get<double>();
  if (!r.ok() || has > 1) {
    r.fail();
    return false;
  }
  v = has ? std::optional<double>(value) : std::nullopt;
  return true;
}

// A count read from the bytes is plausible when the rest of the input could hold that many
// entries of at least `min_entry_bytes` each; checked before looping so corrupted counts cannot
// make a decoder spin or allocate.
inline bool plausible_count(const CheckpointReader& r, uint64_t count, size_t min_entry_bytes) {
  return r.ok() && count <= r.remaining() / (min_entry_bytes == 0 ? 1 : min_entry_bytes);
}

}  // namespace stockpulse
