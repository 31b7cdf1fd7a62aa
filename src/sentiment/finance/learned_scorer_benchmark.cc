// Throughput of the learned finance scorer (`--scorer finance`) on the same ~100-character posts
// as finance_scorer_benchmark.cc (whose BENCHMARK_MAIN runs both files), so the three scorers are
// compared in one run on the same machine load. Goal (issue #17): >= 500k posts/s on one core.
#include <benchmark/benchmark.h>

#include <array>
#include <string>
#include <vector>

#include "sentiment/finance/default_model.h"
#include "sentiment/finance/learned_scorer.h"

namespace stockpulse {
namespace {

const std::vector<std::string>& learned_sample_posts() {
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

void BM_LearnedFinanceScorer(benchmark::State& state) {
  static const auto scorer = make_learned_finance_scorer(true, "");
  const auto& posts = learned_sample_posts();
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string& text = posts[i++ % posts.size()];
    benchmark::DoNotOptimize(scorer->score(text));
    bytes += text.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_LearnedFinanceScorer);

// The hashed features alone, to show what the model adds to the lexicon scorer it calls.
void BM_FeatureHasher(benchmark::State& state) {
  const FeatureHasher hasher(18);
  std::array<uint32_t, FeatureHasher::kMaxFeatures> buf;
  const auto& posts = learned_sample_posts();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hasher.extract(posts[i++ % posts.size()], buf));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FeatureHasher);

}  // namespace
}  // namespace stockpulse
