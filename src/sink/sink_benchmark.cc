// Throughput of the sinks at the batch sizes the pipeline produces (a trigger's worth of rows),
// against the 500,000 posts/s goal. Every benchmark of posts reports:
//   items_per_second  rows upserted (tweets rows: one per post and ticker, ~1.33 per post),
//   posts/s           posts behind those rows, and x_goal = posts/s / 500,000,
//   bytes_per_second  row payload (strings plus 8 bytes per number and time), the same
//                     measure for every sink, so the MB/s are comparable.
// Window benchmarks report rows/s (windows are ~one row per symbol and window per trigger).
// All rates are per wall-clock second (UseRealTime): fsyncs and the server's work count.
// ClickHouse benchmarks start one clickhouse-server (Debian's) on free ports, like the tests;
// without it they report an error and the others still run. bench/sink_throughput.sh runs them
// all and prints a table.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "sink/buffered_serving_store.h"
#include "sink/clickhouse_serving_store.h"
#include "sink/lake_writer.h"
#include "sink/sqlite_serving_store.h"
#include "sink/tests/bench_data.h"
#include "sink/tests/clickhouse_server.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;

constexpr double kGoalPostsPerSecond = 500'000;

fs::path bench_dir(const std::string& name) {
  fs::path p =
      fs::temp_directory_path() / ("sp_sink_bench_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// Row payload of the tweets rows of these posts: what every sink has to carry, whatever its
// encoding (strings, plus 8 bytes for each of the 5 scores and the time).
int64_t tweet_row_bytes(const std::vector<ScoredPost>& posts) {
  int64_t n = 0;
  for (const ScoredPost& sp : posts) {
    const Post& p = sp.post;
    const int64_t common =
        static_cast<int64_t>(p.id.size() + p.text.size() + p.user.size() + p.source.size() + 7) +
        6 * 8;
    if (sp.tickers.empty()) n += common;
    for (const TickerSentiment& t : sp.tickers) n += common + static_cast<int64_t>(t.symbol.size());
  }
  return n;
}

// The counters every posts benchmark prints (see the file comment).
void report_posts(benchmark::State& state, int64_t posts, int64_t rows, int64_t bytes) {
  state.SetItemsProcessed(rows);
  state.SetBytesProcessed(bytes);
  state.counters["posts/s"] =
      benchmark::Counter(static_cast<double>(posts), benchmark::Counter::kIsRate);
  state.counters["x_goal"] = benchmark::Counter(static_cast<double>(posts) / kGoalPostsPerSecond,
                                                benchmark::Counter::kIsRate);
}

// Window rows as an update-mode trigger emits them: `n` rows over n / 5 symbols (each symbol's
// five overlapping 5-minute windows), values changing between triggers.
std::vector<SentimentWindowRow> sentiment_windows(size_t n, int64_t trigger) {
  std::vector<SentimentWindowRow> rows(n);
  for (size_t i = 0; i < n; ++i) {
    SentimentWindowRow& r = rows[i];
    r.symbol = "SYM" + std::to_string(i / 5);
    r.window_start = EventTime(1714573800000 + static_cast<int64_t>(i % 5) * 60000);
    r.window_end = EventTime(r.window_start.value() + 300000);
    r.tweet_count = trigger + static_cast<int64_t>(i);
    r.sentiment_score_avg = 0.1 * static_cast<double>(i % 7);
    r.sentiment_score_min = -0.5;
    r.sentiment_score_max = 0.9;
    r.sentiment_score_stddev = 0.3;
    r.bullish_count = trigger;
    r.bearish_count = 3;
    r.neutral_count = 4;
    r.bullish_share = 0.5;
    r.histogram[static_cast<size_t>(i % kSentimentHistogramBuckets)] = trigger;
  }
  return rows;
}

std::vector<MarketWindowRow> market_windows(size_t n, int64_t trigger) {
  std::vector<MarketWindowRow> rows(n);
  for (size_t i = 0; i < n; ++i) {
    MarketWindowRow& r = rows[i];
    r.symbol = "SYM" + std::to_string(i / 5);
    r.window_start = EventTime(1714573800000 + static_cast<int64_t>(i % 5) * 60000);
    r.window_end = EventTime(r.window_start.value() + 300000);
    r.bar_count = 5;
    r.open = 100;
    r.high = 101 + static_cast<double>(trigger % 3);
    r.low = 99;
    r.close = 100.5;
    r.total_volume = 1e6;
    r.avg_close = 100.2;
    r.max_close = 100.9;
    r.min_close = 99.5;
    r.volatility = 0.4;
    r.avg_volume = 2e5;
    r.avg_vwap = 100.3;
    r.vwap_deviation_pct = 0.1;
    r.buy_pressure = 0.6;
    r.avg_pct_change = 0.01;
    r.price_range = 2;
    r.trend_signal = TrendSignal::kBullish;
  }
  return rows;
}

// New keys every iteration: the steady state of a live pipeline (inserts into a growing table).
// Batches of 2048 (the pipeline's batch_size default), 4096, and 16384 posts.
void BM_SqliteWritePosts(benchmark::State& state) {
  const fs::path dir = bench_dir("sqlite_posts");
  {
    SqliteServingStore store((dir / "serving.db").string());
    const size_t batch = static_cast<size_t>(state.range(0));
    int64_t offset = 0;
    int64_t rows = 0;
    int64_t bytes = 0;
    for (auto _ : state) {
      state.PauseTiming();
      auto posts = testing::bench_posts(batch, offset, 1714573805123);
      offset += static_cast<int64_t>(batch);
      rows += static_cast<int64_t>(testing::ticker_rows(posts));
      bytes += tweet_row_bytes(posts);
      state.ResumeTiming();
      store.write_posts(posts);
    }
    report_posts(state, offset, rows, bytes);
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_SqliteWritePosts)
    ->ArgName("batch")
    ->Arg(2048)
    ->Arg(4096)
    ->Arg(16384)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The same keys again: update-mode re-emission of rows already stored.
void BM_SqliteUpsertSamePosts(benchmark::State& state) {
  const fs::path dir = bench_dir("sqlite_upsert");
  {
    SqliteServingStore store((dir / "serving.db").string());
    auto posts = testing::bench_posts(static_cast<size_t>(state.range(0)), 0, 1714573805123);
    store.write_posts(posts);
    for (auto _ : state) store.write_posts(posts);
    const auto n = static_cast<int64_t>(state.iterations());
    report_posts(state, n * static_cast<int64_t>(posts.size()),
                 n * static_cast<int64_t>(testing::ticker_rows(posts)), n * tweet_row_bytes(posts));
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_SqliteUpsertSamePosts)
    ->ArgName("batch")
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One trigger's window rows (range(0) rows = range(0) / 5 symbols), upserted over the same keys
// with new values each time, as update mode does.
void BM_SqliteWriteSentimentWindows(benchmark::State& state) {
  const fs::path dir = bench_dir("sqlite_windows");
  {
    SqliteServingStore store((dir / "serving.db").string());
    const auto n = static_cast<size_t>(state.range(0));
    int64_t trigger = 0;
    for (auto _ : state) {
      state.PauseTiming();
      auto rows = sentiment_windows(n, ++trigger);
      state.ResumeTiming();
      store.write_sentiment_windows(rows);
    }
    state.SetItemsProcessed(trigger * static_cast<int64_t>(n));
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_SqliteWriteSentimentWindows)
    ->ArgName("rows")
    ->Arg(100)
    ->Arg(1000)
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SqliteWriteMarketWindows(benchmark::State& state) {
  const fs::path dir = bench_dir("sqlite_market_windows");
  {
    SqliteServingStore store((dir / "serving.db").string());
    const auto n = static_cast<size_t>(state.range(0));
    int64_t trigger = 0;
    for (auto _ : state) {
      state.PauseTiming();
      auto rows = market_windows(n, ++trigger);
      state.ResumeTiming();
      store.write_market_windows(rows);
    }
    state.SetItemsProcessed(trigger * static_cast<int64_t>(n));
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_SqliteWriteMarketWindows)
    ->ArgName("rows")
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One clickhouse-server for the whole run, started on first use (~1 s), killed at exit.
class BenchClickHouse {
 public:
  static BenchClickHouse& get() {
    static BenchClickHouse instance;
    return instance;
  }
  // A store on a fresh database; nullptr (and the reason in error()) if there is no server.
  std::unique_ptr<ClickHouseServingStore> store(
      const std::string& database,
      ClickHouseInsertFormat format = ClickHouseInsertFormat::kRowBinary,
      int inflight_inserts = ClickHouseOptions{}.inflight_inserts, size_t min_insert_bytes = 0) {
    if (error_) return nullptr;
    ClickHouseOptions o;
    o.port = server_->http_port();
    o.database = database;
    o.insert_format = format;
    o.inflight_inserts = inflight_inserts;
    o.min_insert_bytes = min_insert_bytes;
    auto s = std::make_unique<ClickHouseServingStore>(o);
    // Fresh tables each time, so runs and benchmarks do not see each other's rows.
    for (const char* t : {"tweets", "topic_sentiment_avg", "stock_trends"}) {
      auto r = s->query(std::string("TRUNCATE TABLE ") + t);
      if (!r.ok()) throw std::runtime_error(r.error());
    }
    return s;
  }
  const std::optional<std::string>& error() const { return error_; }

 private:
  BenchClickHouse() : dir_(bench_dir("clickhouse")) {
    server_ = std::make_unique<testing::ClickHouseServer>(dir_ / "server");
    error_ = server_->start();
  }
  ~BenchClickHouse() {
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  std::unique_ptr<testing::ClickHouseServer> server_;
  std::optional<std::string> error_;
};

// A ring of ~200,000 posts in batches, made before a timed loop; each time round the ring, ids
// and times move on, so every batch has new keys.
class PostRing {
 public:
  explicit PostRing(size_t batch) : batch_(batch), size_(std::max<size_t>(2, 200000 / batch)) {
    for (size_t i = 0; i < size_; ++i) {
      batches_.push_back(testing::bench_posts(batch, static_cast<int64_t>(i * batch), kStartMs));
    }
  }
  // Batch number n of the run.
  std::vector<ScoredPost>& next(int64_t n) {
    auto& posts = batches_[static_cast<size_t>(n) % size_];
    if (static_cast<size_t>(n) >= size_) {
      for (size_t j = 0; j < posts.size(); ++j) {
        const int64_t off = n * static_cast<int64_t>(batch_) + static_cast<int64_t>(j);
        posts[j].post.id = std::to_string(1'000'000'000'000 + off);
        posts[j].post.created_at = EventTime(kStartMs + off * 100);
      }
    }
    return posts;
  }
  // The posts counters of `batches` batches.
  void report(benchmark::State& state, int64_t batches) const {
    const auto b = static_cast<int64_t>(batch_);
    report_posts(state, batches * b,
                 batches * static_cast<int64_t>(testing::ticker_rows(batches_[0])),
                 batches * tweet_row_bytes(batches_[0]));
  }

 private:
  static constexpr int64_t kStartMs = 1714573805123;
  size_t batch_;
  size_t size_;
  std::vector<std::vector<ScoredPost>> batches_;
};

// Posts into ClickHouse (one INSERT per batch; 16 MiB requests at most), new keys every batch.
// 2048 is the pipeline's batch_size default; 50,000 is BufferedServingStore's merge_rows, the
// batch a backlog is sent in. fmt is the insert format on the same rows: 0 RowBinary (the
// default), 1 TabSeparated, 2 JSONEachRow. inflight: inserts outstanding while the next batch is
// encoded (0: each write waits for its insert). hold_KiB: min_insert_bytes / 1024 (0: one
// insert per write; else rows are held and sent together). The last iteration flushes, so every
// insert is acknowledged inside the timed loop.
void BM_ClickHouseWritePosts(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  auto store = BenchClickHouse::get().store(
      "bench_posts", static_cast<ClickHouseInsertFormat>(state.range(1)),
      static_cast<int>(state.range(2)), static_cast<size_t>(state.range(3)) << 10);
  if (!store) {
    state.SkipWithError(("no clickhouse-server: " + *BenchClickHouse::get().error()).c_str());
    return;
  }
  // Batches are made before the loop, not with timing paused: the senders keep working while
  // timing is paused, which would hide server time.
  PostRing ring(batch);
  const uint64_t requests = store->requests_sent();
  int64_t n = 0;
  for (auto _ : state) {
    store->write_posts(ring.next(n));
    if (++n == static_cast<int64_t>(state.max_iterations)) store->flush();
  }
  ring.report(state, n);
  state.counters["requests"] = static_cast<double>(store->requests_sent() - requests);
}
BENCHMARK(BM_ClickHouseWritePosts)
    ->ArgNames({"batch", "fmt", "inflight", "hold_KiB"})
    ->Args({2048, 0, 2, 0})
    ->Args({4096, 0, 2, 0})
    ->Args({16384, 0, 2, 0})
    ->Args({50000, 0, 2, 0})
    ->Args({2048, 0, 0, 0})
    ->Args({16384, 0, 0, 0})
    ->Args({2048, 1, 0, 0})
    ->Args({16384, 1, 0, 0})
    ->Args({4096, 2, 0, 0})
    ->Args({2048, 0, 2, 4096})
    ->Args({4096, 0, 2, 4096})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Posts into ClickHouse as `run` and `process` write them: trigger-sized batches (2048 posts,
// plus a few window rows after every fourth batch, as a trigger emits them) into the
// BufferedServingStore that open_serving_store() puts in front of ClickHouse, as fast as the
// store takes them. When ClickHouse falls behind, the buffer's backlog merges into large
// inserts (BufferOptions::merge_rows), so this is the rate the pipeline gets. The last
// iteration flushes: every accepted row is delivered inside the timed loop.
void BM_BufferedClickHouseWritePosts(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  auto inner = BenchClickHouse::get().store("bench_posts");
  if (!inner) {
    state.SkipWithError(("no clickhouse-server: " + *BenchClickHouse::get().error()).c_str());
    return;
  }
  BufferOptions bo;
  bo.merge_rows = static_cast<uint64_t>(state.range(1));
  BufferedServingStore store(std::move(inner), bo);
  PostRing ring(batch);
  const auto windows = sentiment_windows(40, 1);
  int64_t n = 0;
  for (auto _ : state) {
    store.write_posts(ring.next(n));
    if (n % 4 == 3) store.write_sentiment_windows(windows);
    if (++n == static_cast<int64_t>(state.max_iterations)) store.flush();
  }
  ring.report(state, n);
  const BufferedStoreCounters c = store.counters();
  state.counters["posts_per_insert"] = c.batches_written
                                           ? static_cast<double>(n) * static_cast<double>(batch) /
                                                 static_cast<double>(c.batches_written)
                                           : 0;
}
BENCHMARK(BM_BufferedClickHouseWritePosts)
    ->ArgNames({"batch", "merge_rows"})
    ->Args({2048, 16384})
    ->Args({2048, 50000})
    ->Args({2048, 2048})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ClickHouseWriteSentimentWindows(benchmark::State& state) {
  // Synchronous inserts: rows are made with timing paused, when a sender would keep working.
  auto store = BenchClickHouse::get().store("bench_windows", ClickHouseInsertFormat::kRowBinary, 0);
  if (!store) {
    state.SkipWithError(("no clickhouse-server: " + *BenchClickHouse::get().error()).c_str());
    return;
  }
  const auto n = static_cast<size_t>(state.range(0));
  int64_t trigger = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto rows = sentiment_windows(n, ++trigger);
    state.ResumeTiming();
    store->write_sentiment_windows(rows);
  }
  state.SetItemsProcessed(trigger * static_cast<int64_t>(n));
}
BENCHMARK(BM_ClickHouseWriteSentimentWindows)
    ->ArgName("rows")
    ->Arg(100)
    ->Arg(1000)
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ClickHouseWriteMarketWindows(benchmark::State& state) {
  // Synchronous inserts: rows are made with timing paused, when a sender would keep working.
  auto store = BenchClickHouse::get().store("bench_windows", ClickHouseInsertFormat::kRowBinary, 0);
  if (!store) {
    state.SkipWithError(("no clickhouse-server: " + *BenchClickHouse::get().error()).c_str());
    return;
  }
  const auto n = static_cast<size_t>(state.range(0));
  int64_t trigger = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto rows = market_windows(n, ++trigger);
    state.ResumeTiming();
    store->write_market_windows(rows);
  }
  state.SetItemsProcessed(trigger * static_cast<int64_t>(n));
}
BENCHMARK(BM_ClickHouseWriteMarketWindows)
    ->ArgName("rows")
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Posts into the lake, including the Parquet (ZSTD) writes: files roll at range(2) MiB of staged
// data and everything left is written by close() inside the timed loop. range(1) posts per
// append (the pipeline's batch), range(3) DuckDB threads encoding the Parquet. files_MB/s is the
// Parquet written.
void BM_LakeAppendPosts(benchmark::State& state) {
  const fs::path dir = bench_dir("lake_posts");
  const auto total = static_cast<size_t>(state.range(0));
  const auto batch = static_cast<size_t>(state.range(1));
  std::vector<std::vector<ScoredPost>> batches;
  int64_t rows = 0;
  int64_t bytes = 0;
  for (size_t i = 0; i < total; i += batch) {
    batches.push_back(testing::bench_posts(batch, static_cast<int64_t>(i), 1714573805123));
    bytes += tweet_row_bytes(batches.back());
  }
  uint64_t files = 0;
  uintmax_t file_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(dir / "lake");
    state.ResumeTiming();
    LakeWriter lake(LakeOptions{.root = (dir / "lake").string(),
                                .roll_bytes = static_cast<uint64_t>(state.range(2)) << 20,
                                .duckdb_threads = static_cast<int>(state.range(3))});
    for (const auto& b : batches) {
      lake.append_posts(b);
      lake.maybe_roll();
    }
    lake.close();
    files = lake.files_written();
    state.PauseTiming();
    file_bytes = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir / "lake")) {
      if (e.is_regular_file()) file_bytes += e.file_size();
    }
    state.ResumeTiming();
  }
  // The lake holds one row per post (tickers as a list), so rows = posts here.
  const auto n = static_cast<int64_t>(state.iterations());
  const auto posts = n * static_cast<int64_t>(batches.size() * batch);
  rows = posts;
  report_posts(state, posts, rows, n * bytes);
  state.counters["files"] = static_cast<double>(files);
  state.counters["files_MB/s"] = benchmark::Counter(
      static_cast<double>(n) * static_cast<double>(file_bytes) / 1e6, benchmark::Counter::kIsRate);
  fs::remove_all(dir);
}
BENCHMARK(BM_LakeAppendPosts)
    ->ArgNames({"posts", "batch", "roll_MiB", "threads"})
    ->Args({200000, 4096, 128, 1})
    ->Args({200000, 4096, 16, 1})
    ->Args({200000, 4096, 128, 2})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
