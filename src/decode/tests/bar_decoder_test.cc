#include "decode/bar_decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "common/time_format.h"

namespace stockpulse {
namespace {

const SourcePosition kPos{PartitionId(1), Offset(5)};

Result<Bar, DecodeError> decode(std::string_view json) {
  BarDecoder d;
  return d.decode(json, kPos);
}

DeadLetterReason reason_of(std::string_view json) {
  auto r = decode(json);
  EXPECT_FALSE(r.ok()) << json;
  return r.ok() ? DeadLetterReason::kLate : r.error().reason;
}

TEST(BarDecoder, DecodesTheContract) {
  auto r = decode(
      R"({"symbol":"AAPL","timestamp":"2024-05-01T14:30:00Z","open":170.5,"high":171.25,"low":170.0,"close":171.0,"volume":12345,"vwap":170.8,"trade_count":321})");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  const Bar& b = r.value();
  EXPECT_EQ(b.symbol, "AAPL");
  EXPECT_EQ(b.ts, parse_iso8601("2024-05-01T14:30:00Z"));
  EXPECT_EQ(b.open, 170.5);
  EXPECT_EQ(b.high, 171.25);
  EXPECT_EQ(b.low, 170.0);
  EXPECT_EQ(b.close, 171.0);
  EXPECT_EQ(b.volume, 12345);
  EXPECT_EQ(b.vwap, 170.8);
  EXPECT_EQ(b.trade_count, 321);
  EXPECT_EQ(b.position.offset.value(), 5);
}

TEST(BarDecoder, ReferenceSystemAliases) {
  // System B's mock producer: aliases plus derived fields that are accepted and ignored.
  auto r = decode(
      R"({"symbol":"tsla","trade_timestamp":"2024-05-01 14:31:00","open_price":"180.1","high_price":181,"low_price":179.5,"close_price":180.9,"volume":"500","price_change":0.8,"pct_change":0.44,"direction":"up","ingested_at":"2024-05-01T14:31:02Z"})");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  const Bar& b = r.value();
  EXPECT_EQ(b.symbol, "TSLA");
  EXPECT_EQ(b.ts, parse_iso8601("2024-05-01T14:31:00Z"));
  EXPECT_EQ(b.open, 180.1);
  EXPECT_EQ(b.high, 181);
  EXPECT_EQ(b.low, 179.5);
  EXPECT_EQ(b.close, 180.9);
  EXPECT_EQ(b.volume, 500);
  EXPECT_TRUE(std::isnan(b.vwap));
  EXPECT_EQ(b.trade_count, -1);
}

TEST(BarDecoder, ContractNamesWinOverAliasesWhateverTheOrder) {
  auto r = decode(
      R"({"close_price":1,"symbol":"X","close":2,"trade_timestamp":0,"timestamp":60,"c":3})");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r.value().close, 2);
  EXPECT_EQ(r.value().ts.value(), 60000);
}

TEST(BarDecoder, AlpacaBarMessage) {
  auto r = decode(
      R"({"T":"b","S":"SPY","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"t":"2021-02-22T19:15:00Z","n":461,"vw":389.062639})");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r.value().symbol, "SPY");
  EXPECT_EQ(r.value().close, 389.12);
  EXPECT_EQ(r.value().trade_count, 461);
  EXPECT_EQ(r.value().vwap, 389.062639);
}

TEST(BarDecoder, DefaultsWhenOnlyCloseIsGiven) {
  auto r = decode(R"({"symbol":"BRK.B","timestamp":1714573800000,"close":410.5})");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r.value().open, 410.5);
  EXPECT_EQ(r.value().high, 410.5);
  EXPECT_EQ(r.value().low, 410.5);
  EXPECT_EQ(r.value().volume, 0);
  auto with_open = decode(R"({"symbol":"X","timestamp":0,"open":10,"close":12})");
  ASSERT_TRUE(with_open.ok());
  EXPECT_EQ(with_open.value().high, 12);
  EXPECT_EQ(with_open.value().low, 10);
}

