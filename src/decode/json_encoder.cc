#include "decode/json_encoder.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/time_format.h"
#include "decode/utf8.h"

namespace stockpulse {

namespace {

// Bytes that can be copied as they are: printable ASCII except '"' and '\\'. A table keeps the
// common all-ASCII text on a tight loop.
constexpr std::array<bool, 256> make_plain_table() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}
constexpr std::array<bool, 256> kPlain = make_plain_table();

void append_escape(unsigned char c, std::string& out) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(buf, 6);
    }
  }
}

void append_time(EventTime t, std::string& out) {
  char buf[32];
  out += '"';
  out.append(buf, format_iso8601(t, buf));
  out += '"';
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  out += '"';
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    size_t run = i;
    while (run < n && kPlain[static_cast<unsigned char>(s[run])]) ++run;
    out.append(s.data() + i, run - i);
    i = run;
    if (i == n) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      append_escape(c, out);
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s, i);
    if (len != 0) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      i += utf8_invalid_length(s, i);
    }
  }
  out += '"';
}

void append_json_number(double v, std::string& out) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_post_json(const Post& post, std::string& out) {
  out += "{\"id\":";
  append_json_string(post.id, out);
  out += ",\"created_at\":";
  append_time(post.created_at, out);
  out += ",\"text\":";
  append_json_string(post.text, out);
  out += ",\"user\":";
  append_json_string(post.user, out);
  out += ",\"source\":";
  append_json_string(post.source, out);
  if (!post.symbols.empty()) {
    out += ",\"symbols\":[";
    for (size_t i = 0; i < post.symbols.size(); ++i) {
      if (i > 0) out += ',';
      append_json_string(post.symbols[i], out);
    }
    out += ']';
  }
  if (post.label) {
    out += ",\"label\":\"";
    out += label_name(*post.label);
    out += '"';
  }
  out += '}';
}

void append_bar_json(const Bar& bar, std::string& out) {
  out += "{\"symbol\":";
  append_json_string(bar.symbol, out);
  out += ",\"timestamp\":";
  append_time(bar.ts, out);
  out += ",\"open\":";
  append_json_number(bar.open, out);
  out += ",\"high\":";
  append_json_number(bar.high, out);
  out += ",\"low\":";
  append_json_number(bar.low, out);
  out += ",\"close\":";
  append_json_number(bar.close, out);
  out += ",\"volume\":";
  append_json_number(bar.volume, out);
  if (!std::isnan(bar.vwap)) {
    out += ",\"vwap\":";
    append_json_number(bar.vwap, out);
  }
  if (bar.trade_count >= 0) {
    out += ",\"trade_count\":";
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, bar.trade_count);
    out.append(buf, r.ptr);
  }
  out += '}';
}

void append_dead_letter_json(const DeadLetter& d, std::string& out) {
  out += "{\"stream\":";
  append_json_string(d.stream, out);
  out += ",\"partition\":" + std::to_string(d.partition.value());
  out += ",\"offset\":" + std::to_string(d.offset.value());
  out += ",\"reason\":\"";
  out += reason_name(d.reason);
  out += "\",\"detail\":";
  append_json_string(d.detail, out);
  out += ",\"payload_size\":" + std::to_string(d.payload_size);
  out += ",\"payload\":";
  append_json_string(std::string_view(d.payload).substr(0, kMaxDeadLetterPayload), out);
  out += '}';
}

}  // namespace stockpulse
