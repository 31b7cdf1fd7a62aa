// libFuzzer target: the query parameters of the /api routes (parse_api_query, percent_decode,
// parse_time_parameter) on arbitrary bytes. Checked for any input: an accepted query has a limit
// in 1..kMaxLimit (capped, flagged), a symbol of 1..16 allowed characters, from < to when both,
// and times in 0..year 9999 that print back to a time that parses to the same instant; a decoded
// component holds no control character; a refusal says why.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/time_format.h"
#include "serve/api_query.h"

using namespace stockpulse;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr int64_t kYear10000Ms = 253402300800000;  // 10000-01-01T00:00:00Z

void check_time(EventTime t) {
  check(t.value() >= 0 && t.value() < kYear10000Ms);
  const auto again = parse_iso8601(format_iso8601(t));
  check(again.has_value() && *again == t);
}

bool symbol_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '^' ||
         c == '*';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto q = parse_api_query(text);
  if (q.ok()) {
    const ApiQuery& a = q.value();
    check(a.limit >= 1 && a.limit <= ApiQuery::kMaxLimit);
    if (a.symbol) {
      check(!a.symbol->empty() && a.symbol->size() <= 16);
      for (char c : *a.symbol) check(symbol_char(c));
    }
    if (a.from) check_time(*a.from);
    if (a.to) check_time(*a.to);
    if (a.from && a.to) check(*a.from < *a.to);
  } else {
    check(!q.error().empty());
  }
  for (bool plus : {false, true}) {
    if (auto decoded = percent_decode(text, plus)) {
      for (char c : *decoded) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    }
  }
  if (auto t = parse_time_parameter(text)) check_time(*t);
  return 0;
}
