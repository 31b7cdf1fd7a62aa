#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/events.h"
#include "common/result.h"
#include "decode/decode_error.h"
#include "decode/padded_json.h"

namespace stockpulse {

struct BarDecoderOptions {
  // Longer records (in bytes of JSON) are rejected as kTooLarge before parsing.
  size_t max_record_bytes = 64 * 1024;
};

// Decodes the `stock-prices` contract (docs/design.md §3), including the field names of both
// reference systems and of Alpaca bar messages (README.md in this folder), into a validated Bar, or
// says why not with a dead-letter reason. One simdjson On-Demand parser per instance, reused across
// calls.
//
// Lifecycle: construct once per decoding thread, call decode() for each record.
// Thread-safety: none; use one instance per thread.
class BarDecoder {
 public:
  explicit BarDecoder(BarDecoderOptions options = {});
  ~BarDecoder();
  BarDecoder(const BarDecoder&) = delete;
  BarDecoder& operator=(const BarDecoder&) = delete;

  // Zero-copy: json.text must be followed by kJsonPadding readable bytes (see PaddedJson).
  Result<Bar, DecodeError> decode(PaddedJson json, SourcePosition pos);
  // Any view: copied into an internal padded buffer first.
  Result<Bar, DecodeError> decode(std::string_view json, SourcePosition pos);
  // Hot-loop form: fills `out` and returns true, or fills `error`.
  bool decode_into(PaddedJson json, SourcePosition pos, Bar& out, DecodeError& error);

 private:
  struct Impl;
  BarDecoderOptions options_;
  std::unique_ptr<Impl> impl_;
};

// Upper-cases `symbol` in place and checks it is 1-10 characters of A-Z, 0-9, '.', '-'.
bool normalize_symbol(std::string& symbol);

}  // namespace stockpulse
