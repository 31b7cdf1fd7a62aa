#pragma once

#include <string>
#include <string_view>

#include "common/dead_letter.h"
#include "common/events.h"

namespace stockpulse {

// Writers of the message contracts of docs/design.md §3, one JSON object per call, appended to
// `out` without a trailing newline. What they write decodes back with PostDecoder / BarDecoder to
// the same values (strings repaired as below; doubles bit-exact). Free functions: no state, safe
// from any thread.

// {"id":...,"created_at":"2024-05-01T14:30:05.123Z","text":...,"user":...,"source":...}, then
// "symbols":[...] when the post has any and "label":"bullish"|"neutral"|"bearish" when it has one.
void append_post_json(const Post& post, std::string& out);

// {"symbol":...,"timestamp":...,"open":...,"high":...,"low":...,"close":...,"volume":...,
//  "vwap":...,"trade_count":...}. vwap is left out when NaN and trade_count when negative (their
// "unknown" values), which the decoder reads back as NaN and -1.
void append_bar_json(const Bar& bar, std::string& out);

// Appends s as a JSON string literal: quotes, backslash and control characters escaped (\n, \t,
// ... or \u00XX), every ill-formed UTF-8 subsequence replaced by U+FFFD, everything else as is.
void append_json_string(std::string_view s, std::string& out);

// The dead-letter record as one JSON object (no newline), the format of the dead-letter file
// and topic: {"stream":...,"partition":...,"offset":...,"reason":...,"detail":...,
// "payload_size":...,"payload":...}; at most kMaxDeadLetterPayload bytes of payload.
void append_dead_letter_json(const DeadLetter& d, std::string& out);

// Appends the shortest decimal form that reads back as exactly v (std::to_chars). v must be
// finite: JSON has no NaN or infinity, so callers leave such fields out.
void append_json_number(double v, std::string& out);

}  // namespace stockpulse
