#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "sentiment/finance/feature_hasher.h"
#include "sentiment/finance/finance_scorer.h"
#include "sentiment/finance/learned_model.h"
#include "sentiment/scorer.h"

namespace stockpulse {

// The features of one post as the learned model reads them: hashed bucket indices (each with
// value 1/sqrt(count), so long and short posts weigh alike) and the finance lexicon scorer's
// compound, pos and neg. Shared by training and scoring so both see exactly the same numbers.
//
// Lifecycle: built once (builds its FinanceScorer), then immutable.
// Thread-safety: extract() is const and safe to call from many threads; it allocates nothing.
class FinanceFeaturizer {
 public:
  FinanceFeaturizer(uint32_t bits, bool emoji);

  uint32_t bits() const { return hasher_.bits(); }
  // Writes the hashed features of `text` into `out` and its dense features into `dense`; returns
  // the number of hashed features.
  size_t extract(std::string_view text, std::span<uint32_t> out,
                 std::array<float, kDenseFeatures>& dense) const;
  // The same, with the lexicon scores of `text` already computed (by lexicon().score_parts()).
  size_t extract(std::string_view text, const SentimentScores& lexicon_scores,
                 std::span<uint32_t> out, std::array<float, kDenseFeatures>& dense) const;
  static float hashed_value(size_t count);
  const FinanceScorer& lexicon() const { return lexicon_; }

 private:
  FeatureHasher hasher_;
  FinanceScorer lexicon_;
};

// `--scorer finance`: a multinomial logistic regression (bearish / neutral / bullish) over
// FinanceFeaturizer's features, trained by `stockpulse train` (model_trainer.h).
//
// Output contract, as every Scorer: pos, neu, neg are the model's probabilities of bullish,
// neutral and bearish (they sum to 1); compound is in [-1, 1] and orders posts by
// P(bullish) - P(bearish), placed so that label_of(compound) gives the most probable class: when
// neutral is the most probable, compound = 0.049 * (P(bull) - P(bear)) (inside the +-0.05 neutral
// band); otherwise compound = sign * (0.05 + 0.95 * |P(bull) - P(bear)|).
//
// Lifecycle: owns its model; immutable after construction.
// Thread-safety: score() is const and safe to call from many threads; it allocates nothing (the
// feature buffer is on the stack).
class LearnedFinanceScorer final : public Scorer {
 public:
  LearnedFinanceScorer(LearnedModel model, bool emoji);

  std::string_view name() const override { return "finance"; }
  SentimentScores score(std::string_view text) const override;
  // Same numbers as score() on the post and on each part, but the lexicon features of all of them
  // come from one tokenisation (FinanceScorer::score_parts), as PostAnalyzer scores ticker clauses.
  void score_parts(std::string_view text, std::span<const TextSpan> parts, SentimentScores& whole,
                   std::span<SentimentScores> part_scores) const override;
  // P(bearish), P(neutral), P(bullish) (ModelClass order).
  std::array<double, kModelClasses> probabilities(std::string_view text) const;
  const LearnedModel& model() const { return model_; }

 private:
  std::array<double, kModelClasses> probabilities(std::string_view text,
                                                  const SentimentScores& lexicon_scores) const;

  LearnedModel model_;
  FinanceFeaturizer featurizer_;
};

// Maps class probabilities (ModelClass order) to the scorer contract described above.
SentimentScores scores_from_probabilities(const std::array<double, kModelClasses>& p);

}  // namespace stockpulse
