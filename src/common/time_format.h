#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/named_type.h"

namespace stockpulse {

constexpr int64_t kMillisPerSecond = 1000;
constexpr int64_t kMillisPerMinute = 60 * kMillisPerSecond;
constexpr int64_t kMillisPerHour = 60 * kMillisPerMinute;
constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;

struct CivilTime {
  int year;
  int month;   // 1..12
  int day;     // 1..31
  int hour;    // 0..23
  int minute;  // 0..59
  int second;  // 0..60 (a leap second is folded into the next minute)
  int millis;  // 0..999
};

// Days since 1970-01-01 for a proleptic Gregorian date.
int64_t days_from_civil(int year, int month, int day);
// Milliseconds since the epoch to UTC calendar fields.
CivilTime civil_from_millis(int64_t millis);

// Parses the timestamp forms found in the message contracts and in both reference systems:
//   2024-05-01T14:30:05Z, 2024-05-01T14:30:05.123456Z, 2024-05-01 14:30:05+00:00,
//   2024-05-01T14:30:05-04:00, 2024-05-01 (midnight UTC), and a bare date-time (taken as UTC).
// Fractions beyond milliseconds are truncated. Returns nullopt for anything else, including
// out-of-range fields (month 13, day 32, hour 24) and years outside 1970..9999.
std::optional<EventTime> parse_iso8601(std::string_view text);

// 2024-05-01T14:30:05.123Z
std::string format_iso8601(EventTime t);
// Writes the same form into buf (at least 25 bytes); returns the length written.
size_t format_iso8601(EventTime t, char* buf);

// Lake partition path of an event: "date=2024-05-01/hour=14".
std::string date_hour_partition(EventTime t);

}  // namespace stockpulse