TEST(BarDecoder, Symbols) {
  EXPECT_TRUE(decode(R"({"symbol":"brk-b","timestamp":0,"close":1})").ok());
  EXPECT_EQ(reason_of(R"({"symbol":"","timestamp":0,"close":1})"), DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(R"({"symbol":"ABCDEFGHIJK","timestamp":0,"close":1})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(R"({"symbol":"BTC/USD","timestamp":0,"close":1})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(R"({"symbol":7,"timestamp":0,"close":1})"), DeadLetterReason::kWrongType);
  EXPECT_TRUE(decode(R"({"symbol":"ABCDEFGHIJ","timestamp":0,"close":1})").ok());
}

TEST(BarDecoder, MissingFields) {
  EXPECT_EQ(reason_of(R"({"timestamp":0,"close":1})"), DeadLetterReason::kMissingField);
  EXPECT_EQ(reason_of(R"({"symbol":"A","close":1})"), DeadLetterReason::kMissingField);
  EXPECT_EQ(reason_of(R"({"symbol":"A","timestamp":0,"open":1})"), DeadLetterReason::kMissingField);
  EXPECT_EQ(reason_of(R"({"symbol":"A","timestamp":0,"close":null})"),
            DeadLetterReason::kMissingField);
}

TEST(BarDecoder, InvalidNumbersNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  } cases[] = {
      {R"({"symbol":"A","timestamp":0,"close":"NaN"})", "close"},
      {R"({"symbol":"A","timestamp":0,"close":"inf"})", "close"},
      {R"({"symbol":"A","timestamp":0,"close":-1})", "close"},
      {R"({"symbol":"A","timestamp":0,"close":0})", "close"},
      {R"({"symbol":"A","timestamp":0,"close":1,"open_price":-2})", "open_price"},
      {R"({"symbol":"A","timestamp":0,"close":1,"volume":-5})", "volume"},
      {R"({"symbol":"A","timestamp":0,"close":1,"vwap":"nan"})", "vwap"},
      {R"({"symbol":"A","timestamp":0,"close":1,"trade_count":1.5})", "trade_count"},
      {R"({"symbol":"A","timestamp":0,"close":1,"high":1e999})", "high"},
      {R"({"symbol":"A","timestamp":0,"close":1,"high":0.5,"low":2})", "high"},
  };
  for (const auto& c : cases) {
    auto r = decode(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().reason, DeadLetterReason::kInvalidNumber)
        << c.json << " " << r.error().detail;
    EXPECT_NE(r.error().detail.find(c.field), std::string::npos) << r.error().detail;
  }
}

TEST(BarDecoder, WrongTypesAndBadTimes) {
  EXPECT_EQ(reason_of(R"({"symbol":"A","timestamp":0,"close":"abc"})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(R"({"symbol":"A","timestamp":0,"close":true})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(R"({"symbol":"A","timestamp":0,"close":1,"volume":[1]})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(R"({"symbol":"A","timestamp":"noon","close":1})"),
            DeadLetterReason::kBadTimestamp);
  EXPECT_EQ(reason_of(R"({"symbol":"A","trade_timestamp":"1969-12-31T23:59:59Z","close":1})"),
            DeadLetterReason::kBadTimestamp);
  // Beyond the supported range (windows would end in the year 10000).
  EXPECT_EQ(reason_of(R"({"symbol":"A","timestamp":"9999-12-31T23:59:00Z","close":1})"),
            DeadLetterReason::kBadTimestamp);
  EXPECT_EQ(reason_of(R"({"symbol":"A","t":"9998-12-31T22:00:00-02:00","close":1})"),
            DeadLetterReason::kBadTimestamp);
}

TEST(BarDecoder, MalformedAndTooLarge) {
  EXPECT_EQ(reason_of(R"({"symbol":"A","timestamp":0,"close":1)"),
            DeadLetterReason::kMalformedJson);
  EXPECT_EQ(reason_of(R"(["symbol","A"])"), DeadLetterReason::kMalformedJson);
  BarDecoder small(BarDecoderOptions{.max_record_bytes = 16});
  auto r = small.decode(R"({"symbol":"A","timestamp":0,"close":1})", kPos);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, DeadLetterReason::kTooLarge);
}

}  // namespace
}  // namespace stockpulse
