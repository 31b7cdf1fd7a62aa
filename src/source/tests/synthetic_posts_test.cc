#include "source/synthetic_posts.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <sstream>
#include <string>

#include "decode/utf8.h"

namespace stockpulse {
namespace {

// A crude sentiment proxy, independent of the generator's vocabulary tables and of the VADER
// engine: count a few unmistakably bullish and bearish words.
int word_score(const std::string& text) {
  static const std::set<std::string> kBull = {
      "bullish", "moon",   "calls", "long",   "rip",         "breakout", "squeeze", "green",
      "buy",     "bought", "lfg",   "strong", "undervalued", "rally",    "love"};
  static const std::set<std::string> kBear = {
      "bearish", "puts",       "short", "dump",      "crash",      "tank", "red", "sell",
      "sold",    "overvalued", "weak",  "bagholder", "bagholders", "dead", "hate"};
  std::string lower;
  for (char c : text)
    lower += static_cast<char>(std::isalpha(static_cast<unsigned char>(c))
                                   ? std::tolower(static_cast<unsigned char>(c))
                                   : ' ');
  std::istringstream words(lower);
  int score = 0;
  for (std::string w; words >> w;) score += kBull.count(w) - kBear.count(w);
  return score;
}

TEST(SyntheticPosts, FieldsAndIds) {
  SyntheticPostGenerator gen({.seed = 7, .start = EventTime(1000000), .posts_per_second = 100});
  Post p;
  int64_t last = 0;
  for (int i = 0; i < 5000; ++i) {
    gen.next(p);
    EXPECT_EQ(p.id, "syn-7-" + std::to_string(i));
    EXPECT_EQ(p.source, "synthetic");
    EXPECT_FALSE(p.user.empty());
    EXPECT_FALSE(p.text.empty());
    EXPECT_EQ(utf8_first_invalid(p.text), p.text.size()) << p.text;
    EXPECT_NE(p.text.find(gen.symbols()[gen.last_tickers()[0]]), std::string::npos) << p.text;
    EXPECT_GE(p.created_at.value(), last);
    EXPECT_GE(p.created_at.value(), 1000000);
    last = p.created_at.value();
  }
  // 5000 posts at 100/s span about 50 s of event time.
  EXPECT_NEAR(static_cast<double>(last - 1000000), 50000.0, 5000.0);
}

TEST(SyntheticPosts, DeterministicBySeed) {
  SyntheticPostGenerator a({.seed = 1}), b({.seed = 1}), c({.seed = 2});
  Post pa, pb, pc;
  int same_as_other_seed = 0;
  for (int i = 0; i < 1000; ++i) {
    a.next(pa);
    b.next(pb);
    c.next(pc);
    ASSERT_EQ(pa.text, pb.text);
    ASSERT_EQ(pa.user, pb.user);
    ASSERT_EQ(pa.created_at, pb.created_at);
    same_as_other_seed += pa.text == pc.text;
  }
  EXPECT_LT(same_as_other_seed, 50);
}

TEST(SyntheticPosts, LooksLikeFinancialSocialMedia) {
  SyntheticPostGenerator gen({.seed = 11});
  Post p;
  std::set<std::string> texts;
  int multi_ticker = 0, exclaim = 0, emoji = 0, shouting = 0, negation = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    gen.next(p);
    texts.insert(p.text);
    multi_ticker += gen.last_tickers().size() > 1;
    exclaim += p.text.find("!!!") != std::string::npos;
    emoji += p.text.find("\xF0\x9F") != std::string::npos;
    negation += p.text.find("Not ") != std::string::npos ||
                p.text.find("Never ") != std::string::npos ||
                p.text.find("n't ") != std::string::npos;
    bool has_lower = false;
    for (char c : p.text) has_lower |= (c >= 'a' && c <= 'z');
    shouting += !has_lower;
  }
  EXPECT_GT(texts.size(), static_cast<size_t>(n * 0.9));  // varied
  EXPECT_GT(multi_ticker, n / 10);
  EXPECT_GT(exclaim, n / 50);
  EXPECT_GT(emoji, n / 3);
  EXPECT_GT(shouting, n / 100);
  EXPECT_GT(negation, n / 50);
}

TEST(SyntheticPosts, TickersFollowThePopularityAndCashtagsAppear) {
  SyntheticPostGenerator gen({.seed = 4});
  Post p;
  std::vector<int> mentions(gen.symbols().size(), 0);
  for (int i = 0; i < 10000; ++i) {
    gen.next(p);
    for (size_t t : gen.last_tickers()) {
      ++mentions[t];
      const std::string& sym = gen.symbols()[t];
      EXPECT_NE(p.text.find(sym), std::string::npos) << sym << " in " << p.text;
    }
  }
  for (int m : mentions) EXPECT_GT(m, 0);
  EXPECT_GT(mentions.front(), mentions.back());
}

TEST(SyntheticPosts, MoodsDriftWithinBounds) {
  SyntheticPostGenerator gen({.seed = 21, .posts_per_second = 5});
  Post p;
  std::vector<double> first;
  for (size_t i = 0; i < gen.symbols().size(); ++i) first.push_back(gen.mood(i));
  double max_change = 0;
  for (int i = 0; i < 20000; ++i) {  // about 67 minutes of event time
    gen.next(p);
    for (size_t s = 0; s < gen.symbols().size(); ++s) {
      ASSERT_GE(gen.mood(s), -1.0);
      ASSERT_LE(gen.mood(s), 1.0);
      max_change = std::max(max_change, std::abs(gen.mood(s) - first[s]));
    }
  }
  EXPECT_GT(max_change, 0.3);
  EXPECT_EQ(gen.mood("AAPL"), gen.mood(0));
  EXPECT_EQ(gen.mood("NOPE"), std::nullopt);
}

TEST(SyntheticPosts, BullishMoodGivesMoreBullishWords) {
  SyntheticPostGenerator gen({.seed = 99, .posts_per_second = 2});
  Post p;
  double bull_sum = 0, bear_sum = 0;
  int bull_n = 0, bear_n = 0;
  for (int i = 0; i < 40000; ++i) {
    gen.next(p);
    if (gen.last_tickers().size() != 1) continue;
    const double mood = gen.mood(gen.last_tickers()[0]);
    const int score = word_score(p.text);
    if (mood > 0.3) {
      bull_sum += score;
      ++bull_n;
    } else if (mood < -0.3) {
      bear_sum += score;
      ++bear_n;
    }
  }
  ASSERT_GT(bull_n, 500);
  ASSERT_GT(bear_n, 500);
  EXPECT_GT(bull_sum / bull_n, bear_sum / bear_n + 0.3)
      << "bullish-mood avg " << bull_sum / bull_n << ", bearish-mood avg " << bear_sum / bear_n;
}

}  // namespace
}  // namespace stockpulse
