#include "decode/html_entities.h"

#include <array>
#include <cstdint>

namespace stockpulse {

namespace {

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct Named {
  std::string_view name;
  std::string_view text;
};
constexpr std::array<Named, 6> kNamed = {
    {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", "\xC2\xA0"}}};

// The reference at the start of `in` (which starts with '&'): its length and, in `out`, what it
// stands for; 0 when it is not one we decode.
size_t decode_one(std::string_view in, std::string& out) {
  // The longest we decode is "&#x10FFFF;" / "&#1114111;" (10 bytes); names are shorter.
  const size_t semi = in.substr(0, 12).find(';');
  if (semi == std::string_view::npos || semi < 2) return 0;
  const std::string_view body = in.substr(1, semi - 1);
  if (body[0] != '#') {
    for (const Named& n : kNamed) {
      if (body == n.name) {
        out += n.text;
        return semi + 1;
      }
    }
    return 0;
  }
  const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
  const std::string_view digits = body.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 7) return 0;
  uint32_t cp = 0;
  for (char c : digits) {
    uint32_t d = 0;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (hex && c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (hex && c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return 0;
    }
    cp = cp * (hex ? 16 : 10) + d;
  }
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  append_utf8(cp, out);
  return semi + 1;
}

}  // namespace

void append_html_decoded(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size());
  for (;;) {
    const size_t amp = in.find('&');
    if (amp == std::string_view::npos) {
      out += in;
      return;
    }
    out += in.substr(0, amp);
    in.remove_prefix(amp);
    const size_t used = decode_one(in, out);
    if (used == 0) {
      out += '&';
      in.remove_prefix(1);
    } else {
      in.remove_prefix(used);
    }
  }
}

void decode_html_entities(std::string& text) {
  if (text.find('&') == std::string::npos) return;
  std::string out;
  append_html_decoded(text, out);
  text.swap(out);
}

}  // namespace stockpulse
