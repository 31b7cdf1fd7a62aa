#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/events.h"
#include "common/result.h"

namespace stockpulse {

// One row of a labelled evaluation file: a post and the sentiment a human gave it.
struct LabelledPost {
  std::string id;
  std::string text;
  SentimentLabel label = SentimentLabel::kNeutral;
};

// Bounds on what is read from outside: a labelled file of more rows or bytes is refused.
inline constexpr size_t kMaxLabelledRows = 1'000'000;
inline constexpr size_t kMaxLabelledFileBytes = size_t{256} << 20;

// Parses a labelled evaluation CSV (`id,text,label`, or `text,label` whose rows get the ids
// row1, row2, ...; RFC 4180 quoting: fields may be quoted,
// quotes inside are doubled, quoted fields may hold commas and line breaks; CRLF or LF line ends;
// an optional UTF-8 byte-order mark). The first record must be the header.
// Labels are bullish, bearish or neutral (case-insensitive), or the Twitter Financial News codes
// 0 (bearish), 1 (bullish), 2 (neutral). Empty lines are skipped.
// Any malformed record makes the whole read fail with "<source>:<line>: <what is wrong>", so an
// evaluation never silently runs on a subset of the file.
//
// Stateless functions; safe to call from any thread.
Result<std::vector<LabelledPost>, std::string> parse_labelled_csv(std::string_view content,
                                                                  std::string_view source_name);

// Reads and parses a file with parse_labelled_csv; an unreadable file is an error value too.
Result<std::vector<LabelledPost>, std::string> read_labelled_csv(const std::string& path);

}  // namespace stockpulse
