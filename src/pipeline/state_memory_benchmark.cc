// Bytes per key of the window thread's state (WindowStage: both window engines, the watermark
// trackers and SignalStage's analytics), for inputs shaped like the data sets that broke the
// memory budget (issue #14):
//
// - BM_OneMentionPerKey/K: K distinct cashtags, each mentioned once, within one day (a fuzzing
//   run, or a long tail of rare cashtags);
// - BM_SparseYears/K/M: K cashtags, each mentioned M times over two years;
// - BM_DenseDay/K/M: K cashtags, each mentioned M times within one trading day.
//
// Every shape also has bars for the twelve default symbols (one per minute) so both watermarks
// move and the analytics run. State is measured before the final flush, as a long run holds it:
// `heap_per_key` is the growth of the malloc heap (glibc mallinfo2) over the run divided by the
// keys. BM_Engine* report the sentiment engine's own memory_bytes() per key. Run with
//   build/src/app/sp_state_memory_benchmark
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <string>
#include <vector>

#include "app/config.h"
#include "common/clock.h"
#include "common/time_format.h"
#include "pipeline/pipeline_metrics.h"
#include "pipeline/window_stage.h"
#include "source/synthetic_posts.h"

namespace stockpulse {
namespace {

size_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// Feeds `posts` posts (post i mentions key i % keys) spread evenly over span_ms, with one bar per
// default symbol per minute over the same span, and reports the state held at the end.
void feed(benchmark::State& state, int64_t keys, int64_t posts, int64_t span_ms) {
  const Config config;
  SimulatedClock clock(0);
  for (auto _ : state) {  // NOLINT
    PipelineMetrics metrics;
    const size_t heap_before = heap_in_use();
    auto stage = std::make_unique<WindowStage>(config, clock, metrics, WindowStage::Options{});
    SinkBatch sink;
    std::vector<DeadLetter> letters;
    const std::vector<std::string> bar_symbols = default_synthetic_symbols();
    const int64_t start = 1714572000000;  // 2024-05-01T14:00:00Z
    int64_t next_bar_minute = start;
    ScoredPost p;
    for (int64_t i = 0; i < posts; ++i) {
      const int64_t t = start + span_ms * i / posts;
      while (next_bar_minute <= t) {
        for (const std::string& s : bar_symbols) {
          Bar b;
          b.symbol = s;
          b.ts = EventTime(next_bar_minute);
          b.open = b.high = b.low = b.close = 100;
          b.volume = 1000;
          b.position.partition = PartitionId(0);
          stage->add_bar(b, sink, letters);
        }
        next_bar_minute += kMillisPerMinute;
      }
      p.post.id = std::to_string(i);
      p.post.created_at = EventTime(t);
      p.post.position.partition = PartitionId(0);
      p.overall.compound = static_cast<double>(i % 7) / 7.0 - 0.4;
      p.tickers.resize(1);
      p.tickers[0].symbol = "K" + std::to_string(i % keys);
      p.tickers[0].scores.compound = p.overall.compound;
      stage->add_post(p, sink, letters);
      if (i % 256 == 255) {
        stage->advance_watermarks(sink);
        // The sink thread takes the rows; only the stage's own state stays.
        sink = SinkBatch{};
        letters.clear();
      }
    }
    stage->advance_watermarks(sink);
    sink = SinkBatch{};
    letters.clear();
    const size_t heap_after = heap_in_use();
    state.counters["keys"] = static_cast<double>(keys);
    state.counters["heap_per_key"] =
        static_cast<double>(heap_after - heap_before) / static_cast<double>(keys);
    state.counters["rss_budget_keys_512MB"] =
        (512.0 * 1024 * 1024) /
        (static_cast<double>(heap_after - heap_before) / static_cast<double>(keys));
  }
}

void BM_OneMentionPerKey(benchmark::State& state) {
  feed(state, state.range(0), state.range(0), 24 * 3600 * 1000LL);
}
void BM_SparseYears(benchmark::State& state) {
  feed(state, state.range(0), state.range(0) * state.range(1), 730 * 24 * 3600 * 1000LL);
}
void BM_DenseDay(benchmark::State& state) {
  feed(state, state.range(0), state.range(0) * state.range(1), 390 * 60 * 1000LL);
}

// The sentiment engine alone, by its own account (memory_bytes()): K keys, posts spread evenly
// over span_ms (post i about key i % K), the watermark 10 minutes behind the newest post.
void engine_bytes(benchmark::State& state, int64_t keys, int64_t posts, int64_t span_ms) {
  for (auto _ : state) {  // NOLINT
    WindowEngine<SentimentAgg> e(WindowEngine<SentimentAgg>::Options{});
    for (int64_t i = 0; i < posts; ++i) {
      const int64_t t = span_ms * i / posts;
      e.add("K" + std::to_string(i % keys), EventTime(t), [](SentimentAgg& a) { a.add(0.5); });
      e.advance_watermark(EventTime(t - 600000), [](const auto&) {});
    }
    state.counters["keys"] = static_cast<double>(e.key_count());
    state.counters["engine_per_key"] =
        static_cast<double>(e.memory_bytes()) / static_cast<double>(e.key_count());
  }
}
void BM_EngineOneMentionPerKey(benchmark::State& state) {
  engine_bytes(state, state.range(0), state.range(0), 24 * 3600 * 1000LL);
}
void BM_EngineDenseDay(benchmark::State& state) {
  engine_bytes(state, state.range(0), state.range(0) * state.range(1), 390 * 60 * 1000LL);
}
BENCHMARK(BM_EngineOneMentionPerKey)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineDenseDay)->Args({1000, 1000})->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_OneMentionPerKey)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SparseYears)->Args({2000, 100})->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DenseDay)->Args({1000, 1000})->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
