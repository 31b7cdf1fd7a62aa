#include "pipeline/keyed_record.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace stockpulse {
namespace {

KeyedRecord sample_post() {
  KeyedRecord k;
  k.kind = KeyedRecord::Kind::kPost;
  k.sub = 0;
  k.post.post.id = "p1";
  k.post.post.created_at = EventTime(1714573805123);
  k.post.post.text = "long $NVDA, short $INTC \xF0\x9F\x9A\x80";
  k.post.post.user = "u";
  k.post.post.source = "replay";
  k.post.post.position = {PartitionId(3), Offset(123456789012)};
  k.post.overall = {0.1234567890123, 0.2, 0.7, 0.1};
  k.post.tickers = {{"NVDA", {0.6, 0.5, 0.5, 0}}, {"INTC", {-0.5, 0, 0.4, 0.6}}};
  return k;
}

TEST(KeyedRecordTest, PostsMentionsAndBarsRoundTripBitExact) {
  const KeyedRecord post = sample_post();
  std::string bytes;
  encode_keyed(post, bytes);
  auto back = decode_keyed(bytes);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->kind, KeyedRecord::Kind::kPost);
  EXPECT_EQ(back->post.post.id, "p1");
  EXPECT_EQ(back->post.post.text, post.post.post.text);
  EXPECT_EQ(back->post.post.created_at, post.post.post.created_at);
  EXPECT_EQ(back->post.post.position.partition, PartitionId(3));
  EXPECT_EQ(back->post.post.position.offset, Offset(123456789012));
  EXPECT_EQ(std::memcmp(&back->post.overall, &post.post.overall, sizeof post.post.overall), 0);
  ASSERT_EQ(back->post.tickers.size(), 2u);
  EXPECT_EQ(back->post.tickers[1].symbol, "INTC");
  EXPECT_EQ(back->post.tickers[1].scores.compound, -0.5);

  KeyedRecord bar;
  bar.kind = KeyedRecord::Kind::kBar;
  bar.bar.symbol = "BRK.B";
  bar.bar.ts = EventTime(1714573800000);
  bar.bar.open = 1.5;
  bar.bar.close = 2.25;
  bar.bar.volume = 1e9;
  bar.bar.position = {PartitionId(5), Offset(7)};
  bytes.clear();
  encode_keyed(bar, bytes);
  auto b = decode_keyed(bytes);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->kind, KeyedRecord::Kind::kBar);
  EXPECT_EQ(b->bar.symbol, "BRK.B");
  EXPECT_EQ(b->bar.close, 2.25);
  EXPECT_TRUE(std::isnan(b->bar.vwap));  // NaN travels as NaN
  EXPECT_EQ(b->bar.trade_count, -1);
  EXPECT_EQ(b->bar.position.offset, Offset(7));
}

TEST(KeyedRecordTest, TruncatedCorruptedOrForeignBytesAreRefused) {
  std::string bytes;
  encode_keyed(sample_post(), bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decode_keyed(std::string_view(bytes).substr(0, cut)).has_value()) << cut;
  }
  EXPECT_FALSE(decode_keyed(bytes + "x").has_value());  // trailing bytes
  std::string bad_kind = bytes;
  bad_kind[5] = 9;
  EXPECT_FALSE(decode_keyed(bad_kind).has_value());
  EXPECT_FALSE(decode_keyed("{\"id\":\"1\",\"text\":\"json is not a keyed record\"}").has_value());
}

}  // namespace
}  // namespace stockpulse
