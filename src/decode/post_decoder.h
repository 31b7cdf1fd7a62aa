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

struct PostDecoderOptions {
  // Longer texts (in bytes, after JSON unescaping) are rejected as kTooLarge.
  size_t max_text_bytes = 64 * 1024;
  // Longer records (in bytes of JSON) are rejected as kTooLarge before parsing.
  size_t max_record_bytes = 1024 * 1024;
  // When false (the default), a post without "id" gets "pos-<partition>-<offset>", stable across
  // re-reads of the same input so upserts stay idempotent. When true, it is kMissingField.
  bool require_id = false;
};

// Decodes the `tweets` contract (docs/design.md §3, README.md in this folder) into a Post, or says
// why not with a dead-letter reason. One simdjson On-Demand parser per instance, reused across
// calls, so steady-state decoding allocates only the Post's strings.
//
// Lifecycle: construct once per decoding thread, call decode() for each record.
// Thread-safety: none; use one instance per thread.
class PostDecoder {
 public:
  explicit PostDecoder(PostDecoderOptions options = {});
  ~PostDecoder();
  PostDecoder(const PostDecoder&) = delete;
  PostDecoder& operator=(const PostDecoder&) = delete;

  // Zero-copy: json.text must be followed by kJsonPadding readable bytes (see PaddedJson).
  Result<Post, DecodeError> decode(PaddedJson json, SourcePosition pos);
  // Any view: copied into an internal padded buffer first (a memcpy of the record).
  Result<Post, DecodeError> decode(std::string_view json, SourcePosition pos);
  // Hot-loop form: fills `out` (reusing its string capacity) and returns true, or fills `error`.
  bool decode_into(PaddedJson json, SourcePosition pos, Post& out, DecodeError& error);

 private:
  struct Impl;
  PostDecoderOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stockpulse
