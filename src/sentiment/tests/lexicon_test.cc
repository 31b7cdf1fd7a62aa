#include "sentiment/lexicon.h"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

namespace stockpulse {
namespace {

TEST(Lexicon, BuiltinHasVaderEntries) {
  const Lexicon& lex = Lexicon::builtin();
  // Values straight from vader_lexicon.txt.
  ASSERT_TRUE(lex.find("good").has_value());
  EXPECT_DOUBLE_EQ(*lex.find("good"), 1.9);
  EXPECT_DOUBLE_EQ(*lex.find("shit"), -2.6);
  EXPECT_DOUBLE_EQ(*lex.find(":)"), 2.0);
  EXPECT_FALSE(lex.find("stockpulse").has_value());
  EXPECT_FALSE(lex.find("").has_value());
  // Keys are case-sensitive, as in NLTK's dict.
  EXPECT_FALSE(lex.find("GOOD").has_value());
}

TEST(Lexicon, BuiltinEqualsTheLexiconFile) {
  auto from_file = Lexicon::load_file(VADER_LEXICON_PATH);
  ASSERT_TRUE(from_file.ok()) << from_file.error();
  EXPECT_EQ(from_file.value().size(), Lexicon::builtin().size());
  // 7,517 lines with a few duplicated keys: NLTK's dict ends up with 7,503 entries.
  EXPECT_EQ(Lexicon::builtin().size(), 7503u);
}

TEST(Lexicon, SetAddsAndOverrides) {
  Lexicon lex = Lexicon::builtin();
  lex.set("bullish", 2.5);
  lex.set("good", -1.0);
  EXPECT_DOUBLE_EQ(*lex.find("bullish"), 2.5);
  EXPECT_DOUBLE_EQ(*lex.find("good"), -1.0);
  // The builtin is untouched: set() worked on a copy.
  EXPECT_DOUBLE_EQ(*Lexicon::builtin().find("good"), 1.9);
  EXPECT_FALSE(Lexicon::builtin().find("bullish").has_value());
}

TEST(Lexicon, GrowsPastManyEntries) {
  Lexicon lex;
  for (int i = 0; i < 5000; ++i) lex.set("w" + std::to_string(i), i);
  EXPECT_EQ(lex.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_DOUBLE_EQ(*lex.find("w" + std::to_string(i)), i);
  EXPECT_FALSE(lex.contains("w5000"));
}

TEST(Lexicon, ParseLaterLinesOverrideAndErrorsNameTheLine) {
  auto ok = Lexicon::parse("up\t1.5\t0.1\t[1]\nup\t2.0\n\n", "t");
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_DOUBLE_EQ(*ok.value().find("up"), 2.0);
  auto bad = Lexicon::parse("up\t1.5\ndown -1\n", "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("t:2"), std::string::npos) << bad.error();
  auto bad_num = Lexicon::parse("up\tx1\n", "t");
  ASSERT_FALSE(bad_num.ok());
}

TEST(Lexicon, LoadFileMissing) {
  auto r = Lexicon::load_file("/nonexistent/lexicon.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("/nonexistent/lexicon.txt"), std::string::npos);
}

}  // namespace
}  // namespace stockpulse
