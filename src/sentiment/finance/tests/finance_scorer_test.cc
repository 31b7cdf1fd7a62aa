#include "sentiment/finance/finance_scorer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace stockpulse {
namespace {

// Direction on unambiguous sentences written for this test (none is in data/eval/).
SentimentLabel finance_label(const std::string& text) {
  static const FinanceScorer scorer(/*emoji=*/true);
  return label_of(scorer.score(text).compound);
}

TEST(FinanceScorer, Name) {
  EXPECT_EQ(FinanceScorer(true).name(), "finance-lexicon");
  EXPECT_EQ(make_finance_scorer(false)->name(), "finance-lexicon");
}

TEST(FinanceScorer, BullishFinanceLanguage) {
  for (const char* text : {
           "$XYZ beat estimates and raised guidance for the full year",
           "Loading up on $XYZ calls before the product launch",
           "Massive short squeeze in $XYZ today",
           "$XYZ upgraded to outperform by two brokers",
           "$XYZ bullish breakout on heavy volume",
           "Analysts see big upside for $XYZ, undervalued at this price",
           "$XYZ soared to an all time high",
       }) {
    EXPECT_EQ(finance_label(text), SentimentLabel::kBullish) << text;
  }
}

TEST(FinanceScorer, BearishFinanceLanguage) {
  for (const char* text : {
           "$XYZ missed estimates and cut guidance",
           "I'm shorting $XYZ into earnings",
           "Bought puts on $XYZ this morning",
           "$XYZ filed for bankruptcy protection",
           "$XYZ plunged after the downgrade",
           "Another share offering from $XYZ, more dilution for holders",
           "$XYZ bearish, heading to new lows",
       }) {
    EXPECT_EQ(finance_label(text), SentimentLabel::kBearish) << text;
  }
}

TEST(FinanceScorer, FinanceTermsThatAreNotSentiment) {
  for (const char* text : {
           "$XYZ reports quarterly results on Tuesday",
           "The company discussed interest expense and debt maturities",
           "$XYZ gross margin and free cash flow details are in the filing",
       }) {
    EXPECT_EQ(finance_label(text), SentimentLabel::kNeutral) << text;
  }
}

TEST(FinanceScorer, FixesTrapsWherePlainVaderReadsTheOppositeSign) {
  VaderScorer plain(Lexicon::builtin(), VaderOptions{});
  FinanceScorer finance(true);
  // "crushed" and "killing" are violent words in general English, praise in results talk.
  for (const char* text : {"$XYZ crushed it this quarter", "$XYZ is killing it"}) {
    EXPECT_EQ(label_of(plain.score(text).compound), SentimentLabel::kBearish) << text;
    EXPECT_EQ(label_of(finance.score(text).compound), SentimentLabel::kBullish) << text;
  }
}

TEST(FinanceScorer, VaderRulesStillApply) {
  FinanceScorer scorer(true);
  // Negation flips a phrase, as it flips a word.
  EXPECT_LT(scorer.score("Do not buy the dip on $XYZ").compound, 0.0);
  EXPECT_GT(scorer.score("buy the dip on $XYZ").compound, 0.0);
  // Emphasis strengthens without changing the sign.
  EXPECT_GT(scorer.score("$XYZ is bullish!!!").compound, scorer.score("$XYZ is bullish").compound);
}

TEST(FinanceScorer, SameScoresFromManyThreads) {
  const auto scorer = make_finance_scorer(true);
  const std::string text = "Shorts trapped in $XYZ, gap up at the open 🚀";
  const double expected = scorer->score(text).compound;
  std::vector<double> got(4, 0.0);
  {
    std::vector<std::jthread> threads;
    for (size_t t = 0; t < got.size(); ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) got[t] = scorer->score(text).compound;
      });
    }
  }
  for (double g : got) EXPECT_EQ(g, expected);
}

}  // namespace
}  // namespace stockpulse
