#include "sentiment/post_analyzer.h"

#include <gtest/gtest.h>

#include "sentiment/vader_scorer.h"

namespace stockpulse {
namespace {

bool same(const SentimentScores& a, const SentimentScores& b) {
  return a.compound == b.compound && a.pos == b.pos && a.neu == b.neu && a.neg == b.neg;
}

class PostAnalyzerTest : public ::testing::Test {
 protected:
  PostAnalyzerTest()
      : finance_(finance_lexicon(), VaderOptions{.emoji = false, .phrases = {}}),
        plain_(Lexicon::builtin(), VaderOptions{.emoji = false, .phrases = {}}) {}
  static Lexicon finance_lexicon() {
    Lexicon lex = Lexicon::builtin();
    lex.set("long", 1.5);  // a stand-in for the finance flavour's entries
    lex.set("short", -1.5);
    return lex;
  }
  TickerExtractor tickers_;
  VaderScorer finance_;
  VaderScorer plain_;
};

TEST_F(PostAnalyzerTest, LongShortSplitsByClause) {
  PostAnalyzer a(finance_, tickers_);
  SentimentScores overall;
  std::vector<TickerSentiment> t;
  a.analyze("long $NVDA, short $INTC", overall, t);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].symbol, "NVDA");
  EXPECT_EQ(t[1].symbol, "INTC");
  EXPECT_EQ(label_of(t[0].scores.compound), SentimentLabel::kBullish);
  EXPECT_EQ(label_of(t[1].scores.compound), SentimentLabel::kBearish);
  EXPECT_TRUE(same(t[0].scores, finance_.score("long $NVDA,")));
  EXPECT_TRUE(same(overall, finance_.score("long $NVDA, short $INTC")));
}

TEST_F(PostAnalyzerTest, ButWhileWhereasSplit) {
  PostAnalyzer a(plain_, tickers_);
  SentimentScores overall;
  std::vector<TickerSentiment> t;
  a.analyze("$AAPL looks great but $MSFT looks awful", overall, t);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_GT(t[0].scores.compound, 0);
  EXPECT_LT(t[1].scores.compound, 0);
  a.analyze("$AMD is a winner whereas $INTC is a loser", overall, t);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_GT(t[0].scores.compound, 0);
  EXPECT_LT(t[1].scores.compound, 0);
  a.analyze("$SPY wins while $QQQ fails", overall, t);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_GT(t[0].scores.compound, 0);
  EXPECT_LT(t[1].scores.compound, 0);
}

TEST_F(PostAnalyzerTest, FallsBackToWholePostWithoutSentimentInTheClause) {
  PostAnalyzer a(plain_, tickers_);
  SentimentScores overall;
  std::vector<TickerSentiment> t;
  a.analyze("$AMD. Great quarter, love it!", overall, t);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(same(t[0].scores, overall));
  EXPECT_GT(overall.compound, 0);
  // Numbers and class suffixes do not cut clauses.
  a.analyze("$BRK.B up 1,000 points, 5.50 gain, great", overall, t);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].symbol, "BRK.B");
  EXPECT_TRUE(same(t[0].scores, overall));
}

TEST_F(PostAnalyzerTest, NoTickersAndCapacityReuse) {
  PostAnalyzer a(plain_, tickers_);
  SentimentScores overall;
  std::vector<TickerSentiment> t;
  a.analyze("$A good, $B bad, $C ok", overall, t);
  EXPECT_EQ(t.size(), 3u);
  const auto cap = t.capacity();
  a.analyze("nothing to see", overall, t);
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.capacity(), cap);
  a.analyze("", overall, t);
  EXPECT_TRUE(t.empty());
  EXPECT_TRUE(same(overall, SentimentScores{}));
}

TEST_F(PostAnalyzerTest, RobustInputs) {
  PostAnalyzer a(plain_, tickers_);
  SentimentScores overall;
  std::vector<TickerSentiment> t;
  std::string big = "$TSLA great. ";
  while (big.size() < (1u << 20)) big += "\xFF bad $X, but \x01 while, ";
  a.analyze(big, overall, t);
  EXPECT_FALSE(t.empty());
  EXPECT_LE(t.size(), TickerExtractor::kMaxTickers);
  a.analyze("\xE2\x80\x8B$NVDA\xE2\x80\x8B but but , , ;;", overall, t);
  ASSERT_EQ(t.size(), 1u);
}

}  // namespace
}  // namespace stockpulse
