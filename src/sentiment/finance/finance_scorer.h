#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "sentiment/scorer.h"
#include "sentiment/vader_scorer.h"

namespace stockpulse {

// The finance lexicon flavour of the sentiment engine (`--scorer finance-lexicon`; also a feature
// of the learned `--scorer finance`, learned_scorer.h): VADER's rules unchanged, over
// VADER's built-in lexicon overlaid with FinanceLexicon::words(), plus FinanceLexicon::phrases()
// scored as single items. Labels follow the same thresholds as plain VADER, so the two flavours
// are interchangeable downstream.
//
// Lifecycle: built once (copies the lexicon tables), then immutable.
// Thread-safety: score() is const and safe to call from many threads, as VaderScorer's is.
class FinanceScorer final : public Scorer {
 public:
  explicit FinanceScorer(bool emoji = true);

  std::string_view name() const override { return "finance-lexicon"; }
  SentimentScores score(std::string_view text) const override { return vader_.score(text); }
  // Passes clause scoring through so PostAnalyzer tokenises a post once with this scorer too.
  void score_parts(std::string_view text, std::span<const TextSpan> parts, SentimentScores& whole,
                   std::span<SentimentScores> part_scores) const override {
    vader_.score_parts(text, parts, whole, part_scores);
  }

 private:
  VaderScorer vader_;
};

// Factory used by the CLI and the pipeline.
std::unique_ptr<Scorer> make_finance_scorer(bool emoji);

}  // namespace stockpulse
