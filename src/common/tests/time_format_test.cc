#include "common/time_format.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <ctime>

namespace stockpulse {
namespace {

// timegm is an independent implementation of the same calendar arithmetic.
int64_t reference_millis(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

TEST(TimeFormat, ParsesContractForms) {
  const int64_t base = reference_millis(2024, 5, 1, 14, 30, 5);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:30:05Z")->value(), base);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:30:05.123Z")->value(), base + 123);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:30:05.123456Z")->value(), base + 123);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:30:05.5Z")->value(), base + 500);
  EXPECT_EQ(parse_iso8601("2024-05-01 14:30:05+00:00")->value(), base);
  EXPECT_EQ(parse_iso8601("2024-05-01T10:30:05-04:00")->value(), base);
  EXPECT_EQ(parse_iso8601("2024-05-01T16:30:05+0200")->value(), base);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:30:05")->value(), base);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:30Z")->value(), base - 5000);
  EXPECT_EQ(parse_iso8601("2024-05-01")->value(), reference_millis(2024, 5, 1, 0, 0, 0));
}

TEST(TimeFormat, RejectsGarbage) {
  for (const char* bad :
       {"", "2024", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2023-02-29",
        "2024-05-01T24:00:00Z", "2024-05-01T14:30:05ZZ", "2024-05-01T14:30:05.Z",
        "1969-12-31T23:59:59Z", "yesterday", "2024-05-01X14:30:05Z", "2024-05-01T14:30:05+25:00"}) {
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
  }
  EXPECT_TRUE(parse_iso8601("2024-02-29T00:00:00Z").has_value());
}

// Fields in range, instant out of it once the offset or a leap second is applied (sp_api_query_fuzz
// found "from=9999-12-31T23:59:59.99999-12"): year 10000 or before 1970 is refused like year
// 10000 written out.
TEST(TimeFormat, RejectsOffsetsThatLeaveTheSupportedRange) {
  for (const char* bad :
       {"9999-12-31T23:59:59.99999-12", "9999-12-31T23:00:00-02:00", "9999-12-31T23:59:60Z",
        "1970-01-01T00:00:00+01:00", "1970-01-01T00:59:59.999+01"}) {
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
  }
  EXPECT_EQ(parse_iso8601("9999-12-31T23:59:59.999Z")->value(), 253402300799999);
  EXPECT_EQ(parse_iso8601("9999-12-31T23:59:59.999+05:00")->value(), 253402282799999);
  EXPECT_EQ(parse_iso8601("1970-01-01T01:00:00+01:00")->value(), 0);
}

TEST(TimeFormat, RoundTripsAgainstTimegmOverManyDays) {
  for (int64_t day = 0; day < 40000; day += 7) {
    const int64_t ms = day * kMillisPerDay + (day * 7919 % kMillisPerDay);
    const std::string text = format_iso8601(EventTime(ms));
    const auto parsed = parse_iso8601(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(parsed->value(), ms) << text;
    const CivilTime c = civil_from_millis(ms);
    EXPECT_EQ(reference_millis(c.year, c.month, c.day, c.hour, c.minute, c.second) + c.millis, ms);
  }
}

TEST(TimeFormat, PartitionPath) {
  EXPECT_EQ(date_hour_partition(*parse_iso8601("2024-05-01T14:59:59.999Z")),
            "date=2024-05-01/hour=14");
  EXPECT_EQ(date_hour_partition(*parse_iso8601("2024-12-31T23:00:00Z")), "date=2024-12-31/hour=23");
}

// Issue #15: a window ending in the year 10000 was formatted into a 25-byte buffer whose length
// came back as 25, so the stored text ended in a NUL and no longer parsed.
TEST(TimeFormat, YearsBeyondFourDigitsAreWrittenWholeAndNeverPastTheBuffer) {
  const int64_t year_10000 = days_from_civil(10000, 1, 1) * kMillisPerDay + 4 * kMillisPerMinute;
  const std::string text = format_iso8601(EventTime(year_10000));
  EXPECT_EQ(text, "+10000-01-01T00:04:00.000Z");
  EXPECT_EQ(text.find('\0'), std::string::npos);
  char buf[kIso8601BufferSize];
  for (const int64_t ms : {int64_t{0}, kEndEventMillis - 1, year_10000, int64_t{-1},
                           days_from_civil(-1, 1, 1) * kMillisPerDay, INT64_MAX, INT64_MIN}) {
    const size_t n = format_iso8601(EventTime(ms), buf);
    ASSERT_LT(n, kIso8601BufferSize) << ms;
    EXPECT_EQ(std::strlen(buf), n) << ms;  // no NUL inside, one right after
    EXPECT_EQ(std::string(buf, n), format_iso8601(EventTime(ms)));
    EXPECT_EQ(buf[n - 1], 'Z') << buf;
  }
  EXPECT_EQ(format_iso8601(EventTime(kEndEventMillis - 1)), "9998-12-31T23:59:59.999Z");
  // The supported range and the window cap keep every window end within four-digit years.
  EXPECT_EQ(format_iso8601(EventTime(kEndEventMillis - 1 + kMaxWindowMillis)),
            "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(kEndEventMillis, days_from_civil(9999, 1, 1) * kMillisPerDay);
}

}  // namespace
}  // namespace stockpulse
