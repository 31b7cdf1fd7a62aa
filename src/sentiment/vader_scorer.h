#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sentiment/lexicon.h"
#include "sentiment/scorer.h"

namespace stockpulse {

// Options of a VaderScorer.
struct VaderOptions {
  // Replace emoji by their lower-case Unicode names before scoring (as vaderSentiment >= 3.3
  // does). false gives exactly NLTK's nltk.sentiment.vader behaviour.
  bool emoji = true;
  // Multi-word lower-case expressions with a valence, e.g. {"buy the dip", 2.0}. An occurrence
  // (matched case-insensitively on whole tokens) is scored as ONE sentiment-bearing item with that
  // valence, subject to VADER's rules (caps, boosters, negation, "but", "!"), and its words are
  // not scored separately. Empty for plain VADER.
  std::vector<std::pair<std::string, double>> phrases;
};

// VADER exactly as NLTK 3.8's nltk.sentiment.vader.SentimentIntensityAnalyzer computes it,
// including its quirks (see README.md): same tokenisation, booster/negation/"but"/"least"/idiom
// rules, punctuation emphasis, and the same rounding of the outputs (compound to 4 decimals,
// pos/neu/neg to 3, Python's round()).
//
// Texts longer than kMaxScoredBytes are scored on their first kMaxScoredBytes bytes (cut at a
// UTF-8 boundary), so the work per post is bounded. Invalid UTF-8 bytes count as one character
// each (U+FFFD) and are kept in the token text.
//
// Lifecycle: the scorer COPIES the lexicon and the options at construction (the caller may drop
// them), then is immutable.
//
// score_parts() scores a post and sub-ranges of it (PostAnalyzer's ticker clauses) from ONE
// tokenisation: a part whose boundaries do not cut through an item is scored on the post's own
// item array (same numbers as scoring the substring, since every VADER rule only looks at items
// inside the scored text); other parts, and posts whose emoji were replaced, are scored on their
// own.
//
// Performance: one pass over the bytes splits, strips punctuation, lower-cases (ASCII fast path;
// the Unicode tables only for non-ASCII items) and hashes each item once into a table holding
// everything the rules ask about a word; the rules then run only for the few items carrying
// sentiment. See README.md for the measured figures.
//
// Thread-safety: score() and score_parts() are const and safe to call from many threads at once;
// per-thread scratch buffers are thread_local and reused, so the steady state allocates nothing
// per post.
class VaderScorer final : public Scorer {
 public:
  static constexpr size_t kMaxScoredBytes = 64 * 1024;

  VaderScorer(const Lexicon& lexicon, VaderOptions options);
  ~VaderScorer() override;
  VaderScorer(const VaderScorer&) = delete;
  VaderScorer& operator=(const VaderScorer&) = delete;

  std::string_view name() const override { return name_; }
  SentimentScores score(std::string_view text) const override;
  void score_parts(std::string_view text, std::span<const TextSpan> parts, SentimentScores& whole,
                   std::span<SentimentScores> part_scores) const override;

  // Sets the name reported by name() (default "vader"; the finance lexicon flavour says
  // "finance-lexicon").
  void set_name(std::string name) { name_ = std::move(name); }
  const VaderOptions& options() const { return options_; }
  const Lexicon& lexicon() const { return lexicon_; }

 private:
  struct Tables;
  Lexicon lexicon_;
  VaderOptions options_;
  std::string name_ = "vader";
  std::unique_ptr<const Tables> tables_;
};

}  // namespace stockpulse
