#pragma once

#include <memory>

#include "app/config.h"
#include "sentiment/lexicon.h"
#include "sentiment/post_analyzer.h"
#include "sentiment/scorer.h"
#include "sentiment/ticker_extractor.h"

namespace stockpulse {

// The scorer, ticker extractor and post analyzer chosen by the configuration, built once and
// shared by every enrich worker. Immutable after construction, so thread-safe.
class SentimentStack {
 public:
  // Throws std::runtime_error when the lexicon cannot be loaded or the scorer is unknown.
  explicit SentimentStack(const Config::Sentiment& sentiment,
                          const std::vector<std::string>& default_watch_list);

  const Scorer& scorer() const { return *scorer_; }
  const TickerExtractor& tickers() const { return *tickers_; }
  const PostAnalyzer& analyzer() const { return *analyzer_; }

 private:
  std::unique_ptr<Scorer> scorer_;
  std::unique_ptr<TickerExtractor> tickers_;
  std::unique_ptr<PostAnalyzer> analyzer_;
};

// Builds a scorer by name: "vader", "finance" (the learned model at model_path, "" = built-in) or
// "finance-lexicon" (VADER plus the finance lexicon); lexicon_path "" means the built-in VADER
// lexicon. Throws std::runtime_error for an unknown name, a bad model or lexicon file.
std::unique_ptr<Scorer> make_scorer(const std::string& name, bool emoji,
                                    const std::string& lexicon_path,
                                    const std::string& model_path = "");

}  // namespace stockpulse
