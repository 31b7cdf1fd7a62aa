#pragma once

#include <cstddef>
#include <string_view>

namespace stockpulse {

// Bytes that must be readable after the end of a JSON text handed to the decoders without a copy.
// Equal to SIMDJSON_PADDING (checked by a static_assert in the decoders) but kept here so that
// readers (LineReader, Kafka consumers) can size their buffers without including simdjson.h.
constexpr size_t kJsonPadding = 64;

// A JSON text whose backing buffer has at least kJsonPadding readable bytes after text.end().
// The padding may hold anything (the next line, a newline, zeros): the decoders never interpret it.
// Constructing one is a promise by the caller; the decoders' plain string_view overloads copy the
// text into a padded scratch buffer instead.
struct PaddedJson {
  std::string_view text;
};

}  // namespace stockpulse
