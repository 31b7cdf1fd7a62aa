#include "sentiment/finance/finance_scorer.h"

#include <string>
#include <utility>
#include <vector>

#include "sentiment/finance/finance_lexicon.h"

namespace stockpulse {
namespace {

VaderOptions finance_options(bool emoji) {
  VaderOptions options;
  options.emoji = emoji;
  options.phrases.reserve(FinanceLexicon::phrases().size());
  for (const FinanceTerm& p : FinanceLexicon::phrases()) {
    options.phrases.emplace_back(std::string(p.term), p.valence);
  }
  return options;
}

}  // namespace

FinanceScorer::FinanceScorer(bool emoji)
    : vader_(FinanceLexicon::overlay(Lexicon::builtin()), finance_options(emoji)) {
  // The inner scorer's name is what its own logs would show; keep it consistent with ours.
  vader_.set_name("finance-lexicon");
}

std::unique_ptr<Scorer> make_finance_scorer(bool emoji) {
  return std::make_unique<FinanceScorer>(emoji);
}

}  // namespace stockpulse
