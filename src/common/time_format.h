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

// The event times stockpulse accepts (the decoders send others to the dead-letter stream as
// bad_timestamp): 1970-01-01T00:00:00.000Z <= t < 9999-01-01T00:00:00.000Z. The year 9999 is
// kept free so that every window holding an accepted event, at most kMaxWindowMillis long, ends
// before the year 10000, the first the stores' four-digit ISO-8601 text cannot hold.
constexpr int64_t kFirstEventMillis = 0;
constexpr int64_t kEndEventMillis = 253370764800000;  // 9999-01-01T00:00:00.000Z, excluded
constexpr int64_t kMaxWindowMillis = 365 * kMillisPerDay;
constexpr bool is_supported_event_time(int64_t millis) {
  return millis >= kFirstEventMillis && millis < kEndEventMillis;
}

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
// The same forms, but the instant is not range-checked once an offset is applied (it can fall
// just outside 1970..9999): for callers that say *why* a well-formed time is refused.
std::optional<int64_t> parse_iso8601_millis(std::string_view text);

// 2024-05-01T14:30:05.123Z. Years outside 0..9999 (never an accepted event's) take ISO 8601's
// expanded form, a sign and more digits ("+10000-01-01T00:04:00.000Z"), which parse_iso8601
// does not read back; the text never holds a NUL or a cut-off field.
std::string format_iso8601(EventTime t);
// The buffer format_iso8601 writes into: the longest text (a year of the int64 millisecond range
// with its sign, 30 characters) and a NUL.
constexpr size_t kIso8601BufferSize = 32;
// Writes the same text into buf, NUL-terminated; returns its length (never more than
// kIso8601BufferSize - 1).
size_t format_iso8601(EventTime t, char (&buf)[kIso8601BufferSize]);

// Lake partition path of an event: "date=2024-05-01/hour=14".
std::string date_hour_partition(EventTime t);

}  // namespace stockpulse
