// Throughput of the sinks at the batch sizes the pipeline produces (a trigger's worth of rows).
// Items are rows: `tweets` rows (one per post and ticker) for SQLite, posts for the lake.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/clock.h"
#include "sink/lake_writer.h"
#include "sink/sqlite_serving_store.h"
#include "sink/tests/bench_data.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;

fs::path bench_dir(const std::string& name) {
  fs::path p =
      fs::temp_directory_path() / ("sp_sink_bench_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// New keys every iteration: the steady state of a live pipeline (inserts into a growing table).
void BM_SqliteWritePosts(benchmark::State& state) {
  const fs::path dir = bench_dir("sqlite_posts");
  {
    SqliteServingStore store((dir / "serving.db").string());
    const size_t batch = static_cast<size_t>(state.range(0));
    int64_t offset = 0;
    size_t rows = 0;
    for (auto _ : state) {
      state.PauseTiming();
      auto posts = testing::bench_posts(batch, offset, 1714573805123);
      offset += static_cast<int64_t>(batch);
      rows += testing::ticker_rows(posts);
      state.ResumeTiming();
      store.write_posts(posts);
    }
    state.SetItemsProcessed(static_cast<int64_t>(rows));
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_SqliteWritePosts)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// The same keys again: update-mode re-emission of rows already stored.
void BM_SqliteUpsertSamePosts(benchmark::State& state) {
  const fs::path dir = bench_dir("sqlite_upsert");
  {
    SqliteServingStore store((dir / "serving.db").string());
    auto posts = testing::bench_posts(static_cast<size_t>(state.range(0)), 0, 1714573805123);
    store.write_posts(posts);
    for (auto _ : state) store.write_posts(posts);
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                            static_cast<int64_t>(testing::ticker_rows(posts)));
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_SqliteUpsertSamePosts)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_SqliteWriteSentimentWindows(benchmark::State& state) {
  const fs::path dir = bench_dir("sqlite_windows");
  {
    SqliteServingStore store((dir / "serving.db").string());
    std::vector<SentimentWindowRow> rows(static_cast<size_t>(state.range(0)));
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i].symbol = "SYM" + std::to_string(i);
      rows[i].window_start = EventTime(1714573800000);
      rows[i].window_end = EventTime(1714574100000);
      rows[i].tweet_count = static_cast<int64_t>(i);
    }
    for (auto _ : state) store.write_sentiment_windows(rows);
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                            static_cast<int64_t>(rows.size()));
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_SqliteWriteSentimentWindows)->Arg(1000)->Unit(benchmark::kMillisecond);

// Posts into the lake, including the Parquet writes: files roll at range(1) MiB of staged data
// and everything left is written by close() inside the timed loop.
void BM_LakeAppendPosts(benchmark::State& state) {
  const fs::path dir = bench_dir("lake_posts");
  const size_t batch = 10000;
  const size_t total = static_cast<size_t>(state.range(0));
  std::vector<std::vector<ScoredPost>> batches;
  for (size_t i = 0; i < total; i += batch) {
    batches.push_back(testing::bench_posts(batch, static_cast<int64_t>(i), 1714573805123));
  }
  uint64_t files = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(dir / "lake");
    state.ResumeTiming();
    LakeWriter lake(LakeOptions{.root = (dir / "lake").string(),
                                .roll_bytes = static_cast<uint64_t>(state.range(1)) << 20});
    for (const auto& b : batches) {
      lake.append_posts(b);
      lake.maybe_roll();
    }
    lake.close();
    files = lake.files_written();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * total));
  state.counters["files"] = static_cast<double>(files);
  fs::remove_all(dir);
}
BENCHMARK(BM_LakeAppendPosts)
    ->Args({200000, 128})
    ->Args({200000, 16})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
