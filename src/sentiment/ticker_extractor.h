#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stockpulse {

// One ticker mention in a post: the upper-cased symbol and where it was mentioned (byte offsets of
// the first mention, "$" included for cashtags).
struct TickerMention {
  std::string symbol;
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Finds the tickers a post talks about.
//   - Cashtags always: "$" + 1-5 ASCII letters + an optional ".X" class suffix (1-2 letters):
//     $AAPL, $brk.b, $BRK.B. Not "$100", "$5.50", "$TOOLONG", "US$5", nor "$AAPL" glued to a
//     preceding letter or digit. A trailing "." that only ends a sentence is not a suffix.
//   - Bare upper-case words (AAPL, BRK.B) only when in the watch-list, and never when in the
//     stop-list (words that are also tickers: ON, ARE, GO, CAN, LOW, IT, A, ALL, ...). The
//     stop-list does not apply to cashtags: "$ON" is ON Semiconductor.
// Symbols are upper-cased, deduplicated, in first-mention order, at most kMaxTickers per post.
//
// Lifecycle: configured at construction, then immutable.
// Thread-safety: extract() is const and safe to call concurrently.
class TickerExtractor {
 public:
  static constexpr size_t kMaxTickers = 16;

  // The default ambiguity stop-list (upper-case English words that are also listed symbols).
  static const std::vector<std::string>& default_stop_list();

  // No watch-list: cashtags only.
  TickerExtractor();
  TickerExtractor(std::vector<std::string> watch_list, std::vector<std::string> stop_list);

  // Replaces `out` with the mentions in `text`, reusing its capacity.
  void extract(std::string_view text, std::vector<TickerMention>& out) const;
  // Convenience: symbols only.
  std::vector<std::string> symbols(std::string_view text) const;

 private:
  bool watched(std::string_view upper_word) const;
  bool stopped(std::string_view upper_word) const;

  std::vector<std::string> watch_;  // sorted, upper-case
  std::vector<std::string> stop_;   // sorted, upper-case
};

}  // namespace stockpulse
