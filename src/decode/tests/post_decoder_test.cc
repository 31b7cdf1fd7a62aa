#include "decode/post_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/time_format.h"
#include "decode/json_encoder.h"

namespace stockpulse {
namespace {

SourcePosition at(int32_t partition, int64_t offset) {
  return {PartitionId(partition), Offset(offset)};
}

DeadLetterReason reason_of(PostDecoder& d, std::string_view json) {
  auto r = d.decode(json, at(0, 0));
  EXPECT_FALSE(r.ok()) << json;
  return r.ok() ? DeadLetterReason::kLate : r.error().reason;
}

TEST(PostDecoder, DecodesTheContract) {
  PostDecoder d;
  auto r = d.decode(
      R"({"id":"42","created_at":"2024-05-01T14:30:05.123Z","text":"$AAPL to the moon \ud83d\ude80","user":"bob","source":"replay"})",
      at(3, 17));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  const Post& p = r.value();
  EXPECT_EQ(p.id, "42");
  // 2024-05-01 is day 19844 since the epoch.
  EXPECT_EQ(p.created_at.value(), 19844LL * 86400000 + (14 * 3600 + 30 * 60 + 5) * 1000LL + 123);
  EXPECT_EQ(p.text, "$AAPL to the moon \xF0\x9F\x9A\x80");
  EXPECT_EQ(p.user, "bob");
  EXPECT_EQ(p.source, "replay");
  EXPECT_EQ(p.position.partition.value(), 3);
  EXPECT_EQ(p.position.offset.value(), 17);
}

TEST(PostDecoder, FieldOrderWhitespaceAndUnknownFieldsDoNotMatter) {
  PostDecoder d;
  auto r = d.decode(
      R"(  { "extra": {"nested": [1, 2, {"x": null}]}, "text" : "hi", "source":null,
            "created_at": "2024-05-01 14:30:05+00:00", "lang": "en", "id": "a" }  )",
      at(0, 0));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r.value().text, "hi");
  EXPECT_EQ(r.value().source, "");
  EXPECT_EQ(r.value().user, "");
  EXPECT_EQ(r.value().created_at, parse_iso8601("2024-05-01T14:30:05Z"));
}

TEST(PostDecoder, NumericIdsAndUsersKeepTheirDigits) {
  PostDecoder d;
  auto r = d.decode(
      R"({"id":1785562345678901234,"created_at":"2024-05-01T00:00:00Z","text":"x","user":12345})",
      at(0, 0));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r.value().id, "1785562345678901234");
  EXPECT_EQ(r.value().user, "12345");
}

TEST(PostDecoder, MissingIdIsDerivedFromThePosition) {
  PostDecoder d;
  auto r = d.decode(R"({"created_at":"2024-05-01T00:00:00Z","text":"x"})", at(2, 99));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().id, "pos-2-99");
  PostDecoder strict(PostDecoderOptions{.require_id = true});
  EXPECT_EQ(reason_of(strict, R"({"created_at":"2024-05-01T00:00:00Z","text":"x"})"),
            DeadLetterReason::kMissingField);
}

TEST(PostDecoder, EpochTimestampsByMagnitude) {
  PostDecoder d;
  const int64_t ms = 1714573805123;  // 2024-05-01T14:30:05.123Z
  struct Case {
    std::string value;
    int64_t expected;
  } cases[] = {
      {"1714573805", 1714573805000},
      {"1714573805.123", ms},
      {"1714573805123", ms},
      {"1714573805123456", ms},
      {"1714573805123456789", ms},
      {"\"1714573805123\"", ms},
      {"\"2024-05-01T14:30:05.123456Z\"", ms},
      {"\"2024-05-01T10:30:05.123-04:00\"", ms},
  };
  for (const auto& c : cases) {
    auto r = d.decode(R"({"id":"1","text":"x","created_at":)" + c.value + "}", at(0, 0));
    ASSERT_TRUE(r.ok()) << c.value << ": " << r.error().detail;
    EXPECT_EQ(r.value().created_at.value(), c.expected) << c.value;
  }
}

TEST(PostDecoder, BadTimestamps) {
  PostDecoder d;
  for (std::string v : {"\"yesterday\"", "\"2024-13-01T00:00:00Z\"", "-5", "\"\"", "1e30"}) {
    auto r = d.decode(R"({"id":"1","text":"x","created_at":)" + v + "}", at(0, 0));
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.error().reason, DeadLetterReason::kBadTimestamp) << v << " " << r.error().detail;
    EXPECT_NE(r.error().detail.find("created_at"), std::string::npos);
  }
  EXPECT_EQ(reason_of(d, R"({"id":"1","text":"x","created_at":true})"),
            DeadLetterReason::kWrongType);
}

