// Throughput of the finance flavour against plain VADER on the same posts, to show what the
// finance words and phrase matching cost per post. Posts are ~100 characters, as in issue #3.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "sentiment/finance/finance_scorer.h"

namespace stockpulse {
namespace {

const std::vector<std::string>& sample_posts() {
  static const std::vector<std::string> posts = {
      "$ACME beat estimates and raised guidance, loading more calls for next week 🚀🚀",
      "Shorting $WIDG here, guidance cut again and the chart broke support. Bagholders beware",
      "$FOO reports after the close on Thursday, options pricing a 6% move either way",
      "Bought the dip on $BAR at 41, diamond hands. Short squeeze could be huge if it holds",
      "$BAZ downgraded to underperform, price target cut to 20. Dilution risk is very real",
      "Not selling my $QUX, the dead cat bounce talk is nonsense. Strong quarter, solid margins!",
  };
  return posts;
}

void run(benchmark::State& state, const Scorer& scorer) {
  const auto& posts = sample_posts();
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string& text = posts[i++ % posts.size()];
    benchmark::DoNotOptimize(scorer.score(text));
    bytes += text.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_PlainVader(benchmark::State& state) {
  static const VaderScorer scorer(Lexicon::builtin(), VaderOptions{});
  run(state, scorer);
}
BENCHMARK(BM_PlainVader);

void BM_FinanceLexiconScorer(benchmark::State& state) {
  static const FinanceScorer scorer(/*emoji=*/true);
  run(state, scorer);
}
BENCHMARK(BM_FinanceLexiconScorer);

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
