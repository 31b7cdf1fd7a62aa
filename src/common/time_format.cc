#include "common/time_format.h"

#include <algorithm>
#include <cstdio>

namespace stockpulse {

// Civil-date arithmetic over 400-year eras (146097 days), with March as the first month of the
// computational year so that the leap day falls at the end.
int64_t days_from_civil(int year, int month, int day) {
  const int64_t y = static_cast<int64_t>(year) - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t shifted_month = month > 2 ? month - 3 : month + 9;
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

CivilTime civil_from_millis(int64_t millis) {
  int64_t days = millis / kMillisPerDay;
  int64_t rem = millis % kMillisPerDay;
  if (rem < 0) {
    rem += kMillisPerDay;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  CivilTime c{};
  c.year = static_cast<int>(year);
  c.month = static_cast<int>(month);
  c.day = static_cast<int>(day);
  c.hour = static_cast<int>(rem / kMillisPerHour);
  c.minute = static_cast<int>(rem % kMillisPerHour / kMillisPerMinute);
  c.second = static_cast<int>(rem % kMillisPerMinute / kMillisPerSecond);
  c.millis = static_cast<int>(rem % kMillisPerSecond);
  return c;
}

namespace {

bool read_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<int64_t> parse_iso8601_millis(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!read_digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !read_digits(s, 5, 2, month) ||
      s[7] != '-' || !read_digits(s, 8, 2, day)) {
    return std::nullopt;
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    return std::nullopt;
  }
  size_t pos = 10;
  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_digits(s, pos, 2, hour) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
        !read_digits(s, pos + 3, 2, minute)) {
      return std::nullopt;
    }
    pos += 5;
    if (pos < s.size() && s[pos] == ':') {
      if (!read_digits(s, pos + 1, 2, second)) return std::nullopt;
      pos += 3;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        const size_t start = pos;
        int scale = 100;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          millis += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == start) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (pos < s.size()) {
      const char z = s[pos];
      if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
        pos = s.size();
      } else if (z == '+' || z == '-') {
        int oh = 0, om = 0;
        if (!read_digits(s, pos + 1, 2, oh)) return std::nullopt;
        size_t p = pos + 3;
        if (p < s.size() && s[p] == ':') ++p;
        if (p < s.size()) {
          if (!read_digits(s, p, 2, om)) return std::nullopt;
          p += 2;
        }
        if (p != s.size() || oh > 23 || om > 59) return std::nullopt;
        offset_minutes = (oh * 60 + om) * (z == '-' ? -1 : 1);
        pos = s.size();
      } else {
        return std::nullopt;
      }
    }
  }
  const int64_t days = days_from_civil(year, month, day);
  const int64_t ms = days * kMillisPerDay + hour * kMillisPerHour + minute * kMillisPerMinute +
                     second * kMillisPerSecond + millis - offset_minutes * kMillisPerMinute;
  return ms;
}

std::optional<EventTime> parse_iso8601(std::string_view s) {
  const auto ms = parse_iso8601_millis(s);
  // The fields were in range, but an offset (or a leap second) can still carry the instant out of
  // 1970..9999 UTC: "9999-12-31T23:59:59-12:00" is in year 10000, which the store's text form
  // cannot hold (found by sp_api_query_fuzz).
  constexpr int64_t kFirstMsOfYear10000 = 253402300800000;
  if (!ms || *ms < 0 || *ms >= kFirstMsOfYear10000) return std::nullopt;
  return EventTime(*ms);
}

size_t format_iso8601(EventTime t, char (&buf)[kIso8601BufferSize]) {
  const CivilTime c = civil_from_millis(t.value());
  // Four digits cover years 0..9999; others are written as ISO 8601's expanded years, with a
  // sign, so no year is ever cut to fit.
  const bool expanded = c.year < 0 || c.year > 9999;
  const int n = std::snprintf(
      buf, kIso8601BufferSize,
      expanded ? "%+05d-%02d-%02dT%02d:%02d:%02d.%03dZ" : "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
      c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis);
  // snprintf returns the length it would have written: never report more than it wrote.
  if (n < 0) {
    buf[0] = '\0';
    return 0;
  }
  return std::min(static_cast<size_t>(n), kIso8601BufferSize - 1);
}

std::string format_iso8601(EventTime t) {
  char buf[kIso8601BufferSize];
  return std::string(buf, format_iso8601(t, buf));
}

std::string date_hour_partition(EventTime t) {
  const CivilTime c = civil_from_millis(t.value());
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "date=%04d-%02d-%02d/hour=%02d", c.year, c.month,
                              c.day, c.hour);
  return std::string(buf, n < 0 ? 0 : static_cast<size_t>(n));
}

}  // namespace stockpulse
