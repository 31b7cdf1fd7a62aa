#include "serve/symbols_query.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "serve/api_query.h"

namespace stockpulse {
namespace {

// A whole decimal number within [lo, hi], else nullopt (signs, spaces and overflow included).
std::optional<int> bounded_int(std::string_view text, int lo, int hi) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < lo || n > hi) {
    return std::nullopt;
  }
  return static_cast<int>(n);
}

bool symbol_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '^';
}

std::string upper(std::string_view text) {
  std::string out;
  for (char c : text) out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

}  // namespace

Result<std::vector<std::string>, std::string> normalize_watch_list(
    const std::vector<std::string>& symbols) {
  if (symbols.size() > SymbolsView::kMaxWatchList) {
    return Err(std::string("watch-list: at most 1000 symbols"));
  }
  std::vector<std::string> out;
  for (const std::string& symbol : symbols) {
    const bool ok = !symbol.empty() && symbol.size() <= 16 &&
                    std::all_of(symbol.begin(), symbol.end(), symbol_char);
    if (!ok) {
      return Err("watch-list: '" + symbol.substr(0, 32) +
                 "' is not a symbol (1 to 16 letters, digits, . - ^)");
    }
    std::string u = upper(symbol);
    if (std::find(out.begin(), out.end(), u) == out.end()) out.push_back(std::move(u));
  }
  return out;
}

Result<SymbolsQuery, std::string> parse_symbols_query(std::string_view query_string) {
  SymbolsQuery q;
  bool seen_limit = false, seen_offset = false, seen_sort = false, seen_q = false;
  const auto error = for_each_query_param(
      query_string,
      [&](const std::string& name, const std::string& value) -> std::optional<std::string> {
        // Like every other API route, a token in the address is no credential here (401, not 400).
        if (name == "access_token") return std::nullopt;
        bool* seen = name == "limit"    ? &seen_limit
                     : name == "offset" ? &seen_offset
                     : name == "sort"   ? &seen_sort
                     : name == "q"      ? &seen_q
                                        : nullptr;
        if (!seen) {
          return "unknown parameter '" + name.substr(0, 32) +
                 "' (/api/symbols takes limit, offset, sort, q)";
        }
        if (*seen) return "parameter '" + name + "' given more than once";
        *seen = true;
        if (name == "limit") {
          const auto n = bounded_int(value, 1, SymbolsQuery::kMaxLimit);
          if (!n) return std::string("'limit' must be an integer from 1 to 500");
          q.limit = *n;
        } else if (name == "offset") {
          const auto n = bounded_int(value, 0, SymbolsQuery::kMaxOffset);
          if (!n) return std::string("'offset' must be an integer from 0 to 1000000");
          q.offset = *n;
        } else if (name == "sort") {
          if (value == "symbol") {
            q.sort = SymbolSort::kSymbol;
          } else if (value == "activity") {
            q.sort = SymbolSort::kActivity;
          } else {
            return std::string("'sort' must be 'activity' or 'symbol'");
          }
        } else {
          if (value.size() > 16) return std::string("'q' must be at most 16 characters");
          if (!std::all_of(value.begin(), value.end(), symbol_char)) {
            return std::string("'q' may hold only letters, digits and . - ^");
          }
          q.prefix = upper(value);
        }
        return std::nullopt;
      });
  if (error) return Err(*error);
  return q;
}

}  // namespace stockpulse
