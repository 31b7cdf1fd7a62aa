#pragma once

#include <string>
#include <string_view>

#include "common/rows.h"

namespace stockpulse {

// JSON encoders for the rows the pipeline pushes live (LiveHub events "sentiment", "trend",
// "alert"). Field names are exactly the serving-table column names (src/sink/README.md), so a row
// pushed live and the same row read back from /api/... look the same to the dashboard. Times are
// ISO-8601 UTC text with milliseconds, as stored; NaN and infinities become null; `histogram` is
// an array of kSentimentHistogramBuckets counts; is_final is a boolean. Each function appends one
// JSON object to `out`. Thread-safe (pure functions).
void append_json(const SentimentWindowRow& row, std::string& out);
void append_json(const MarketWindowRow& row, std::string& out);
void append_json(const AlertRow& row, std::string& out);

// Building blocks shared with the query API.
// A JSON string literal with quotes; control characters, quotes and backslashes escaped.
// Invalid UTF-8 bytes are replaced by U+FFFD so the output is always valid JSON text.
void append_api_json_string(std::string_view text, std::string& out);
// The shortest text that reads back as the same double; null for NaN and infinities.
void append_api_json_number(double value, std::string& out);
void append_api_json_number(int64_t value, std::string& out);

}  // namespace stockpulse
