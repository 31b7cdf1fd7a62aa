// Throughput of the window aggregates on the hot path: add() per event, merge() per pane.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "analytics/market_agg.h"
#include "analytics/sentiment_agg.h"

namespace stockpulse {
namespace {

std::vector<double> make_scores(size_t n) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> d(-1, 1);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<Bar> make_bars(size_t n) {
  std::mt19937_64 rng(2);
  std::normal_distribution<double> step(0, 0.2);
  std::vector<Bar> v(n);
  double p = 100;
  for (size_t i = 0; i < n; ++i) {
    Bar& b = v[i];
    b.ts = EventTime(static_cast<int64_t>(i) * 1000);
    b.open = p;
    p += step(rng);
    b.close = p;
    b.high = std::max(b.open, b.close) + 0.05;
    b.low = std::min(b.open, b.close) - 0.05;
    b.volume = 1000;
    b.vwap = (b.open + b.close) / 2;
  }
  return v;
}

void BM_SentimentAggAdd(benchmark::State& state) {
  auto scores = make_scores(4096);
  for (auto _ : state) {
    SentimentAgg agg;
    for (double x : scores) agg.add(x);
    benchmark::DoNotOptimize(agg);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(scores.size()));
}
BENCHMARK(BM_SentimentAggAdd);

void BM_SentimentAggMerge(benchmark::State& state) {
  auto scores = make_scores(64);
  std::vector<SentimentAgg> panes(5);
  for (size_t i = 0; i < scores.size(); ++i) panes[i % 5].add(scores[i]);
  for (auto _ : state) {
    // One 5-minute window assembled from its five 1-minute panes.
    SentimentAgg window;
    for (const auto& p : panes) window.merge(p);
    benchmark::DoNotOptimize(window);
  }
  state.SetItemsProcessed(state.iterations() * 5);
}
BENCHMARK(BM_SentimentAggMerge);

void BM_MarketAggAdd(benchmark::State& state) {
  auto bars = make_bars(4096);
  for (auto _ : state) {
    MarketAgg agg;
    for (const Bar& b : bars) agg.add(b);
    benchmark::DoNotOptimize(agg);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(bars.size()));
}
BENCHMARK(BM_MarketAggAdd);

void BM_MarketAggMerge(benchmark::State& state) {
  auto bars = make_bars(64);
  std::vector<MarketAgg> panes(5);
  for (size_t i = 0; i < bars.size(); ++i) panes[i * 5 / bars.size()].add(bars[i]);
  for (auto _ : state) {
    MarketAgg window;
    for (const auto& p : panes) window.merge(p);
    benchmark::DoNotOptimize(window);
  }
  state.SetItemsProcessed(state.iterations() * 5);
}
BENCHMARK(BM_MarketAggMerge);

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
