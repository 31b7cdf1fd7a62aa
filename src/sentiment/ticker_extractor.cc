#include "sentiment/ticker_extractor.h"

#include <algorithm>
#include <cstring>

namespace stockpulse {

namespace {

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_alnum(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9');
}
char to_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}

std::vector<std::string> normalised(std::vector<std::string> words) {
  for (auto& w : words) {
    for (char& c : w) c = to_upper(c);
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

// Length of "LETTERS[.LETTERS]" at p (letters only, main part 1-5, class suffix 1-2), or 0. For a
// bare word `upper_only` requires upper-case letters.
size_t symbol_length(std::string_view text, size_t p, bool upper_only) {
  auto ok = [&](char c) { return upper_only ? (c >= 'A' && c <= 'Z') : is_alpha(c); };
  size_t i = p;
  while (i < text.size() && ok(text[i])) ++i;
  const size_t main_len = i - p;
  if (main_len < 1 || main_len > 5) return 0;
  // A digit or letter right after the letters means this is not a symbol ("$AAPL2", "$TOOLONG").
  if (i < text.size() && (is_alnum(text[i]) || text[i] == '_')) return 0;
  if (i + 1 < text.size() && text[i] == '.' && ok(text[i + 1])) {
    size_t j = i + 1;
    while (j < text.size() && ok(text[j])) ++j;
    const size_t suffix = j - (i + 1);
    const bool ends = j == text.size() || !(is_alnum(text[j]) || text[j] == '_');
    // "$AAPL.Great" is a sentence end, not a class suffix: suffixes are one or two letters.
    if (suffix <= 2 && ends) return j - p;
  }
  return main_len;
}

}  // namespace

const std::vector<std::string>& TickerExtractor::default_stop_list() {
  static const std::vector<std::string> list = {
      "A",    "AI",   "ALL", "AM",   "AN",   "AND", "ANY",  "ARE",  "AS",   "AT",   "BE",
      "BIG",  "BY",   "CAN", "CEO",  "CFO",  "DD",  "DO",   "EDIT", "EOD",  "EPS",  "ETF",
      "EV",   "FOR",  "GDP", "GO",   "GOOD", "HAS", "HE",   "HOLD", "I",    "IF",   "IMO",
      "IN",   "IPO",  "IS",  "IT",   "LOL",  "LOW", "MAN",  "ME",   "MY",   "NEW",  "NEXT",
      "NO",   "NOT",  "NOW", "OF",   "OK",   "ON",  "ONE",  "OR",   "OUT",  "PM",   "REAL",
      "SEE",  "SO",   "TA",  "THE",  "TO",   "UK",  "UP",   "US",   "USA",  "USD",  "WE",
      "YOLO", "YOU",  "ATH", "FOMO", "HODL", "CPI", "FED",  "SEC",  "Q",    "TV",   "VERY",
      "BEST", "LOVE", "FUN", "PLAY", "TRUE", "RUN", "FAST", "CASH", "NICE", "WELL", "OPEN"};
  return list;
}

TickerExtractor::TickerExtractor() : stop_(normalised(default_stop_list())) {}

TickerExtractor::TickerExtractor(std::vector<std::string> watch_list,
                                 std::vector<std::string> stop_list)
    : watch_(normalised(std::move(watch_list))), stop_(normalised(std::move(stop_list))) {}

bool TickerExtractor::watched(std::string_view w) const {
  return std::binary_search(watch_.begin(), watch_.end(), w, std::less<>{});
}

bool TickerExtractor::stopped(std::string_view w) const {
  return std::binary_search(stop_.begin(), stop_.end(), w, std::less<>{});
}

void TickerExtractor::extract(std::string_view text, std::vector<TickerMention>& out) const {
  // Keep the strings' capacity: clear by count, not by destroying elements.
  size_t n = 0;
  // A symbol has at most 8 bytes ("ABCDE.FG"): packed into an integer, deduplication is one
  // compare per earlier ticker instead of a string compare.
  uint64_t packed[kMaxTickers];
  auto add = [&](std::string_view raw, size_t begin, size_t end) {
    char buf[8] = {};
    const size_t len = std::min(raw.size(), sizeof buf);
    for (size_t k = 0; k < len; ++k) buf[k] = to_upper(raw[k]);
    uint64_t key;
    std::memcpy(&key, buf, sizeof key);
    for (size_t k = 0; k < n; ++k) {
      if (packed[k] == key) return;
    }
    if (n == kMaxTickers) return;
    if (n == out.size()) out.emplace_back();
    packed[n] = key;
    out[n].symbol.assign(buf, len);
    out[n].begin = static_cast<uint32_t>(begin);
    out[n].end = static_cast<uint32_t>(end);
    ++n;
  };
  size_t i = 0;
  while (i < text.size() && n < kMaxTickers) {
    // Only '$' (and, with a watch-list, A-Z) can start a mention: jump to the next one.
    if (watch_.empty()) {
      const void* dollar = std::memchr(text.data() + i, '$', text.size() - i);
      if (dollar == nullptr) break;
      i = static_cast<size_t>(static_cast<const char*>(dollar) - text.data());
    } else {
      while (i < text.size() && text[i] != '$' && !(text[i] >= 'A' && text[i] <= 'Z')) ++i;
      if (i == text.size()) break;
    }
    const char c = text[i];
    const bool boundary =
        i == 0 || !(is_alnum(text[i - 1]) || text[i - 1] == '_' || text[i - 1] == '$');
    if (c == '$' && boundary) {
      const size_t len = symbol_length(text, i + 1, false);
      if (len > 0) {
        add(text.substr(i + 1, len), i, i + 1 + len);
        i += 1 + len;
        continue;
      }
    } else if (c >= 'A' && c <= 'Z' && boundary && !watch_.empty()) {
      const size_t len = symbol_length(text, i, true);
      if (len > 0) {
        const std::string_view word = text.substr(i, len);
        if (watched(word) && !stopped(word)) add(word, i, i + len);
        i += len;
        continue;
      }
    }
    ++i;
  }
  out.resize(n);
}

std::vector<std::string> TickerExtractor::symbols(std::string_view text) const {
  std::vector<TickerMention> m;
  extract(text, m);
  std::vector<std::string> out;
  for (auto& t : m) out.push_back(std::move(t.symbol));
  return out;
}

}  // namespace stockpulse
