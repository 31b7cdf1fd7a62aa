// Throughput of the sentiment stage on ~100-character finance posts (goal: >= 1,000,000 posts/s
// on one core). items_per_second in the output is posts per second.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "sentiment/corpus_generator.h"
#include "sentiment/post_analyzer.h"
#include "sentiment/vader_scorer.h"

namespace stockpulse {
namespace {

const std::vector<std::string>& posts() {
  static const std::vector<std::string> p = [] {
    CorpusGenerator gen(42);
    std::vector<std::string> v;
    for (int i = 0; i < 4096; ++i) v.push_back(gen.finance_post());
    return v;
  }();
  return p;
}

void run_scorer(benchmark::State& state, const Scorer& scorer) {
  const auto& p = posts();
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string& text = p[i++ & (p.size() - 1)];
    bytes += text.size();
    benchmark::DoNotOptimize(scorer.score(text));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_VaderNltkMode(benchmark::State& state) {
  VaderScorer s(Lexicon::builtin(), VaderOptions{.emoji = false, .phrases = {}});
  run_scorer(state, s);
}
BENCHMARK(BM_VaderNltkMode);

void BM_VaderDefaultEmoji(benchmark::State& state) {
  VaderScorer s(Lexicon::builtin(), VaderOptions{});
  run_scorer(state, s);
}
BENCHMARK(BM_VaderDefaultEmoji);

void BM_VaderWithPhrases(benchmark::State& state) {
  VaderScorer s(Lexicon::builtin(), VaderOptions{.emoji = true,
                                                 .phrases = {{"buy the dip", 2.0},
                                                             {"to the moon", 2.5},
                                                             {"short squeeze", 1.5},
                                                             {"dead cat bounce", -2.0},
                                                             {"profit taking", -0.5}}});
  run_scorer(state, s);
}
BENCHMARK(BM_VaderWithPhrases);

void BM_PostAnalyzer(benchmark::State& state) {
  VaderScorer s(Lexicon::builtin(), VaderOptions{});
  TickerExtractor t;
  PostAnalyzer a(s, t);
  const auto& p = posts();
  SentimentScores overall;
  std::vector<TickerSentiment> tickers;
  size_t i = 0;
  for (auto _ : state) {
    a.analyze(p[i++ & (p.size() - 1)], overall, tickers);
    benchmark::DoNotOptimize(overall);
    benchmark::DoNotOptimize(tickers.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PostAnalyzer);

void BM_TickerExtractor(benchmark::State& state) {
  TickerExtractor t({"AAPL", "TSLA", "NVDA"}, TickerExtractor::default_stop_list());
  const auto& p = posts();
  std::vector<TickerMention> out;
  size_t i = 0;
  for (auto _ : state) {
    t.extract(p[i++ & (p.size() - 1)], out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TickerExtractor);

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
