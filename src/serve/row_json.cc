#include "serve/row_json.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "common/time_format.h"

namespace stockpulse {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong forms,
// surrogates and code points above U+10FFFF are rejected, as JSON parsers in browsers would).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  uint32_t cp = 0;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void append_time(EventTime t, std::string& out) {
  char buf[32];
  const size_t n = format_iso8601(t, buf);
  out += '"';
  out.append(buf, n);
  out += '"';
}

// Appends `"name":` (names are compile-time identifiers that need no escaping).
void key(const char* name, std::string& out) {
  out += '"';
  out += name;
  out += "\":";
}

}  // namespace

void append_api_json_string(std::string_view text, std::string& out) {
  out += '"';
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
      }
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      const size_t len = utf8_sequence_length(text, i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(text.substr(i, len));
        i += len;
      }
    }
  }
  out += '"';
}

void append_api_json_number(double value, std::string& out) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // fmt's default form is the shortest round-trip representation; it may print "1e+20", which is
  // valid JSON, and never prints "inf" here.
  fmt::format_to(std::back_inserter(out), "{}", value);
}

void append_api_json_number(int64_t value, std::string& out) {
  fmt::format_to(std::back_inserter(out), "{}", value);
}

void append_json(const SentimentWindowRow& row, std::string& out) {
  out += '{';
  key("symbol", out);
  append_api_json_string(row.symbol, out);
  out += ',';
  key("window_start", out);
  append_time(row.window_start, out);
  out += ',';
  key("window_end", out);
  append_time(row.window_end, out);
  out += ',';
  key("tweet_count", out);
  append_api_json_number(row.tweet_count, out);
  out += ',';
  key("sentiment_score_avg", out);
  append_api_json_number(row.sentiment_score_avg, out);
  out += ',';
  key("sentiment_score_min", out);
  append_api_json_number(row.sentiment_score_min, out);
  out += ',';
  key("sentiment_score_max", out);
  append_api_json_number(row.sentiment_score_max, out);
  out += ',';
  key("sentiment_score_stddev", out);
  append_api_json_number(row.sentiment_score_stddev, out);
  out += ',';
  key("bullish_count", out);
  append_api_json_number(row.bullish_count, out);
  out += ',';
  key("bearish_count", out);
  append_api_json_number(row.bearish_count, out);
  out += ',';
  key("neutral_count", out);
  append_api_json_number(row.neutral_count, out);
  out += ',';
  key("bullish_share", out);
  append_api_json_number(row.bullish_share, out);
  out += ',';
  key("histogram", out);
  out += '[';
  for (size_t i = 0; i < row.histogram.size(); ++i) {
    if (i) out += ',';
    append_api_json_number(row.histogram[i], out);
  }
  out += "],";
  key("is_final", out);
  out += row.is_final ? "true" : "false";
  out += '}';
}

void append_json(const MarketWindowRow& row, std::string& out) {
  out += '{';
  key("symbol", out);
  append_api_json_string(row.symbol, out);
  out += ',';
  key("window_start", out);
  append_time(row.window_start, out);
  out += ',';
  key("window_end", out);
  append_time(row.window_end, out);
  out += ',';
  key("bar_count", out);
  append_api_json_number(row.bar_count, out);
  const std::pair<const char*, double> numbers[] = {
      {"open", row.open},
      {"high", row.high},
      {"low", row.low},
      {"close", row.close},
      {"total_volume", row.total_volume},
      {"avg_close", row.avg_close},
      {"max_close", row.max_close},
      {"min_close", row.min_close},
      {"volatility", row.volatility},
      {"avg_volume", row.avg_volume},
      {"avg_vwap", row.avg_vwap},
      {"vwap_deviation_pct", row.vwap_deviation_pct},
      {"buy_pressure", row.buy_pressure},
      {"avg_pct_change", row.avg_pct_change},
      {"price_range", row.price_range},
  };
  for (const auto& [name, value] : numbers) {
    out += ',';
    key(name, out);
    append_api_json_number(value, out);
  }
  out += ',';
  key("trend_signal", out);
  append_api_json_string(trend_signal_name(row.trend_signal), out);
  out += ',';
  key("is_final", out);
  out += row.is_final ? "true" : "false";
  out += '}';
}

void append_json(const AlertRow& row, std::string& out) {
  out += '{';
  key("symbol", out);
  append_api_json_string(row.symbol, out);
  out += ',';
  key("ts", out);
  append_time(row.ts, out);
  out += ',';
  key("kind", out);
  append_api_json_string(row.kind, out);
  out += ',';
  key("message", out);
  append_api_json_string(row.message, out);
  out += ',';
  key("value", out);
  append_api_json_number(row.value, out);
  out += ',';
  key("severity", out);
  append_api_json_string(alert_severity_name(row.severity), out);
  out += '}';
}

}  // namespace stockpulse
