#pragma once

#include <cstdint>

#include "common/named_type.h"

namespace stockpulse {

// US equity market hours in UTC without a time-zone database: the regular session runs 09:30 to
// 16:00 America/New_York, which is UTC-4 in daylight saving time and UTC-5 otherwise. US rules:
// since 2007 DST runs from the second Sunday of March to the first Sunday of November (switching
// at 02:00 local, before the open, so the start Sunday counts as DST and the end Sunday does not);
// from 1987 to 2006, from the first Sunday of April to the last Sunday of October. Free
// functions, no state.

// Day of the week of a day number (days since 1970-01-01): 0 = Sunday ... 6 = Saturday.
int weekday_of(int64_t day);
// Whether New York observes daylight saving time at 09:30 local on the given date.
bool is_new_york_dst(int year, int month, int day);
// UTC offset of New York at 09:30 local on that date, in hours: -4 or -5.
int new_york_utc_offset_hours(int year, int month, int day);
// The regular session's open (09:30 local) of the given date, in UTC.
EventTime us_market_open_utc(int year, int month, int day);

constexpr int kMinutesPerSession = 390;  // 09:30 to 16:00

}  // namespace stockpulse
