// The window thread's work per post: WindowStage::add_post (lateness, watermark, the "*" window
// and one window per ticker, the analytics' per-minute mentions) with the watermarks advanced
// after every batch of 2,048 records, as the embedded pipeline does. 1,000,000 posts with one to
// three of 500 tickers each, 5% up to a minute out of order and 1% late (15 min behind), plus one
// bar per ticker and minute. Reports posts/s on one core.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "pipeline/window_stage.h"

namespace stockpulse {
namespace {

struct Workload {
  std::vector<ScoredPost> posts;
  std::vector<std::vector<Bar>> bars_before;  // bars[i] go in before posts[i]
};

const Workload& workload() {
  static const Workload w = [] {
    Workload out;
    std::mt19937_64 rng(42);
    std::vector<std::string> symbols;
    for (int i = 0; i < 500; ++i) symbols.push_back("S" + std::to_string(1000 + i));
    std::uniform_int_distribution<size_t> sym(0, symbols.size() - 1);
    std::uniform_int_distribution<int> percent(0, 99);
    std::uniform_int_distribution<int64_t> delay(1, 60000);
    std::uniform_real_distribution<double> score(-1, 1);
    constexpr size_t kPosts = 1'000'000;
    const int64_t t0 = 1'700'000'040'000;
    int64_t next_minute = t0 - t0 % 60000 + 60000;
    int64_t bar_offset = 0;
    out.posts.reserve(kPosts);
    out.bars_before.resize(kPosts);
    for (size_t i = 0; i < kPosts; ++i) {
      const int64_t now = t0 + static_cast<int64_t>(i) * 2;  // 500 posts per second
      while (now >= next_minute) {
        for (const auto& s : symbols) {
          Bar b;
          b.symbol = s;
          b.ts = EventTime(next_minute - 60000);
          b.open = b.high = b.low = b.close = 100;
          b.volume = 10;
          b.position = {PartitionId(1), Offset(bar_offset++)};
          out.bars_before[i].push_back(b);
        }
        next_minute += 60000;
      }
      ScoredPost p;
      int64_t t = now;
      const int r = percent(rng);
      if (r < 1) {
        t -= 15 * 60000;
      } else if (r < 6) {
        t -= delay(rng);
      }
      p.post.id = std::to_string(i);
      p.post.created_at = EventTime(t);
      p.post.position = {PartitionId(0), Offset(static_cast<int64_t>(i))};
      p.overall.compound = score(rng);
      const int n = 1 + static_cast<int>(i % 3);
      for (int k = 0; k < n; ++k) {
        TickerSentiment ts;
        ts.symbol = symbols[sym(rng)];
        ts.scores.compound = score(rng);
        p.tickers.push_back(ts);
      }
      out.posts.push_back(std::move(p));
    }
    return out;
  }();
  return w;
}

void BM_WindowStagePosts(benchmark::State& state) {
  const Workload& w = workload();
  Config config;
  SystemClock clock;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<ScoredPost> posts = w.posts;
    std::vector<std::vector<Bar>> bars = w.bars_before;
    PipelineMetrics metrics;
    WindowStage stage(config, clock, metrics, WindowStage::Options{});
    SinkBatch sink;
    std::vector<DeadLetter> letters;
    state.ResumeTiming();
    for (size_t i = 0; i < posts.size(); ++i) {
      for (Bar& b : bars[i]) stage.add_bar(b, sink, letters);
      stage.add_post(posts[i], sink, letters);
      if (i % 2048 == 2047) {
        stage.advance_watermarks(sink);
        sink = SinkBatch{};
        letters.clear();
      }
    }
    stage.flush_all(sink);
    benchmark::DoNotOptimize(sink);
    state.counters["late"] = static_cast<double>(stage.late_events());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(w.posts.size()));
}
BENCHMARK(BM_WindowStagePosts)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
