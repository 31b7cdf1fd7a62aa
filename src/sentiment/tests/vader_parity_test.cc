// Parity with NLTK on a hand-written edge-case set: every VADER rule, punctuation, emoticons,
// Unicode, whitespace, empty text. Required: 100% equal to 4 decimals.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sentiment/tests/nltk_oracle.h"
#include "sentiment/vader_scorer.h"

namespace stockpulse {
namespace {

const std::vector<std::string>& edge_cases() {
  static const std::vector<std::string> cases = {
      // empty and whitespace
      "",
      " ",
      "   \t\n  ",
      "\u00a0\u3000",
      "a",
      "I",
      "!",
      "?!",
      ".",
      // plain lexicon words
      "good",
      "bad",
      "The stock is good",
      "The stock is bad",
      "good bad ugly",
      "meh",
      "I love this company",
      "I hate this company",
      // ALL-CAPS emphasis only in mixed case
      "GOOD",
      "The stock is GOOD",
      "THE STOCK IS GOOD",
      "The stock is BAD",
      "GREAT earnings",
      "VERY good",
      "the earnings were VERY good",
      "HARDLY good news",
      "I am SO happy",
      // boosters and dampeners, with distance
      "very good",
      "extremely good",
      "very very good",
      "extremely very good stock",
      "absolutely really totally good",
      "barely good",
      "slightly bad",
      "kinda good",
      "sort of good",
      "the product is sort of good",
      "it was kind of good",
      "kind of",
      "this was just enough good",
      "very bad",
      "extremely bad",
      "barely bad",
      "more good",
      "most bad",
      "less good",
      // negation
      "not good",
      "not bad",
      "isn't good",
      "don't like it",
      "never good",
      "without joy",
      "not very good",
      "not very very good",
      "the movie is not at all good",
      "nobody didn't complain",
      "ain't happy",
      "I shouldn't feel happy",
      "couldnt be happier",
      "NOT good at all",
      "it isnt bad, it is good",
      "nope, not happy",
      "seldom good",
      "despite the good news",
      "uh-uh that is bad",
      "didnt like it but loved the end",
      // n't substring
      "hadn't any fun",
      "mightn't win",
      "won't fail",
      // never so / never this
      "never so good",
      "never this bad",
      "never so very good",
      "so good",
      "this good",
      "It was never so good",
      "never so",
      "not so good",
      "it is so good",
      // but
      "good but bad",
      "bad but good",
      "The food was great but the service was terrible",
      "not great but okay",
      "BUT good",
      "but",
      "good, but, bad",
      "good but but bad",
      // least
      "least good",
      "at least good",
      "very least good",
      "the least good idea",
      "this is the least bad",
      "at least it is not bad",
      // idioms and special cases
      "the shit",
      "this is the shit",
      "that movie was the bomb",
      "that movie was the bomb dude",
      "a bad ass movie",
      "yeah right, great",
      "it does not cut the mustard",
      "this is the kiss of death for them",
      "living hand to mouth sad",
      "you are the shit",
      "wow this is the shit",
      "The Shit is good",
      // kind of
      "kind of good",
      "it is kind of good",
      "It is Kind of good",
      "kind of sort of good",
      // repeated words (NLTK scores every repeat at its first occurrence)
      "good good good",
      "not good good",
      "good not good",
      "very good. very good.",
      "bad stock, very bad",
      "love love love it!!",
      // punctuation amplification
      "good!",
      "good!!",
      "good!!!",
      "good!!!!",
      "good!!!!!!!!",
      "bad!!!",
      "good?",
      "good??",
      "good???",
      "good????",
      "good?!?!",
      "bad?!",
      "!!! good",
      "neutral text!!!",
      "What a day!! Is it good??",
      // punctuation attached to words
      "'good'",
      "\"good\"",
      "(good)",
      "good.",
      ",good",
      "good...",
      "--good",
      "good!?",
      "good;",
      "good:",
      "good-",
      "-good",
      "don't!",
      "'cause good",
      // emoticons and emoji (NLTK ignores emoji)
      ":)",
      ":(",
      ":-)",
      ":D",
      ":d",
      "<3",
      "good :)",
      "bad :(",
      "I am happy :-D",
      "\xF0\x9F\x98\x80",
      "great \xF0\x9F\x9A\x80\xF0\x9F\x9A\x80",
      "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD nice",
      ":-\xC3\x9E",
      ":\xC3\x9E",
      // Unicode words and case
      "café good",
      "ÉNORME good",
      "naïve love",
      "Straße bad",
      "日本 good",
      "ΣΟΦΙΑ good",
      "GOOD ÉNORME",
      "ÉNORME",
      "good ǅemal",
      "\xEF\xAC\x81ne good",
      "\xE2\x84\xAA\xE2\x84\xAA good",  // Kelvin signs
      "İyi good",
      // whitespace variety and zero-width characters
      "good\tbad",
      "good\nbad",
      "good\u2003bad",
      "good\u200bbad",
      "\u200bgood",
      "good\r\nnice",
      // finance-ish posts
      "$AAPL to the moon! Great earnings, very bullish",
      "long $NVDA, short $INTC",
      "Terrible quarter. $TSLA is going to crash!!!",
      "I'm not selling, diamond hands :)",
      "lost 50% on $GME, never so sad",
      "@user #stocks good call",
      // assorted
      "The movie was VERY good!! but kind of boring :)",
      "Not a bad idea at all, honestly",
      "I do not dislike it",
      "Today SUX!",
      "Today only kinda sux! But I'll get by, lol",
      "Make sure you :) or :D today!",
      "Catch utf-8 emoji such as 💘 and 💋 and 😁",
      "Not bad at all",
      "this is not the best but it is not the worst",
  };
  return cases;
}

TEST(VaderParity, HandWrittenEdgeCasesMatchNltkExactly) {
  const auto& cases = edge_cases();
  ASSERT_GE(cases.size(), 80u);
  auto oracle = testing::run_nltk_oracle(cases, 1);
  ASSERT_TRUE(oracle.error.empty()) << oracle.error;
  VaderScorer scorer(Lexicon::builtin(), VaderOptions{.emoji = false, .phrases = {}});
  size_t mismatches = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const SentimentScores ours = scorer.score(cases[i]);
    if (!testing::same_to_4_decimals(ours, oracle.scores[i])) {
      ++mismatches;
      ADD_FAILURE() << "text " << testing::json_string(cases[i])
                    << "\n  ours: " << testing::describe(ours)
                    << "\n  nltk: " << testing::describe(oracle.scores[i]);
    }
  }
  std::printf("edge cases: %zu/%zu equal to NLTK\n", cases.size() - mismatches, cases.size());
}

}  // namespace
}  // namespace stockpulse
