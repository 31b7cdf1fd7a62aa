#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/named_type.h"
#include "common/result.h"

namespace stockpulse {

// The validated query parameters of the /api/... routes:
//   symbol  1..16 characters of A-Z a-z 0-9 . - ^ * (upper-cased; "*" is the whole market)
//   from    inclusive lower bound, ISO-8601 (anything parse_iso8601 accepts) or epoch milliseconds
//   to      exclusive upper bound, same forms; must be after `from`
//   limit   1..kMaxLimit rows (a larger value is capped, not refused: `limit_capped` says so)
// Unknown or repeated parameters are refused, so a typo (`symbols=`) is an error, not a silent
// "all symbols". Values are percent-decoded ('+' is a space); %00 and control characters are
// refused.
struct ApiQuery {
  static constexpr int kDefaultLimit = 1000;
  static constexpr int kMaxLimit = 5000;

  std::optional<std::string> symbol;
  std::optional<EventTime> from;
  std::optional<EventTime> to;
  int limit = kDefaultLimit;
  bool limit_capped = false;
  // Only /api/stream uses it: EventSource cannot send an Authorization header.
  std::optional<std::string> access_token;
};

// Parses the part of a request target after '?'. The error is a message for a 400 response.
Result<ApiQuery, std::string> parse_api_query(std::string_view query_string);

// Percent-decodes one URL component ('+' becomes a space when `plus_is_space`). nullopt for a
// malformed escape, an encoded or raw NUL, or any other control character.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Splits a query string at '&', percent-decodes each name and value ('+' is a space), skips empty
// pairs, and calls `on_param(name, value)` for each in order. Returns the first error: a malformed
// escape, or the message `on_param` returned to stop.
std::optional<std::string> for_each_query_param(
    std::string_view query_string,
    const std::function<std::optional<std::string>(const std::string& name,
                                                   const std::string& value)>& on_param);

// ISO-8601 or an integer of epoch milliseconds (0 .. year 9999).
std::optional<EventTime> parse_time_parameter(std::string_view text);

}  // namespace stockpulse