// Issue #15: a post of 9999-12-31 made a window ending in the year 10000, which the store's
// four-digit ISO text cannot hold. Times outside 1970-01-01 .. 9998-12-31 (UTC) are dead letters.
TEST(PostDecoder, TimesOutsideTheSupportedRangeAreBadTimestamps) {
  PostDecoder d;
  // Epoch numbers cannot get there (milliseconds end at 1e14, the year 5138; larger numbers are
  // micro- or nanoseconds), so only ISO text, with or without an offset, can.
  for (std::string v : {"\"9999-12-31T23:59:00Z\"", "\"9999-01-01T00:00:00Z\"",
                        "\"9998-12-31T23:00:00-04:00\"", "\"1970-01-01T00:30:00+01:00\""}) {
    auto r = d.decode(R"({"id":"1","text":"x","created_at":)" + v + "}", at(0, 0));
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.error().reason, DeadLetterReason::kBadTimestamp) << v << " " << r.error().detail;
    EXPECT_NE(r.error().detail.find("supported"), std::string::npos) << r.error().detail;
  }
  for (std::string v : {"\"9998-12-31T23:59:59.999Z\"", "\"9998-12-31T19:59:59.999-04:00\"",
                        "\"1970-01-01T00:00:00Z\"", "0", "99999999999999"}) {
    auto r = d.decode(R"({"id":"1","text":"x","created_at":)" + v + "}", at(0, 0));
    EXPECT_TRUE(r.ok()) << v << ": " << r.error().detail;
  }
}

TEST(PostDecoder, MalformedJson) {
  PostDecoder d;
  for (std::string_view bad :
       {"", "   ", "not json", R"({"id":"1","text":"abc)", R"({"id":"1","text":"abc")",
        R"({"id":"1","text":"abc",)", "[1,2,3]", "\"a string\"", "42",
        R"({"id":"1","created_at":"2024-05-01T00:00:00Z","text":"x"} trailing)",
        R"({"id":"1","created_at":"2024-05-01T00:00:00Z","text":"x"}{"id":"2"})", R"({"id" "1"})",
        R"({"text":"bad \q escape","created_at":0})"}) {
    auto r = d.decode(bad, at(0, 0));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().reason, DeadLetterReason::kMalformedJson)
        << bad << " -> " << reason_name(r.error().reason) << ": " << r.error().detail;
  }
}

TEST(PostDecoder, MissingAndWrongTypedFields) {
  PostDecoder d;
  EXPECT_EQ(reason_of(d, R"({"id":"1","created_at":"2024-05-01T00:00:00Z"})"),
            DeadLetterReason::kMissingField);
  EXPECT_EQ(reason_of(d, R"({"id":"1","text":"x"})"), DeadLetterReason::kMissingField);
  EXPECT_EQ(reason_of(d, R"({"id":"1","text":"x","created_at":null})"),
            DeadLetterReason::kMissingField);
  EXPECT_EQ(reason_of(d, R"({"id":"1","text":42,"created_at":"2024-05-01T00:00:00Z"})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(d, R"({"id":[1],"text":"x","created_at":"2024-05-01T00:00:00Z"})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(d, R"({"id":-3,"text":"x","created_at":"2024-05-01T00:00:00Z"})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(d, R"({"id":"1","text":"x","user":{},"created_at":"2024-05-01T00:00:00Z"})"),
            DeadLetterReason::kWrongType);
  auto r = d.decode(R"({"id":"1","text":["x"],"created_at":"2024-05-01T00:00:00Z"})", at(0, 0));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().detail.find("'text'"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("array"), std::string::npos) << r.error().detail;
}

TEST(PostDecoder, TextSizeLimit) {
  PostDecoder d(PostDecoderOptions{.max_text_bytes = 10});
  auto ok = d.decode(R"({"id":"1","created_at":0,"text":"0123456789"})", at(0, 0));
  EXPECT_TRUE(ok.ok());
  auto big = d.decode(R"({"id":"1","created_at":0,"text":"01234567890"})", at(0, 0));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().reason, DeadLetterReason::kTooLarge);

  PostDecoder defaults;
  const std::string text(64 * 1024 + 1, 'a');
  EXPECT_EQ(reason_of(defaults, R"({"id":"1","created_at":0,"text":")" + text + "\"}"),
            DeadLetterReason::kTooLarge);
  const std::string fits(64 * 1024, 'a');
  EXPECT_TRUE(
      defaults.decode(R"({"id":"1","created_at":0,"text":")" + fits + "\"}", at(0, 0)).ok());
}

