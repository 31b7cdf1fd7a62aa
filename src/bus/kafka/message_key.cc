#include "bus/kafka/message_key.h"

namespace stockpulse {

namespace {

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_alnum(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9');
}
char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

// Length of the run of ASCII letters starting at i.
size_t letters_at(std::string_view s, size_t i) {
  size_t n = 0;
  while (i + n < s.size() && is_alpha(s[i + n])) ++n;
  return n;
}

}  // namespace

std::string first_cashtag(std::string_view text) {
  for (size_t i = text.find('$'); i != std::string_view::npos; i = text.find('$', i + 1)) {
    if (i > 0 && is_alnum(text[i - 1])) continue;  // "US$5"
    const size_t base = letters_at(text, i + 1);
    if (base < 1 || base > 5) continue;
    size_t end = i + 1 + base;
    if (end < text.size() && is_alnum(text[end])) continue;  // "$AAPL1"
    // A class suffix only when 1-2 letters follow the dot and end the word; otherwise the dot
    // ends the sentence.
    if (end < text.size() && text[end] == '.') {
      const size_t suffix = letters_at(text, end + 1);
      const size_t after = end + 1 + suffix;
      if (suffix >= 1 && suffix <= 2 && (after >= text.size() || !is_alnum(text[after]))) {
        end = after;
      }
    }
    std::string symbol;
    symbol.reserve(end - i - 1);
    for (size_t k = i + 1; k < end; ++k) symbol.push_back(upper(text[k]));
    return symbol;
  }
  return {};
}

}  // namespace stockpulse
