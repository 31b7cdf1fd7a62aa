#include "sentiment/finance/feature_hasher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace stockpulse {
namespace {

std::vector<uint32_t> features(std::string_view text, uint32_t bits = 18) {
  const FeatureHasher hasher(bits);
  std::array<uint32_t, FeatureHasher::kMaxFeatures> buf;
  const size_t n = hasher.extract(text, buf);
  return {buf.begin(), buf.begin() + static_cast<long>(n)};
}

bool contains(const std::vector<uint32_t>& f, uint32_t x) {
  return std::find(f.begin(), f.end(), x) != f.end();
}

TEST(FeatureHasher, UnigramsAndBigramsWithinRange) {
  const auto f = features("buy the dip", 12);
  // 3 unigrams + 2 bigrams.
  ASSERT_EQ(f.size(), 5u);
  for (uint32_t x : f) EXPECT_LT(x, 1u << 12);
  EXPECT_EQ(f, features("buy the dip", 12));  // deterministic
  EXPECT_TRUE(features("").empty());
}

TEST(FeatureHasher, NormalisesCaseElongationAndApostrophes) {
  EXPECT_EQ(features("GOOOOD Call"), features("good call"));
  EXPECT_EQ(features("don't sell"), features("dont sell"));
  EXPECT_NE(features("good call"), features("good calls"));
}

TEST(FeatureHasher, CashtagsAreOneTokenWhateverTheSymbol) {
  EXPECT_EQ(features("$AAPL ripping"), features("$TSLA ripping"));
  EXPECT_EQ(features("$BRK.B ripping"), features("$X ripping"));
  // A price is not a cashtag.
  EXPECT_NE(features("$AAPL ripping"), features("$20 ripping"));
  EXPECT_EQ(features("$20 ripping"), features("$1,250.50 ripping"));
}

TEST(FeatureHasher, NumbersKeepTheirSignAndPercent) {
  const auto up = features("+5%");
  const auto down = features("-5%");
  const auto plain = features("5%");
  const auto number = features("5");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_NE(up, down);
  EXPECT_NE(up, plain);
  EXPECT_NE(plain, number);
  EXPECT_EQ(features("+12.5%"), up);
  EXPECT_EQ(features("down 3%"), features("down 40%"));
}

TEST(FeatureHasher, NegationScopeEndsAfterThreeWordsOrAClause) {
  const uint32_t good = features("good")[0];
  EXPECT_FALSE(contains(features("not good"), good));
  EXPECT_TRUE(contains(features("not good"), features("not")[0]));
  // The negated form of "good" is the same wherever the negator is.
  const auto neg1 = features("not good");
  const auto neg2 = features("never good");
  EXPECT_EQ(neg1[1], neg2[1]);  // [negator, good', bigram]: [1] is the negated "good"
  EXPECT_TRUE(contains(features("not bad, good"), good));   // the comma ends the scope
  EXPECT_TRUE(contains(features("not a b c good"), good));  // past three words
  EXPECT_FALSE(contains(features("not a b good"), good));
}

TEST(FeatureHasher, EmojiAreTokensAndPresentationSelectorsAreIgnored) {
  const auto rocket = features("\xF0\x9F\x9A\x80");  // U+1F680
  ASSERT_EQ(rocket.size(), 1u);
  EXPECT_EQ(features("\xF0\x9F\x9A\x80\xEF\xB8\x8F"), rocket);  // + U+FE0F
  EXPECT_NE(features("\xF0\x9F\x93\x89"), rocket);              // U+1F4C9 chart down
  EXPECT_EQ(features("moon\xF0\x9F\x9A\x80").size(), 3u);       // word, emoji, bigram
}

TEST(FeatureHasher, AnyBytesAreSafeAndBounded) {
  std::string junk;
  for (int i = 0; i < 5000; ++i) junk.push_back(static_cast<char>((i * 131) & 0xff));
  const auto f = features(junk);
  EXPECT_LE(f.size(), FeatureHasher::kMaxFeatures);
  // Truncated UTF-8 at the end.
  EXPECT_NO_THROW(features("abc\xF0\x9F"));
  // A huge text: at most kMaxHashedBytes read, at most the buffer filled.
  std::string huge;
  for (int i = 0; i < 100000; ++i) huge += "w ";
  const FeatureHasher hasher(18);
  std::array<uint32_t, 16> small;
  EXPECT_EQ(hasher.extract(huge, small), 16u);
  EXPECT_THROW(FeatureHasher(4), std::invalid_argument);
}

}  // namespace
}  // namespace stockpulse
