#include "sentiment/finance/finance_lexicon.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace stockpulse {
namespace {

TEST(FinanceLexicon, SizesPromisedByTheDesign) {
  EXPECT_GE(FinanceLexicon::words().size(), 150u);
  EXPECT_GE(FinanceLexicon::phrases().size(), 60u);
}

TEST(FinanceLexicon, EntriesAreWellFormed) {
  std::set<std::string> seen;
  for (const FinanceTerm& w : FinanceLexicon::words()) {
    const std::string term(w.term);
    EXPECT_TRUE(seen.insert(term).second) << "duplicate word " << term;
    EXPECT_EQ(term.find(' '), std::string::npos) << "word with a space: " << term;
    EXPECT_GE(w.valence, -4.0) << term;
    EXPECT_LE(w.valence, 4.0) << term;
    // VADER looks words up lower-cased; an upper-case key would never match.
    for (char c : term) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << term;
  }
  for (const FinanceTerm& p : FinanceLexicon::phrases()) {
    const std::string term(p.term);
    EXPECT_TRUE(seen.insert(term).second) << "duplicate phrase " << term;
    EXPECT_NE(term.find(' '), std::string::npos) << "phrase of one word: " << term;
    EXPECT_EQ(term.find("  "), std::string::npos) << term;
    EXPECT_GE(p.valence, -4.0) << term;
    EXPECT_LE(p.valence, 4.0) << term;
    for (char c : term) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << term;
  }
}

TEST(FinanceLexicon, OverlayOverridesAndExtendsTheBase) {
  Lexicon base;
  base.set("good", 1.9);
  base.set("interest", 2.0);
  Lexicon out = FinanceLexicon::overlay(base);
  EXPECT_EQ(out.find("good"), 1.9);      // untouched
  EXPECT_EQ(out.find("interest"), 0.0);  // neutralised
  ASSERT_TRUE(out.find("bullish").has_value());
  EXPECT_GT(*out.find("bullish"), 0.0);           // added
  EXPECT_EQ(base.find("bullish"), std::nullopt);  // the base is not modified
}

}  // namespace
}  // namespace stockpulse
