#include "decode/json_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "common/time_format.h"
#include "decode/bar_decoder.h"
#include "decode/post_decoder.h"

namespace stockpulse {
namespace {

const SourcePosition kPos{PartitionId(0), Offset(0)};

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(s, out);
  return out;
}

TEST(JsonEncoder, WritesThePostContractExactly) {
  Post p;
  p.id = "42";
  p.created_at = *parse_iso8601("2024-05-01T14:30:05.123Z");
  p.text = "say \"hi\"\n";
  p.user = "bob";
  p.source = "replay";
  std::string out;
  append_post_json(p, out);
  EXPECT_EQ(
      out,
      R"({"id":"42","created_at":"2024-05-01T14:30:05.123Z","text":"say \"hi\"\n","user":"bob","source":"replay"})");
}

TEST(JsonEncoder, WritesTheBarContractExactly) {
  Bar b;
  b.symbol = "AAPL";
  b.ts = *parse_iso8601("2024-05-01T14:30:00Z");
  b.open = 170.5;
  b.high = 171.25;
  b.low = 170;
  b.close = 0.1;
  b.volume = 12345;
  b.vwap = 170.8;
  b.trade_count = 321;
  std::string out;
  append_bar_json(b, out);
  EXPECT_EQ(
      out,
      R"({"symbol":"AAPL","timestamp":"2024-05-01T14:30:00.000Z","open":170.5,"high":171.25,"low":170,"close":0.1,"volume":12345,"vwap":170.8,"trade_count":321})");
  b.vwap = std::numeric_limits<double>::quiet_NaN();
  b.trade_count = -1;
  out.clear();
  append_bar_json(b, out);
  EXPECT_EQ(out.find("vwap"), std::string::npos);
  EXPECT_EQ(out.find("trade_count"), std::string::npos);
}

TEST(JsonEncoder, EscapesControlCharactersAndQuotes) {
  EXPECT_EQ(json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("\t\r\n\b\f"), R"("\t\r\n\b\f")");
  EXPECT_EQ(json_string(std::string("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(json_string("caf\xC3\xA9 \xF0\x9F\x9A\x80"), "\"caf\xC3\xA9 \xF0\x9F\x9A\x80\"");
}

TEST(JsonEncoder, ReplacesInvalidUtf8WithReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(json_string("a\x80z"), "\"a" + fffd + "z\"");
  // Truncated 4-byte sequence: one replacement for the maximal subpart, then the next char.
  EXPECT_EQ(json_string("\xF0\x9F\x9A!"), "\"" + fffd + "!\"");
  // Overlong C0 AF: C0 is never valid, AF is a lone continuation -> two replacements.
  EXPECT_EQ(json_string("\xC0\xAF"), "\"" + fffd + fffd + "\"");
  // Encoded surrogate ED A0 80: ED then A0 out of range -> three replacements.
  EXPECT_EQ(json_string("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");
}

TEST(JsonEncoder, PostsRoundTripThroughTheDecoder) {
  std::mt19937_64 rng(7);
  PostDecoder decoder;
  for (int i = 0; i < 2000; ++i) {
    Post p;
    p.id = "id-" + std::to_string(rng());
    p.created_at = EventTime(static_cast<int64_t>(rng() % 253402300799999ULL));
    // Random valid text: ASCII incl. controls and quotes, plus multi-byte characters.
    static const char* kPieces[] = {
        "a",    "Z",    " ", "\"",       "\\",           "\n",
        "\x01", "\x1f", "/", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x9A\x80",
        "$TSLA"};
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) p.text += kPieces[rng() % std::size(kPieces)];
    p.user = "u\t" + std::to_string(i);
    p.source = "synthetic";
    std::string json;
    append_post_json(p, json);
    auto r = decoder.decode(json, kPos);
    ASSERT_TRUE(r.ok()) << json << ": " << r.error().detail;
    EXPECT_EQ(r.value().id, p.id);
    EXPECT_EQ(r.value().created_at, p.created_at);
    EXPECT_EQ(r.value().text, p.text);
    EXPECT_EQ(r.value().user, p.user);
    EXPECT_EQ(r.value().source, p.source);
  }
}

TEST(JsonEncoder, InvalidTextRoundTripsAsRepairedText) {
  Post p;
  p.id = "1";
  p.text = "bad \xFF byte";
  std::string json;
  append_post_json(p, json);
  PostDecoder decoder;
  auto r = decoder.decode(json, kPos);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r.value().text, "bad \xEF\xBF\xBD byte");
}

TEST(JsonEncoder, BarDoublesRoundTripBitExactly) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> price(0.0001, 5000);
  BarDecoder decoder;
  for (int i = 0; i < 5000; ++i) {
    Bar b;
    b.symbol = "SYM" + std::to_string(i % 100);
    b.ts = EventTime(static_cast<int64_t>(rng() % 4102444800000ULL));
    b.open = price(rng);
    b.close = price(rng);
    b.high = std::max(b.open, b.close) * 1.01;
    b.low = std::min(b.open, b.close) / 1.01;
    b.volume = std::floor(price(rng) * 1000);
    b.vwap = i % 3 == 0 ? std::numeric_limits<double>::quiet_NaN() : (b.low + b.high) / 2;
    b.trade_count = i % 5 == 0 ? -1 : static_cast<int64_t>(rng() % 100000);
    std::string json;
    append_bar_json(b, json);
    auto r = decoder.decode(json, kPos);
    ASSERT_TRUE(r.ok()) << json << ": " << r.error().detail;
    const Bar& d = r.value();
    EXPECT_EQ(d.symbol, b.symbol);
    EXPECT_EQ(d.ts, b.ts);
    EXPECT_EQ(std::memcmp(&d.open, &b.open, sizeof(double)), 0) << json;
    EXPECT_EQ(d.high, b.high);
    EXPECT_EQ(d.low, b.low);
    EXPECT_EQ(d.close, b.close);
    EXPECT_EQ(d.volume, b.volume);
    EXPECT_EQ(std::isnan(d.vwap), std::isnan(b.vwap));
    if (!std::isnan(b.vwap)) {
      EXPECT_EQ(d.vwap, b.vwap);
    }
    EXPECT_EQ(d.trade_count, b.trade_count);
  }
}

}  // namespace
}  // namespace stockpulse
