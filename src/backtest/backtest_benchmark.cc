// run_backtest's cost on a long history: 12 symbols x `days` trading days of minute windows,
// every signal, the default horizons and 200 permutations (the command's defaults).
//   ninja -C build sp_backtest_benchmark && build/src/backtest/sp_backtest_benchmark
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "backtest/backtest.h"

namespace stockpulse {
namespace {

BacktestInput make_input(int days) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0, 1);
  BacktestRows rows;
  for (int s = 0; s < 12; ++s) {
    const std::string symbol = "S" + std::to_string(s);
    double close = 100;
    for (int d = 0; d < days; ++d) {
      const int64_t open = int64_t(d) * 86'400'000 + 48'600'000;
      for (int m = 1; m <= 390; ++m) {
        const int64_t t = open + m * 60'000;
        const double z = normal(rng);
        rows.market.push_back({symbol, t, close, z > 0.5 ? 1 : z < -0.5 ? -1 : 0});
        rows.sentiment.push_back({symbol, t, 5 + int64_t(std::abs(z) * 5), 0.3 * z, 0.4});
        rows.rsi.push_back({symbol, t - 60'000, 50 + 10 * z});
        rows.fear_greed.push_back({symbol, t, 50 + 20 * z});
        close *= std::exp(0.001 * normal(rng));
      }
    }
  }
  return build_backtest_input(std::move(rows), {});
}

void BM_RunBacktest(benchmark::State& state) {
  const BacktestInput input = make_input(int(state.range(0)));
  BacktestOptions options;
  int64_t observations = 0;
  for (auto _ : state) {
    auto report = run_backtest(input, options);
    benchmark::DoNotOptimize(report);
    observations = 0;
    for (const auto& r : report.value().results) observations += r.n;
  }
  state.counters["observations"] = double(observations);
  state.counters["obs_per_s"] = benchmark::Counter(
      double(observations) * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RunBacktest)->Arg(5)->Arg(20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
