#include "pipeline/sentiment_stack.h"

#include <fmt/format.h>

#include <stdexcept>

#include "sentiment/finance/default_model.h"
#include "sentiment/finance/finance_scorer.h"
#include "sentiment/vader_scorer.h"

namespace stockpulse {

std::unique_ptr<Scorer> make_scorer(const std::string& name, bool emoji,
                                    const std::string& lexicon_path,
                                    const std::string& model_path) {
  if (name != "vader" && !lexicon_path.empty()) {
    throw std::runtime_error("--lexicon replaces the VADER lexicon; use it with --scorer vader");
  }
  if (name != "finance" && !model_path.empty()) {
    throw std::runtime_error("--model is the learned model of --scorer finance");
  }
  if (name == "finance") return make_learned_finance_scorer(emoji, model_path);
  if (name == "finance-lexicon") return make_finance_scorer(emoji);
  if (name != "vader") {
    throw std::runtime_error(
        fmt::format("unknown scorer '{}': use vader, finance or finance-lexicon", name));
  }
  VaderOptions options;
  options.emoji = emoji;
  if (lexicon_path.empty()) return std::make_unique<VaderScorer>(Lexicon::builtin(), options);
  auto lexicon = Lexicon::load_file(lexicon_path);
  if (!lexicon) throw std::runtime_error(lexicon.error());
  return std::make_unique<VaderScorer>(lexicon.value(), options);
}

SentimentStack::SentimentStack(const Config::Sentiment& sentiment,
                               const std::vector<std::string>& default_watch_list) {
  scorer_ = make_scorer(sentiment.scorer, sentiment.emoji, sentiment.lexicon, sentiment.model);
  // The configured stop-list adds to the built-in one; it never removes a built-in word.
  std::vector<std::string> stop = TickerExtractor::default_stop_list();
  stop.insert(stop.end(), sentiment.stop_list.begin(), sentiment.stop_list.end());
  tickers_ = std::make_unique<TickerExtractor>(
      sentiment.watch_list.empty() ? default_watch_list : sentiment.watch_list, std::move(stop));
  analyzer_ = std::make_unique<PostAnalyzer>(*scorer_, *tickers_);
}

}  // namespace stockpulse