TEST(PostDecoder, InvalidUtf8) {
  PostDecoder d;
  // A lone continuation byte, an overlong '/', and a UTF-16 surrogate encoded in UTF-8.
  for (std::string bad : {std::string("caf\x80"), std::string("\xC0\xAF"),
                          std::string("\xED\xA0\x80"), std::string("ok \xF0\x9F\x9A")}) {
    auto r = d.decode(R"({"id":"1","created_at":0,"text":")" + bad + "\"}", at(0, 0));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, DeadLetterReason::kInvalidUtf8) << r.error().detail;
  }
  // A lone surrogate escape, as Python's json.dumps writes for a broken emoji.
  EXPECT_EQ(reason_of(d, R"({"id":"1","created_at":0,"text":"broken \ud83d emoji"})"),
            DeadLetterReason::kInvalidUtf8);
}

TEST(PostDecoder, PaddedInputIsReadInPlaceWhateverFollowsIt) {
  PostDecoder d;
  const std::string line = R"({"id":"1","created_at":0,"text":"x"})";
  // The padding holds the start of another record: the decoder must stop at the view's end.
  std::string buffer = line + "\n{\"id\":\"2\"" + std::string(kJsonPadding, '}');
  auto r = d.decode(PaddedJson{std::string_view(buffer.data(), line.size())}, at(0, 0));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r.value().id, "1");
  // A truncated view of a valid line is malformed, even though the full line follows it.
  auto cut = d.decode(PaddedJson{std::string_view(buffer.data(), line.size() - 1)}, at(0, 0));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().reason, DeadLetterReason::kMalformedJson);
}

TEST(PostDecoder, ReusesOneParserAcrossRecordsAndErrors) {
  PostDecoder d;
  Post p;
  DecodeError e;
  for (int i = 0; i < 100; ++i) {
    std::string good = R"({"id":")" + std::to_string(i) + R"(","created_at":0,"text":"t"})";
    std::string padded = good + std::string(kJsonPadding, ' ');
    ASSERT_TRUE(
        d.decode_into(PaddedJson{std::string_view(padded.data(), good.size())}, at(0, i), p, e));
    EXPECT_EQ(p.id, std::to_string(i));
    EXPECT_FALSE(d.decode("{\"id\":", at(0, i)).ok());
  }
}

// The optional fields of sources that tag posts (StockTwits): symbols and the author's label.
TEST(PostDecoder, SymbolsAndLabelRoundTrip) {
  PostDecoder d;
  auto r = d.decode(
      R"({"id":"7","created_at":"2024-05-01T14:30:05Z","text":"toppy","symbols":["AAPL","","MSFT"],"label":"Bearish"})",
      at(0, 0));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r.value().symbols, (std::vector<std::string>{"AAPL", "MSFT"}));
  ASSERT_TRUE(r.value().label);
  EXPECT_EQ(*r.value().label, SentimentLabel::kBearish);
  std::string json;
  append_post_json(r.value(), json);
  EXPECT_EQ(
      json,
      R"({"id":"7","created_at":"2024-05-01T14:30:05.000Z","text":"toppy","user":"","source":"","symbols":["AAPL","MSFT"],"label":"bearish"})");
  auto back = d.decode(json, at(0, 0));
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(back.value().symbols, r.value().symbols);
  EXPECT_EQ(back.value().label, r.value().label);
  // A record without them has none (nothing left over from the previous record).
  auto plain = d.decode(R"({"created_at":"2024-05-01T14:30:05Z","text":"x"})", at(0, 1));
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain.value().symbols.empty());
  EXPECT_FALSE(plain.value().label);
  // Wrong values are dead letters with a reason.
  EXPECT_EQ(reason_of(d, R"({"created_at":"2024-05-01T14:30:05Z","text":"x","symbols":"AAPL"})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(d, R"({"created_at":"2024-05-01T14:30:05Z","text":"x","symbols":[1]})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(d, R"({"created_at":"2024-05-01T14:30:05Z","text":"x","label":"meh"})"),
            DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(d, R"({"created_at":"2024-05-01T14:30:05Z","text":"x","label":1})"),
            DeadLetterReason::kWrongType);
}

}  // namespace
}  // namespace stockpulse
