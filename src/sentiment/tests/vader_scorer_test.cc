#include "sentiment/vader_scorer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "sentiment/corpus_generator.h"
#include "sentiment/tests/allocation_counter.h"

namespace stockpulse {
namespace {

VaderOptions nltk_mode() {
  return VaderOptions{.emoji = false, .phrases = {}};
}

bool same(const SentimentScores& a, const SentimentScores& b) {
  return a.compound == b.compound && a.pos == b.pos && a.neu == b.neu && a.neg == b.neg;
}

TEST(VaderScorer, NameAndBasicPolarity) {
  VaderScorer s(Lexicon::builtin(), nltk_mode());
  EXPECT_EQ(s.name(), "vader");
  EXPECT_GT(s.score("great results, love it").compound, 0.5);
  EXPECT_LT(s.score("terrible results, hate it").compound, -0.5);
  const SentimentScores n = s.score("the report is on the table");
  EXPECT_EQ(n.compound, 0);
  EXPECT_EQ(n.neu, 1);
}

TEST(VaderScorer, OutputsAreRoundedLikeNltk) {
  VaderScorer s(Lexicon::builtin(), nltk_mode());
  const SentimentScores r = s.score("The movie was VERY good!! but kind of boring :)");
  // compound has 4 decimals, pos/neu/neg 3: multiplying by 10^k gives (nearly) an integer.
  EXPECT_NEAR(r.compound * 1e4, std::round(r.compound * 1e4), 1e-6);
  for (double v : {r.pos, r.neu, r.neg}) EXPECT_NEAR(v * 1e3, std::round(v * 1e3), 1e-6);
  EXPECT_NEAR(r.pos + r.neu + r.neg, 1.0, 0.0021);
}

TEST(VaderScorer, EmojiAreReplacedByTheirNames) {
  VaderScorer with(Lexicon::builtin(), VaderOptions{});
  VaderScorer without(Lexicon::builtin(), nltk_mode());
  // emoji-test.txt: 1F62D "loudly crying face", 1F600 "grinning face", 1F44E 1F3FD
  // "thumbs down: medium skin tone" (one name for the whole sequence, not two).
  EXPECT_TRUE(
      same(with.score("stock \xF0\x9F\x98\xAD"), without.score("stock  loudly crying face ")));
  EXPECT_TRUE(same(with.score("\xF0\x9F\x98\x80"), without.score("grinning face")));
  EXPECT_TRUE(same(with.score("\xF0\x9F\x91\x8E\xF0\x9F\x8F\xBD"),
                   without.score("thumbs down: medium skin tone")));
  // Glued to words, the name still becomes separate words.
  EXPECT_TRUE(same(with.score("up\xF0\x9F\x98\x80now"), without.score("up grinning face now")));
  EXPECT_LT(with.score("\xF0\x9F\x98\xAD").compound, 0);
  EXPECT_EQ(without.score("\xF0\x9F\x98\xAD").compound, 0);
  // Text without emoji is untouched.
  EXPECT_TRUE(same(with.score("good day"), without.score("good day")));
}

TEST(VaderScorer, PhrasesCountAsOneItem) {
  VaderOptions opt = nltk_mode();
  opt.phrases = {{"buy the dip", 2.0}, {"dead cat bounce", -2.0}, {"dead cat", -1.0}};
  VaderScorer s(Lexicon::builtin(), opt);
  // One item of valence 2.0 equals a one-word lexicon entry of 2.0.
  Lexicon lex = Lexicon::builtin();
  lex.set("zzphrase", 2.0);
  lex.set("zzneg", -2.0);
  VaderScorer ref(lex, nltk_mode());
  EXPECT_TRUE(same(s.score("time to buy the dip"), ref.score("time to zzphrase")));
  EXPECT_TRUE(same(s.score("Time to BUY THE DIP!"), ref.score("Time to ZZPHRASE!")));
  EXPECT_TRUE(same(s.score("not buy the dip"), ref.score("not zzphrase")));
  EXPECT_TRUE(
      same(s.score("buy the dip, but dead cat bounce."), ref.score("zzphrase, but zzneg.")));
  // Longest phrase wins; "dead" (a lexicon word) is not also scored on its own.
  EXPECT_TRUE(same(s.score("dead cat bounce"), ref.score("zzneg")));
  // Partial phrases are ordinary words.
  VaderScorer plain(Lexicon::builtin(), nltk_mode());
  EXPECT_TRUE(same(s.score("buy the"), plain.score("buy the")));
}

TEST(VaderScorer, RobustInputs) {
  VaderScorer s(Lexicon::builtin(), VaderOptions{});
  const SentimentScores zero{};
  EXPECT_TRUE(same(s.score(""), zero));
  EXPECT_TRUE(same(s.score(" \t\r\n\v\f "), zero));
  // Invalid UTF-8: bytes are kept, nothing crashes, lexicon words still count.
  const std::string bad = "good \xC3\x28 \xFF\xFE \xE2\x82 \xF0\x9F\x98";
  const SentimentScores b = s.score(bad);
  EXPECT_GT(b.compound, 0);
  // Zero-width characters are not whitespace (as in Python): "good\u200b" is not "good".
  EXPECT_EQ(s.score("\xE2\x80\x8Bgood\xE2\x80\x8B").compound, 0);
  // Control characters.
  // (\x01-\x08 are not whitespace for Python either, so they glue to a neighbour word.)
  std::string ctrl = "good ";
  for (char c = 1; c < 32; ++c) ctrl.push_back(c);
  ctrl += " day\x7F";
  EXPECT_GT(s.score(ctrl).compound, 0);
  std::string nul("good\0bad", 8);
  (void)s.score(nul);
}

TEST(VaderScorer, HugeTextIsCappedAt64KiB) {
  VaderScorer s(Lexicon::builtin(), VaderOptions{});
  // 1 MB: positive words first, then negative words past the cap, which must be ignored.
  std::string text;
  while (text.size() < VaderScorer::kMaxScoredBytes) text += "good ";
  const SentimentScores head = s.score(text);
  while (text.size() < (1u << 20)) text += "awful ";
  const SentimentScores whole = s.score(text);
  EXPECT_TRUE(same(head, whole));
  EXPECT_GT(whole.compound, 0.9);
  // A multi-byte character straddling the cap is not split.
  std::string utf8(VaderScorer::kMaxScoredBytes - 1, 'x');
  utf8 += "\xC3\xA9 good";
  (void)s.score(utf8);
}

TEST(VaderScorer, NoHeapAllocationPerPostInSteadyState) {
  VaderScorer s(Lexicon::builtin(), VaderOptions{.emoji = true, .phrases = {{"buy the dip", 2}}});
  CorpusGenerator gen(7);
  std::vector<std::string> posts;
  for (int i = 0; i < 200; ++i) posts.push_back(gen.finance_post());
  posts.push_back("so happy \xF0\x9F\x98\x80 buy the dip!");
  for (const auto& p : posts) (void)s.score(p);  // warm up the thread's scratch buffers
  testing::start_counting_allocations();
  for (const auto& p : posts) (void)s.score(p);
  EXPECT_EQ(testing::stop_counting_allocations(), 0u);
}

TEST(VaderScorer, ConcurrentScoringGivesTheSameResults) {
  VaderScorer s(Lexicon::builtin(), VaderOptions{});
  CorpusGenerator gen(11);
  std::vector<std::string> texts;
  for (int i = 0; i < 2000; ++i) texts.push_back(gen.rule_text());
  std::vector<SentimentScores> expected;
  for (const auto& t : texts) expected.push_back(s.score(t));
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (size_t i = 0; i < texts.size(); ++i) {
        if (!same(s.score(texts[i]), expected[i])) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(VaderScorer, CustomLexiconFromFile) {
  auto lex = Lexicon::parse("moon\t3.0\ncrash\t-3.0\n", "test");
  ASSERT_TRUE(lex.ok());
  VaderScorer s(lex.value(), nltk_mode());
  EXPECT_GT(s.score("to the moon").compound, 0);
  EXPECT_LT(s.score("crash incoming").compound, 0);
  EXPECT_EQ(s.score("good").compound, 0);  // not in this lexicon
}

}  // namespace
}  // namespace stockpulse
