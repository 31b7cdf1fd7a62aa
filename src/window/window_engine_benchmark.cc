// Nexmark q5-style benchmark of the window engine: per-key sliding 5 min / 1 min count and
// average over 10,000 keys, 5% of events out of order (up to 1 min behind), event time advancing
// at 10,000 events per second of event time (one per key per second), watermark = max event time -
// 10 min raised after every event (as the pipeline does). Reports events/s on one core and memory
// per key.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "window/window_engine.h"

namespace stockpulse {
namespace {

// count and sum: the average is sum / count when the window is emitted.
struct Q5Agg {
  int64_t count = 0;
  double sum = 0;
  void merge(const Q5Agg& o) {
    count += o.count;
    sum += o.sum;
  }
};

struct Workload {
  std::vector<std::string> keys;
  std::vector<uint32_t> key_of;
  std::vector<int64_t> time_of;
  std::vector<double> price_of;
  int64_t span_ms = 0;
};

const Workload& workload(size_t n_keys) {
  static Workload w = [&] {
    Workload out;
    std::mt19937_64 rng(42);
    for (size_t i = 0; i < n_keys; ++i) out.keys.push_back("SYM" + std::to_string(100000 + i));
    constexpr size_t kEvents = 4'000'000;
    constexpr int64_t kEventsPerMs = 10;  // 10,000 events per second of event time: 1 per key
    std::uniform_int_distribution<uint32_t> key(0, static_cast<uint32_t>(n_keys - 1));
    std::uniform_int_distribution<int> percent(0, 99);
    std::uniform_int_distribution<int64_t> delay(1, 60000);
    std::uniform_real_distribution<double> price(10, 500);
    for (size_t i = 0; i < kEvents; ++i) {
      int64_t t = 1'700'000'000'000 + static_cast<int64_t>(i) / kEventsPerMs;
      if (percent(rng) < 5) t -= delay(rng);  // out of order, within the 10 min lateness
      out.key_of.push_back(key(rng));
      out.time_of.push_back(t);
      out.price_of.push_back(price(rng));
    }
    out.span_ms = static_cast<int64_t>(kEvents) / kEventsPerMs;
    return out;
  }();
  return w;
}

void run(benchmark::State& state, bool with_updates) {
  const Workload& w = workload(static_cast<size_t>(state.range(0)));
  WindowEngine<Q5Agg>::Options options;  // 5 min / 1 min, lateness 10 min
  WindowEngine<Q5Agg> engine(options);
  constexpr int64_t kLateness = 600000;
  double checksum = 0;
  int64_t windows = 0;
  auto on_window = [&](const WindowResult<Q5Agg>& r) {
    checksum += r.agg.sum / static_cast<double>(r.agg.count);  // the q5 average
    ++windows;
  };
  int64_t offset = 0;
  int64_t max_t = 0;
  int64_t events = 0;
  for (auto _ : state) {  // NOLINT
    for (size_t i = 0; i < w.key_of.size(); ++i) {
      const int64_t t = w.time_of[i] + offset;
      const double price = w.price_of[i];
      engine.add(w.keys[w.key_of[i]], EventTime(t), [price](Q5Agg& a) {
        ++a.count;
        a.sum += price;
      });
      if (t > max_t) max_t = t;
      engine.advance_watermark(EventTime(max_t - kLateness), on_window);
      // Update mode trigger: about every 0.2 s of processing time at 5 M events/s.
      if (with_updates && (i & ((1 << 20) - 1)) == 0) engine.emit_updates(on_window);
    }
    events += static_cast<int64_t>(w.key_of.size());
    offset += w.span_ms;
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(events);
  state.counters["windows"] = static_cast<double>(windows);
  state.counters["late"] = static_cast<double>(engine.late_count());
  state.counters["keys"] = static_cast<double>(engine.key_count());
  state.counters["bytes_per_key"] =
      static_cast<double>(engine.memory_bytes()) / static_cast<double>(engine.key_count());
  state.counters["panes_per_key"] =
      static_cast<double>(engine.pane_count()) / static_cast<double>(engine.key_count());
}

void BM_Q5SlidingFinal(benchmark::State& state) {
  run(state, false);
}
void BM_Q5SlidingFinalAndUpdates(benchmark::State& state) {
  run(state, true);
}

BENCHMARK(BM_Q5SlidingFinal)->Arg(10000)->Unit(benchmark::kMillisecond)->MinTime(2);
BENCHMARK(BM_Q5SlidingFinalAndUpdates)->Arg(10000)->Unit(benchmark::kMillisecond)->MinTime(2);

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
