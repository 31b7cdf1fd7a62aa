#include "source/market_hours.h"

#include "common/time_format.h"

namespace stockpulse {

namespace {
// Day number of the n-th (1-based) Sunday of a month.
int64_t nth_sunday(int year, int month, int n) {
  const int64_t first = days_from_civil(year, month, 1);
  const int64_t to_sunday = (7 - weekday_of(first)) % 7;
  return first + to_sunday + 7 * (n - 1);
}
int64_t last_sunday(int year, int month) {
  const int64_t next_first =
      month == 12 ? days_from_civil(year + 1, 1, 1) : days_from_civil(year, month + 1, 1);
  const int64_t last = next_first - 1;
  return last - weekday_of(last);
}
}  // namespace

int weekday_of(int64_t day) {
  // 1970-01-01 was a Thursday (4).
  const int64_t w = (day + 4) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

bool is_new_york_dst(int year, int month, int day) {
  const int64_t d = days_from_civil(year, month, day);
  if (year >= 2007) return d >= nth_sunday(year, 3, 2) && d < nth_sunday(year, 11, 1);
  // 1987-2006 rules; earlier years are outside what a market-data replay needs and use them too.
  return d >= nth_sunday(year, 4, 1) && d < last_sunday(year, 10);
}

int new_york_utc_offset_hours(int year, int month, int day) {
  return is_new_york_dst(year, month, day) ? -4 : -5;
}

EventTime us_market_open_utc(int year, int month, int day) {
  const int64_t local_open = days_from_civil(year, month, day) * kMillisPerDay +
                             9 * kMillisPerHour + 30 * kMillisPerMinute;
  return EventTime(local_open - new_york_utc_offset_hours(year, month, day) * kMillisPerHour);
}

}  // namespace stockpulse
