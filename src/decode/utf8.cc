#include "decode/utf8.h"

#include <cstdint>

namespace stockpulse {

namespace {

// Allowed range of the second byte for each lead byte (table 3-7); the third and fourth bytes
// are always 80..BF. Tightening only the second byte is what rules out overlong forms (E0, F0),
// surrogates (ED) and code points above U+10FFFF (F4).
struct LeadInfo {
  uint8_t length;  // 0 = not a valid lead byte
  uint8_t second_lo;
  uint8_t second_hi;
};

LeadInfo lead_info(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b < 0xC2) return {0, 0, 0};
  if (b < 0xE0) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b < 0xF0) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b < 0xF4) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Number of bytes, starting at pos, that form a valid prefix of a sequence (the lead byte plus
// the continuation bytes that are still in range).
size_t valid_prefix(std::string_view s, size_t pos, const LeadInfo& info) {
  size_t n = 1;
  while (n < info.length && pos + n < s.size()) {
    const auto c = static_cast<uint8_t>(s[pos + n]);
    const bool ok =
        n == 1 ? (c >= info.second_lo && c <= info.second_hi) : (c >= 0x80 && c <= 0xBF);
    if (!ok) break;
    ++n;
  }
  return n;
}

}  // namespace

size_t utf8_sequence_length(std::string_view s, size_t pos) {
  const LeadInfo info = lead_info(static_cast<uint8_t>(s[pos]));
  if (info.length <= 1) return info.length;
  return valid_prefix(s, pos, info) == info.length ? info.length : 0;
}

size_t utf8_invalid_length(std::string_view s, size_t pos) {
  const LeadInfo info = lead_info(static_cast<uint8_t>(s[pos]));
  if (info.length == 0) return 1;
  return valid_prefix(s, pos, info);
}

size_t utf8_first_invalid(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) return i;
    i += n;
  }
  return s.size();
}

}  // namespace stockpulse
