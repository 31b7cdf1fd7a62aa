#pragma once

#include <span>
#include <string_view>

#include "sentiment/lexicon.h"

namespace stockpulse {

// One finance lexicon entry: a lower-case word or multi-word phrase and its valence on VADER's
// -4 (most bearish) .. +4 (most bullish) scale.
struct FinanceTerm {
  std::string_view term;
  double valence;
};

// The finance vocabulary of the "finance-lexicon" scorer flavour (and a feature of the learned
// "finance" one), written by this project from general market language (not fitted to any labelled
// set). See README.md in this folder for the value scale and the approach; every entry's reason is
// a comment next to it in finance_lexicon.cc.
//
// words() are single tokens that override or extend VADER's lexicon (Lexicon::set); a valence of
// 0 neutralises a general-English sentiment word that is a plain term in finance ("interest",
// "gross", "debt"). phrases() are multi-word expressions scored as one item
// (VaderOptions::phrases), which is how "short squeeze" can be bullish while "short" alone is
// bearish.
//
// Static, immutable tables: safe to read from any thread.
class FinanceLexicon {
 public:
  static std::span<const FinanceTerm> words();
  static std::span<const FinanceTerm> phrases();

  // VADER's built-in lexicon overlaid with words().
  static Lexicon overlay(const Lexicon& base);
};

}  // namespace stockpulse
