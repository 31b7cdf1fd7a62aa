#include "source/daily_candle_fanout.h"
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/time_format.h"
#include "source/deterministic_rng.h"
#include "source/market_hours.h"

namespace stockpulse {
namespace {

int64_t iso(const char* s) {
  return parse_iso8601(s).value().value();
}
int64_t day_of(int y, int m, int d) {
  return days_from_civil(y, m, d);
}

std::string temp_file(const std::string& name, const std::string& content) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("sp_fanout_test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Every invariant the fan-out promises, on one day.
void check_day(const DailyCandle& c, const std::vector<Bar>& bars) {
  SCOPED_TRACE(c.symbol + " day " + std::to_string(c.day));
  ASSERT_EQ(bars.size(), 390u);
  const CivilTime d = civil_from_millis(c.day * kMillisPerDay);
  const int64_t open_ms = us_market_open_utc(d.year, d.month, d.day).value();
  EXPECT_EQ(bars.front().open, c.open);
  EXPECT_EQ(bars.back().close, c.close);
  double hi = -1e300, lo = 1e300;
  int64_t volume = 0;
  for (size_t m = 0; m < bars.size(); ++m) {
    const Bar& b = bars[m];
    EXPECT_EQ(b.symbol, c.symbol);
    EXPECT_EQ(b.ts.value(), open_ms + static_cast<int64_t>(m) * kMillisPerMinute);
    if (m > 0) {
      EXPECT_EQ(b.open, bars[m - 1].close) << m;
    }
    EXPECT_LE(b.low, std::min(b.open, b.close)) << m;
    EXPECT_GE(b.high, std::max(b.open, b.close)) << m;
    EXPECT_GE(b.low, c.low) << m;
    EXPECT_LE(b.high, c.high) << m;
    EXPECT_GE(b.vwap, b.low) << m;
    EXPECT_LE(b.vwap, b.high) << m;
    EXPECT_GE(b.volume, 0) << m;
    EXPECT_EQ(b.volume, std::floor(b.volume)) << m;
    EXPECT_GE(b.trade_count, 0);
    if (b.volume > 0) {
      EXPECT_GE(b.trade_count, 1);
    }
    hi = std::max(hi, b.high);
    lo = std::min(lo, b.low);
    volume += static_cast<int64_t>(b.volume);
  }
  EXPECT_EQ(hi, c.high);
  EXPECT_EQ(lo, c.low);
  EXPECT_EQ(volume, std::llround(c.volume));
}

DailyCandle random_candle(DeterministicRng& rng, int i) {
  DailyCandle c;
  c.symbol = "S" + std::to_string(i % 37);
  c.day = day_of(2007, 1, 1) + rng.below(365 * 18);
  const double base = std::exp(rng.uniform(std::log(0.5), std::log(5000.0)));
  double a = std::round(base * (1 + 0.05 * rng.normal()) * 100) / 100;
  double b = std::round(base * (1 + 0.05 * rng.normal()) * 100) / 100;
  a = std::max(a, 0.01);
  b = std::max(b, 0.01);
  // Edge cases on purpose: open or close at an extreme, flat days, doji.
  switch (rng.below(8)) {
    case 0:
      c.open = c.high = std::max(a, b);
      c.close = c.low = std::min(a, b);
      break;
    case 1:
      c.open = c.low = std::min(a, b);
      c.close = c.high = std::max(a, b);
      break;
    case 2:
      c.open = c.close = c.high = c.low = a;
      break;
    case 3:
      c.open = c.close = a;
      c.high = a + 0.5;
      c.low = std::max(0.01, a - 0.25);
      break;
    case 4:
      c.open = c.high = a;
      c.close = a;
      c.low = std::max(0.005, a - 1);
      break;
    default:
      c.open = a;
      c.close = b;
      c.high = std::max(a, b) + std::abs(rng.normal()) * base * 0.02;
      c.low = std::max(0.001, std::min(a, b) - std::abs(rng.normal()) * base * 0.02);
  }
  switch (rng.below(4)) {
    case 0:
      c.volume = rng.below(390);
      break;  // fewer shares than minutes
    case 1:
      c.volume = 3e9 * rng.uniform();
      break;
    default:
      c.volume = std::round(1e6 * rng.exponential(1.0));
  }
  return c;
}

TEST(DailyCandleFanout, InvariantsOnManyRandomDays) {
  DeterministicRng rng(2024);
  DailyCandleFanoutOptions o{.seed = 99};
  for (int i = 0; i < 2000; ++i) {
    const DailyCandle c = random_candle(rng, i);
    check_day(c, DailyCandleFanout::fan_out(c, o));
    if (HasFailure()) return;
  }
}

TEST(DailyCandleFanout, DeterministicBySeedAndIndependentOfOtherSymbols) {
  DailyCandle c{.symbol = "AAPL",
                .day = day_of(2024, 5, 1),
                .open = 170,
                .high = 173.5,
                .low = 168.25,
                .close = 172,
                .volume = 5e7};
  const auto a = DailyCandleFanout::fan_out(c, {.seed = 1});
  const auto b = DailyCandleFanout::fan_out(c, {.seed = 1});
  const auto other = DailyCandleFanout::fan_out(c, {.seed = 2});
  int same = 0;
  for (size_t m = 0; m < a.size(); ++m) {
    EXPECT_EQ(a[m].close, b[m].close);
    EXPECT_EQ(a[m].volume, b[m].volume);
    same += a[m].close == other[m].close;
  }
  EXPECT_LT(same, 50);
  // The same candle loaded next to others gives the same bars.
  DailyCandleFanout f({.seed = 1});
  ASSERT_TRUE(f.add(c));
  ASSERT_TRUE(f.add({.symbol = "ZZZ",
                     .day = c.day,
                     .open = 1,
                     .high = 2,
                     .low = 0.5,
                     .close = 1.5,
                     .volume = 10}));
  std::vector<Bar> bars;
  for (int m = 0; m < 390; ++m) {
    bars.clear();
    ASSERT_TRUE(f.next_minute(bars));
    ASSERT_EQ(bars.size(), 2u);
    EXPECT_EQ(bars[0].symbol, "AAPL");
    EXPECT_EQ(bars[0].close, a[static_cast<size_t>(m)].close);
  }
}

TEST(DailyCandleFanout, VolumeIsUShapedOnAverage) {
  DeterministicRng rng(5);
  std::vector<double> sum(390, 0);
  for (int i = 0; i < 300; ++i) {
    DailyCandle c{.symbol = "X",
                  .day = day_of(2023, 1, 3) + i,
                  .open = 10,
                  .high = 11,
                  .low = 9,
                  .close = 10.5,
                  .volume = 1e7};
    const auto bars = DailyCandleFanout::fan_out(c, {.seed = 3});
    for (size_t m = 0; m < 390; ++m) sum[m] += bars[m].volume;
  }
  auto avg = [&](int from, int to) {
    double s = 0;
    for (int m = from; m < to; ++m) s += sum[static_cast<size_t>(m)];
    return s / (to - from);
  };
  const double open = avg(0, 15), mid = avg(180, 210), close = avg(375, 390);
  EXPECT_GT(open, 1.8 * mid);
  EXPECT_GT(close, 1.5 * mid);
}

TEST(MarketHours, DaylightSavingRules) {
  // 2024: DST from Sunday March 10 to Sunday November 3.
  EXPECT_EQ(us_market_open_utc(2024, 3, 8).value(), iso("2024-03-08T14:30:00Z"));
  EXPECT_EQ(us_market_open_utc(2024, 3, 11).value(), iso("2024-03-11T13:30:00Z"));
  EXPECT_TRUE(is_new_york_dst(2024, 3, 10));
  EXPECT_FALSE(is_new_york_dst(2024, 3, 9));
  EXPECT_EQ(us_market_open_utc(2024, 11, 1).value(), iso("2024-11-01T13:30:00Z"));
  EXPECT_EQ(us_market_open_utc(2024, 11, 4).value(), iso("2024-11-04T14:30:00Z"));
  EXPECT_FALSE(is_new_york_dst(2024, 11, 3));
  EXPECT_TRUE(is_new_york_dst(2024, 11, 2));
  // 2007, first year of the current rules: March 11 to November 4.
  EXPECT_EQ(us_market_open_utc(2007, 3, 12).value(), iso("2007-03-12T13:30:00Z"));
  EXPECT_EQ(us_market_open_utc(2007, 3, 9).value(), iso("2007-03-09T14:30:00Z"));
  EXPECT_EQ(us_market_open_utc(2007, 11, 2).value(), iso("2007-11-02T13:30:00Z"));
  EXPECT_EQ(us_market_open_utc(2007, 11, 5).value(), iso("2007-11-05T14:30:00Z"));
  // 2006: April 2 to October 29.
  EXPECT_EQ(us_market_open_utc(2006, 3, 13).value(), iso("2006-03-13T14:30:00Z"));
  EXPECT_EQ(us_market_open_utc(2006, 4, 3).value(), iso("2006-04-03T13:30:00Z"));
  EXPECT_EQ(us_market_open_utc(2006, 10, 27).value(), iso("2006-10-27T13:30:00Z"));
  EXPECT_EQ(us_market_open_utc(2006, 10, 30).value(), iso("2006-10-30T14:30:00Z"));
  // Winter and summer of 2021.
  EXPECT_EQ(us_market_open_utc(2021, 1, 4).value(), iso("2021-01-04T14:30:00Z"));
  EXPECT_EQ(us_market_open_utc(2021, 7, 1).value(), iso("2021-07-01T13:30:00Z"));
  EXPECT_EQ(weekday_of(day_of(2024, 5, 1)), 3);  // a Wednesday
}

TEST(DailyCandleFanout, BarsAcrossDstChangeKeepSessionTimes) {
  DailyCandleFanout f({.seed = 4});
  for (int d : {8, 11})
    ASSERT_TRUE(f.add({.symbol = "SPY",
                       .day = day_of(2024, 3, d),
                       .open = 500,
                       .high = 505,
                       .low = 498,
                       .close = 503,
                       .volume = 1e6}));
  std::vector<Bar> bars;
  while (f.next_minute(bars)) {
  }
  ASSERT_EQ(bars.size(), 780u);
  EXPECT_EQ(bars[0].ts.value(), iso("2024-03-08T14:30:00Z"));
  EXPECT_EQ(bars[389].ts.value(), iso("2024-03-08T20:59:00Z"));
  EXPECT_EQ(bars[390].ts.value(), iso("2024-03-11T13:30:00Z"));
  EXPECT_EQ(bars[779].ts.value(), iso("2024-03-11T19:59:00Z"));
  for (size_t i = 0; i < bars.size(); ++i)
    EXPECT_EQ(bars[i].position.offset.value(), static_cast<int64_t>(i));
}

TEST(DailyCandleFanout, NextMinuteEmitsAllSymbolsOfAMinuteTogether) {
  DeterministicRng rng(8);
  DailyCandleFanout f({.seed = 8});
  std::vector<DailyCandle> candles;
  for (int i = 0; i < 60; ++i) {
    DailyCandle c = random_candle(rng, i);
    c.day = day_of(2022, 6, 1) + i % 5;
    c.symbol = "T" + std::to_string(i / 5);
    candles.push_back(c);
    ASSERT_TRUE(f.add(c));
  }
  std::vector<Bar> minute;
  std::map<std::string, std::vector<Bar>> per_key;
  int64_t last_ts = 0;
  size_t minutes = 0;
  while (true) {
    minute.clear();
    if (!f.next_minute(minute)) break;
    ++minutes;
    ASSERT_EQ(minute.size(), 12u);
    EXPECT_GT(minute[0].ts.value(), last_ts);
    last_ts = minute[0].ts.value();
    std::set<std::string> seen;
    for (const Bar& b : minute) {
      EXPECT_EQ(b.ts, minute[0].ts);
      seen.insert(b.symbol);
      per_key[b.symbol + "@" + std::to_string(b.ts.value() / kMillisPerDay)].push_back(b);
    }
    EXPECT_EQ(seen.size(), minute.size());
    EXPECT_TRUE(std::is_sorted(minute.begin(), minute.end(),
                               [](const Bar& a, const Bar& b) { return a.symbol < b.symbol; }));
  }
  EXPECT_EQ(minutes, 5u * 390u);
  for (const DailyCandle& c : candles)
    check_day(c, per_key[c.symbol + "@" + std::to_string(c.day)]);
}

TEST(DailyCandleFanout, LongLayoutWithBadRows) {
  const std::string path = temp_file("long.csv",
                                     "Date,Symbol,Open,High,Low,Close,Adj Close,Volume\n"
                                     "2024-05-01,AAPL,169.58,172.71,169.11,169.30,169.0,50383100\n"
                                     "2024-05-01,MSFT,392.61,401.72,390.31,394.94,394.0,28323700\n"
                                     "2024-05-02,AAPL,172.51,173.42,170.89,173.03,172.8,94214900\n"
                                     "2024-13-02,AAPL,1,2,0.5,1.5,1,10\n"
                                     "2024-05-02,MSFT,397.66,399.93,394.65,397.84,,17709400\n"
                                     "2024-05-03,MSFT,402,401,399,400,,100\n"
                                     "2024-05-03,MSFT,402,403,399,,,100\n");
  DailyCandleFanout f;
  ASSERT_FALSE(f.load_csv(path));
  EXPECT_EQ(f.layout(), CandleLayout::kLong);
  EXPECT_EQ(f.candle_count(), 4u);
  EXPECT_EQ(f.trading_days(), 2u);
  ASSERT_EQ(f.dead_letters().size(), 3u);
  EXPECT_EQ(f.dead_letters()[0].reason, DeadLetterReason::kBadTimestamp);
  EXPECT_EQ(f.dead_letters()[0].offset.value(), 3);
  EXPECT_EQ(f.dead_letters()[1].reason, DeadLetterReason::kInvalidNumber);  // high < open
  EXPECT_EQ(f.dead_letters()[1].offset.value(), 5);
  EXPECT_EQ(f.dead_letters()[2].reason, DeadLetterReason::kInvalidNumber);  // no close
  EXPECT_EQ(f.dead_letters()[2].stream, "stock-prices");
  std::vector<Bar> bars;
  ASSERT_TRUE(f.next_minute(bars));
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[0].symbol, "AAPL");
  EXPECT_EQ(bars[0].open, 169.58);
  EXPECT_EQ(bars[0].ts.value(), iso("2024-05-01T13:30:00Z"));
}

// The same two candles in every wide form.
void check_wide(const std::string& name, const std::string& content, CandleLayout layout) {
  SCOPED_TRACE(name);
  DailyCandleFanout f;
  ASSERT_FALSE(f.load_csv(temp_file(name, content)));
  EXPECT_EQ(f.layout(), layout);
  EXPECT_TRUE(f.dead_letters().empty()) << f.dead_letters()[0].detail;
  ASSERT_EQ(f.candle_count(), 3u);  // BRK.B has no 2024-05-01 candle
  std::vector<Bar> all, bars;
  while (bars.clear(), f.next_minute(bars)) all.insert(all.end(), bars.begin(), bars.end());
  ASSERT_EQ(all.size(), 3u * 390u);
  EXPECT_EQ(all[0].symbol, "AAPL");
  EXPECT_EQ(all[0].open, 169.58);
  EXPECT_EQ(all[1].symbol, "MSFT");
  EXPECT_EQ(all[1].open, 392.61);
  int64_t aapl_volume = 0;
  for (size_t i = 0; i < 780; i += 2) aapl_volume += static_cast<int64_t>(all[i].volume);
  EXPECT_EQ(aapl_volume, 50383100);
  EXPECT_EQ(all[780].symbol, "BRK.B");
  EXPECT_EQ(all[780].open, 400.5);
}

TEST(DailyCandleFanout, WideLayouts) {
  check_wide(
      "yf.csv",
      "Price,Close,Close,Close,High,High,High,Low,Low,Low,Open,Open,Open,Volume,Volume,Volume\n"
      "Ticker,AAPL,BRK.B,MSFT,AAPL,BRK.B,MSFT,AAPL,BRK.B,MSFT,AAPL,BRK.B,MSFT,AAPL,BRK.B,MSFT\n"
      "Date,,,,,,,,,,,,,,,\n"
      "2024-05-01,169.30,,394.94,172.71,,401.72,169.11,,390.31,169.58,,392.61,50383100,,28323700\n"
      "2024-05-02,,401,,,402,,,399,,,400.5,,,123456,\n",
      CandleLayout::kWideTwoRows);
  check_wide(
      "by_ticker.csv",
      ",AAPL,AAPL,AAPL,AAPL,AAPL,MSFT,MSFT,MSFT,MSFT,MSFT,BRK.B,BRK.B,BRK.B,BRK.B,BRK.B\n"
      "Date,Open,High,Low,Close,Volume,Open,High,Low,Close,Volume,Open,High,Low,Close,Volume\n"
      "2024-05-01,169.58,172.71,169.11,169.30,50383100,392.61,401.72,390.31,394.94,28323700,,,,,\n"
      "2024-05-02,,,,,,,,,,,400.5,402,399,401,123456\n",
      CandleLayout::kWideTwoRows);
  check_wide(
      "suffixed.csv",
      "Date,Open_AAPL,High_AAPL,Low_AAPL,Close_AAPL,Volume_AAPL,MSFT.Open,MSFT.High,MSFT.Low,"
      "MSFT.Close,MSFT.Volume,BRK.B.Open,BRK.B.High,BRK.B.Low,BRK.B.Close,BRK.B.Volume\n"
      "2024-05-01,169.58,172.71,169.11,169.30,50383100,392.61,401.72,390.31,394.94,28323700,,,,,\n"
      "2024-05-02,,,,,,,,,,,400.5,402,399,401,123456\n",
      CandleLayout::kWideSuffixed);
}

TEST(DailyCandleFanout, UnknownLayoutIsAnError) {
  DailyCandleFanout f;
  EXPECT_TRUE(f.load_csv(temp_file("unknown.csv", "a,b,c\n1,2,3\n4,5,6\n")));
}

}  // namespace
}  // namespace stockpulse
