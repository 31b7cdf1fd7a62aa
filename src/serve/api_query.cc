#include "serve/api_query.h"

#include <charconv>

#include "common/time_format.h"

namespace stockpulse {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool valid_symbol_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '^' || c == '*';
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return std::nullopt;
    out += c;
  }
  return out;
}

std::optional<EventTime> parse_time_parameter(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool all_digits = true;
  for (char c : text) all_digits = all_digits && c >= '0' && c <= '9';
  if (all_digits) {
    int64_t ms = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    // 253402300799999 is 9999-12-31T23:59:59.999Z, the last instant the store's text form holds.
    if (ec != std::errc() || end != text.data() + text.size() || ms > 253402300799999) {
      return std::nullopt;
    }
    return EventTime(ms);
  }
  return parse_iso8601(text);
}

std::optional<std::string> for_each_query_param(
    std::string_view query_string,
    const std::function<std::optional<std::string>(const std::string& name,
                                                   const std::string& value)>& on_param) {
  size_t pos = 0;
  while (pos <= query_string.size()) {
    size_t amp = query_string.find('&', pos);
    if (amp == std::string_view::npos) amp = query_string.size();
    const std::string_view pair = query_string.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const auto name = percent_decode(pair.substr(0, eq), true);
    const auto value = percent_decode(
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!name || !value) return std::string("malformed percent-encoding in the query string");
    if (auto error = on_param(*name, *value)) return error;
  }
  return std::nullopt;
}

Result<ApiQuery, std::string> parse_api_query(std::string_view query_string) {
  ApiQuery q;
  bool seen_symbol = false, seen_from = false, seen_to = false, seen_limit = false,
       seen_token = false;
  const auto error = for_each_query_param(
      query_string,
      [&](const std::string& name, const std::string& value) -> std::optional<std::string> {
        auto once = [&](bool& seen) -> bool {
          if (seen) return false;
          seen = true;
          return true;
        };
        if (name == "symbol") {
          if (!once(seen_symbol)) return std::string("parameter 'symbol' given more than once");
          if (value.empty() || value.size() > 16) {
            return std::string("'symbol' must be 1 to 16 characters");
          }
          std::string s;
          for (char c : value) {
            if (!valid_symbol_char(c)) {
              return std::string("'symbol' may hold only letters, digits and . - ^ *");
            }
            s += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
          }
          q.symbol = std::move(s);
        } else if (name == "from" || name == "to") {
          const bool is_from = name == "from";
          if (!once(is_from ? seen_from : seen_to)) {
            return "parameter '" + name + "' given more than once";
          }
          const auto t = parse_time_parameter(value);
          if (!t) {
            return "'" + name +
                   "' must be an ISO-8601 time (2024-05-01T14:30:00Z) or epoch milliseconds";
          }
          (is_from ? q.from : q.to) = *t;
        } else if (name == "limit") {
          if (!once(seen_limit)) return std::string("parameter 'limit' given more than once");
          int64_t n = 0;
          const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
          if (value.empty() || end != value.data() + value.size() ||
              (ec != std::errc() && ec != std::errc::result_out_of_range)) {
            return std::string("'limit' must be a positive integer");
          }
          if (ec == std::errc::result_out_of_range) {
            // Only a huge positive number of digits gets here (a leading '-' parses); cap it.
            if (value[0] == '-') return std::string("'limit' must be a positive integer");
            n = ApiQuery::kMaxLimit + 1;
          }
          if (n < 1) return std::string("'limit' must be a positive integer");
          if (n > ApiQuery::kMaxLimit) {
            n = ApiQuery::kMaxLimit;
            q.limit_capped = true;
          }
          q.limit = static_cast<int>(n);
        } else if (name == "access_token") {
          if (!once(seen_token))
            return std::string("parameter 'access_token' given more than once");
          q.access_token = value;
        } else {
          return "unknown parameter '" + name + "' (allowed: symbol, from, to, limit)";
        }
        return std::nullopt;
      });
  if (error) return Err(*error);
  if (q.from && q.to && !(*q.from < *q.to)) return Err(std::string("'from' must be before 'to'"));
  return q;
}

}  // namespace stockpulse
