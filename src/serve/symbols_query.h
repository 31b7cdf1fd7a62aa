#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stockpulse {

// The order of /api/symbols.
enum class SymbolSort : uint8_t {
  kSymbol,    // byte order of the symbol (the historical answer)
  kActivity,  // watched first, then most recent mentions, then with prices, then symbol
};

// The validated query parameters of /api/symbols (only these; any other is refused):
//   limit   1..kMaxLimit symbols of the page (default kDefaultLimit); more is a 400, not capped,
//           so a client never believes it holds every symbol when it does not
//   offset  0..kMaxOffset symbols skipped before the page (default 0)
//   sort    "symbol" (default) or "activity"
//   q       0..16 of the symbol characters (A-Z a-z 0-9 . - ^), upper-cased: only symbols
//           starting with it
// Repeated parameters, bad percent-encoding and control characters are refused too.
struct SymbolsQuery {
  static constexpr int kDefaultLimit = 50;
  static constexpr int kMaxLimit = 500;
  static constexpr int kMaxOffset = 1'000'000;

  int limit = kDefaultLimit;
  int offset = 0;
  SymbolSort sort = SymbolSort::kSymbol;
  std::string prefix;
};

// What the operator chose for the dashboard (`[serve] watch_list` and `badges`, `stockpulse serve
// --symbols --badges`), echoed by /api/symbols so the front end needs no other request.
struct SymbolsView {
  static constexpr int kDefaultBadges = 16;
  static constexpr int kMaxBadges = 200;
  static constexpr size_t kMaxWatchList = 1000;

  std::vector<std::string> watch_list;  // upper-case symbols, in the operator's order
  int badges = kDefaultBadges;          // badges shown without a watch-list (the most active)
};

// Upper-cases and checks a watch-list (each 1..16 of A-Z a-z 0-9 . - ^; at most kMaxWatchList;
// repeats dropped, order kept). The error names the bad entry.
Result<std::vector<std::string>, std::string> normalize_watch_list(
    const std::vector<std::string>& symbols);

// Parses the part of the request target after '?'. The error is a message for a 400 response.
Result<SymbolsQuery, std::string> parse_symbols_query(std::string_view query_string);

}  // namespace stockpulse
