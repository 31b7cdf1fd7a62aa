#include "sentiment/unicode_text.h"

#include <algorithm>
#include <iterator>

namespace stockpulse::unicode_text {

namespace {

struct CodepointRange {
  uint32_t first;
  uint32_t last;
};
struct LowerMapping {
  uint32_t cp;
  const char* lower;  // UTF-8
};

#include "sentiment/unicode_tables.inc"

template <size_t N>
bool in_ranges(uint32_t cp, const CodepointRange (&table)[N]) {
  // Binary search for the last range starting at or before cp.
  auto it = std::upper_bound(std::begin(table), std::end(table), cp,
                             [](uint32_t c, const CodepointRange& r) { return c < r.first; });
  if (it == std::begin(table)) return false;
  --it;
  return cp <= it->last;
}

}  // namespace

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_space(uint32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  return in_ranges(cp, kPyWhitespace);
}

size_t length(std::string_view s) {
  size_t n = 0;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    uint32_t cp;
    p += decode(p, end, cp);
    ++n;
  }
  return n;
}

bool is_upper(std::string_view s) {
  bool cased = false;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const auto b = static_cast<unsigned char>(*p);
    if (b < 0x80) {
      if (b >= 'a' && b <= 'z') return false;
      if (b >= 'A' && b <= 'Z') cased = true;
      ++p;
      continue;
    }
    uint32_t cp;
    p += decode(p, end, cp);
    if (in_ranges(cp, kPyLowerOrTitle)) return false;
    if (!cased && in_ranges(cp, kPyUpper)) cased = true;
  }
  return cased;
}

void append_lower(std::string_view s, std::string& out) {
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const auto b = static_cast<unsigned char>(*p);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
      ++p;
      continue;
    }
    uint32_t cp;
    const int len = decode(p, end, cp);
    auto it = std::lower_bound(std::begin(kPyLower), std::end(kPyLower), cp,
                               [](const LowerMapping& m, uint32_t c) { return m.cp < c; });
    if (len > 1 && it != std::end(kPyLower) && it->cp == cp) {
      out.append(it->lower);
    } else {
      out.append(p, static_cast<size_t>(len));
    }
    p += len;
  }
}

std::string_view truncate_utf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  // Back up over at most 3 continuation bytes to the start of the cut sequence.
  for (int k = 0; k < 3 && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80; ++k) --n;
  return s.substr(0, n);
}

}  // namespace stockpulse::unicode_text
