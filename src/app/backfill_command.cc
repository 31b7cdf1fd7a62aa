#include "app/backfill_command.h"

#include <duckdb.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/time_format.h"
#include "pipeline/lake_sink.h"
#include "pipeline/pipeline_metrics.h"
#include "pipeline/sentiment_stack.h"
#include "pipeline/sink_batch_writer.h"
#include "pipeline/trigger_protocol.h"
#include "pipeline/window_stage.h"
#include "sink/duckdb_session.h"
#include "sink/lake_mirror.h"
#include "sink/serving_store.h"

namespace stockpulse {
namespace fs = std::filesystem;

namespace {

// Posts and bars are written to the serving store in batches of this many rows.
constexpr size_t kWriteBatchRows = 8192;
// 9999-12-31T23:59:59.999Z, the last time the stores' ISO-8601 text holds.
constexpr int64_t kLastStorableTime = 253402300799999;

// Streams the query's result chunk by chunk, so the lake is never held in memory at once;
// throws with DuckDB's message.
void scan(DuckDbSession& duck, const std::string& sql,
          const std::function<void(duckdb_data_chunk)>& on_chunk) {
  if (std::string error = duck.stream(sql, on_chunk); !error.empty()) {
    throw std::runtime_error("backfill: reading the lake: " + error);
  }
}

// Typed access to one column of a chunk.
class Column {
 public:
  Column(duckdb_data_chunk chunk, idx_t index)
      : vector_(duckdb_data_chunk_get_vector(chunk, index)),
        data_(duckdb_vector_get_data(vector_)),
        validity_(duckdb_vector_get_validity(vector_)) {}

  bool valid(idx_t row) const {
    return validity_ == nullptr || duckdb_validity_row_is_valid(validity_, row);
  }
  std::string_view text(idx_t row) const {
    if (!valid(row)) return {};
    auto* s = static_cast<duckdb_string_t*>(data_) + row;
    return {duckdb_string_t_data(s), duckdb_string_t_length(*s)};
  }
  int64_t int64(idx_t row, int64_t null_value) const {
    return valid(row) ? static_cast<const int64_t*>(data_)[row] : null_value;
  }
  int32_t int32(idx_t row) const {
    return valid(row) ? static_cast<const int32_t*>(data_)[row] : 0;
  }
  double real(idx_t row) const {
    return valid(row) ? static_cast<const double*>(data_)[row]
                      : std::numeric_limits<double>::quiet_NaN();
  }

 private:
  duckdb_vector vector_;
  void* data_;
  uint64_t* validity_;
};

// An event-time range [since, until), in ms.
struct TimeRange {
  int64_t since = std::numeric_limits<int64_t>::min();
  int64_t until = std::numeric_limits<int64_t>::max();

  bool contains(EventTime t) const { return t.value() >= since && t.value() < until; }
  bool covers(EventTime start, EventTime end) const {
    return start.value() >= since && end.value() <= until;
  }
  // The SQL condition on a TIMESTAMP column.
  std::string where(const std::string& column) const {
    return fmt::format("epoch_ms({0}) >= {1} AND epoch_ms({0}) < {2}", column, since, until);
  }
};

int64_t parse_time(const std::string& flag, const std::string& text) {
  const auto t = parse_iso8601(text);
  if (!t) {
    throw std::runtime_error(
        fmt::format("{} '{}': expected an ISO-8601 time such as 2024-05-01T14:30:00Z or 2024-05-01",
                    flag, text));
  }
  return t->value();
}

// One row per input position, in input order: the order in which the pipeline saw them.
std::string scan_sql(const fs::path& lake, const std::string& table, const std::string& columns,
                     const std::string& where) {
  const std::string glob = (lake / table / "*" / "*" / "*.parquet").string();
  return fmt::format(
      "SELECT DISTINCT ON (\"partition\", \"offset\") {} FROM read_parquet({}, "
      "hive_partitioning = false) WHERE {} ORDER BY \"partition\", \"offset\"",
      columns, sql_quote(glob), where);
}

// Names the bucket a staging folder mirrors, so one folder never mixes two lakes.
constexpr const char* kStagingSourceFile = ".stockpulse-mirror-of";

// Copies the tweets and market_data files of s3://BUCKET/PREFIX that `range` needs into
// `staging` (kept between runs: only files it lacks are copied), saying on stderr how far it is
// (at most once a second) and what it copied.
void mirror_bucket(const std::string& url, const fs::path& staging, const TimeRange& range) {
  LakeBucket bucket = open_lake_bucket(url, "--from");
  std::error_code ec;
  fs::create_directories(staging, ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("--staging '{}': cannot create it: {}", staging.string(), ec.message()));
  }
  const std::string source = "s3://" + bucket.location.bucket +
                             (bucket.location.prefix.empty() ? "" : "/" + bucket.location.prefix);
  const fs::path marker = staging / kStagingSourceFile;
  if (fs::exists(marker, ec)) {
    std::ifstream in(marker);
    std::string previous;
    std::getline(in, previous);
    if (previous != source) {
      throw std::runtime_error(fmt::format(
          "--staging '{}' holds a copy of {}, not {}: give another --staging or remove it",
          staging.string(), previous, source));
    }
  } else {
    std::ofstream out(marker, std::ios::trunc);
    out << source << "\n";
    if (!out) {
      throw std::runtime_error(fmt::format("--staging '{}': cannot write in it", staging.string()));
    }
  }

  LakeMirrorOptions options;
  options.prefix = bucket.location.prefix;
  options.tables = {"tweets", "market_data"};
  options.since_ms = range.since;
  options.until_ms = range.until;
  auto last = std::chrono::steady_clock::now();
  options.on_progress = [&last](size_t done, size_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (done == total || now - last < std::chrono::seconds(1)) return;
    last = now;
    fmt::print(stderr, "stockpulse backfill: {}/{} lake files\n", done, total);
  };
  auto mirrored = mirror_lake(*bucket.store, staging, options);
  if (!mirrored.ok()) {
    throw std::runtime_error(fmt::format("--from {}: copying the lake to '{}': {}", url,
                                         staging.string(), mirrored.error().message));
  }
  const LakeMirrorSummary& m = mirrored.value();
  fmt::print(stderr,
             "stockpulse backfill: copied {} files ({:.1f} MB), {} already there, from {} to {}\n",
             m.files_copied, static_cast<double>(m.bytes_copied) / (1 << 20), m.files_present, url,
             staging.string());
}

// Keeps the rows whose time passes `keep`.
template <class Row, class Keep>
size_t keep_only(std::vector<Row>& rows, Keep keep) {
  const size_t before = rows.size();
  std::erase_if(rows, [&](const Row& r) { return !keep(r); });
  return before - rows.size();
}

}  // namespace

BackfillCommand::BackfillCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "backfill",
      "Re-process history from the Parquet lake: re-score the archived posts with the configured\n"
      "scorer, recompute every window and analytics row from the archived posts and bars, and\n"
      "upsert posts, bars, windows and analytics into the serving store.\n"
      "Window rows that straddle --since or --until (and analytics rows outside the range) are\n"
      "not written: they would be computed from part of their input and would overwrite complete\n"
      "rows. Give a range aligned to the window size and slide to rewrite every window in it.");
  cmd_->add_option("--from", lake_,
                   "Lake folder or s3://BUCKET/PREFIX (keys from AWS_* variables), as written by "
                   "`run` or `process`")
      ->required();
  cmd_->add_option("--staging", staging_,
                   "Folder the needed files of an s3:// lake are copied to; kept, so a re-run "
                   "copies only new files [OUTPUT_DIR/backfill-lake]");
  cmd_->add_option("--since", since_,
                   "First event time to re-process, ISO-8601 (inclusive) [the beginning]");
  cmd_->add_option("--until", until_, "Event time to stop at, ISO-8601 (exclusive) [the end]");
  cmd_->add_option("-c,--config", config_file_, "TOML configuration file (see example.toml)")
      ->check(CLI::ExistingFile);
  Config& f = flags_.values();
  flags_.add(
      cmd_->add_option("--scorer", f.sentiment.scorer,
                       "Sentiment scorer: vader, finance (learned) or finance-lexicon [vader]"),
      [&f](Config& c) { c.sentiment.scorer = f.sentiment.scorer; });
  flags_.add(
      cmd_->add_option("--model", f.sentiment.model,
                       "Model file of --scorer finance (from `stockpulse train`) [built-in]"),
      [&f](Config& c) { c.sentiment.model = f.sentiment.model; });
  flags_.add(cmd_->add_option(
                 "--serving", f.run.serving,
                 "Serving store: sqlite:PATH, clickhouse://HOST:PORT/DB (user and password from "
                 "CLICKHOUSE_USER / CLICKHOUSE_PASSWORD) [sqlite:OUTPUT_DIR/serving.db]"),
             [&f](Config& c) { c.run.serving = f.run.serving; });
  flags_.add(
      cmd_->add_option("-o,--output-dir", f.run.output_dir,
                       "Folder of the default serving store and --staging [stockpulse-data]"),
      [&f](Config& c) { c.run.output_dir = f.run.output_dir; });
  flags_.add(cmd_->add_option("--window", f.window.size_s, "Window size in seconds [300]"),
             [&f](Config& c) { c.window.size_s = f.window.size_s; });
  flags_.add(cmd_->add_option("--slide", f.window.slide_s,
                              "Window slide in seconds (= size: tumbling) [60]"),
             [&f](Config& c) { c.window.slide_s = f.window.slide_s; });
  flags_.add(cmd_->add_option("--lateness", f.window.allowed_lateness_s,
                              "Allowed lateness in seconds [600]"),
             [&f](Config& c) { c.window.allowed_lateness_s = f.window.allowed_lateness_s; });
}

int BackfillCommand::execute() {
  const auto started = std::chrono::steady_clock::now();
  Config c = config_file_.empty() ? Config{} : load_config_file(config_file_);
  flags_.apply(c);

  TimeRange range;
  if (!since_.empty()) range.since = parse_time("--since", since_);
  if (!until_.empty()) range.until = parse_time("--until", until_);
  if (range.since >= range.until) {
    throw std::runtime_error(fmt::format("--since {} is not before --until {}", since_, until_));
  }
  // Before a bucket is copied: an unknown scorer should not cost a download.
  const SentimentStack sentiment(c.sentiment, c.sources.symbols);
  const bool from_bucket = lake_.starts_with("s3://");
  const fs::path lake = !from_bucket       ? fs::path(lake_)
                        : staging_.empty() ? fs::path(c.run.output_dir) / "backfill-lake"
                                           : fs::path(staging_);
  if (from_bucket) mirror_bucket(lake_, lake, range);
  std::error_code ec;
  if (!fs::is_directory(lake, ec)) {
    throw std::runtime_error(fmt::format("--from '{}': no such lake folder", lake_));
  }
  const bool has_posts = fs::is_directory(lake / "tweets", ec);
  const bool has_bars = fs::is_directory(lake / "market_data", ec);
  if (!has_posts && !has_bars) {
    throw std::runtime_error(
        from_bucket
            ? fmt::format(
                  "--from {}: the bucket has no tweets/ or market_data/ files for this range",
                  lake_)
            : fmt::format("--from '{}': neither tweets/ nor market_data/ is in this folder",
                          lake_));
  }

  const std::string url = c.serving_url();
  auto store = open_serving_store(url);
  SystemClock clock;
  PipelineMetrics metrics;
  WindowStage stage(c, clock, metrics, WindowStage::Options{});
  DuckDbSession duck("backfill");
  SinkBatch sink;
  std::vector<DeadLetter> letters;
  uint64_t posts = 0, bars = 0;
  auto write_rows = [&] {
    write_sink_batch(*store, sink, metrics);
    sink.posts.clear();
    sink.bars.clear();
  };

  if (has_posts) {
    const std::string sql = scan_sql(lake, "tweets",
                                     "CAST(id AS VARCHAR), epoch_ms(created_at), "
                                     "CAST(text AS VARCHAR), CAST(\"user\" AS VARCHAR), "
                                     "CAST(source AS VARCHAR), CAST(\"partition\" AS INTEGER), "
                                     "CAST(\"offset\" AS BIGINT)",
                                     range.where("created_at"));
    scan(duck, sql, [&](duckdb_data_chunk chunk) {
      const Column id(chunk, 0), created(chunk, 1), text(chunk, 2), user(chunk, 3),
          source(chunk, 4), partition(chunk, 5), offset(chunk, 6);
      const idx_t n = duckdb_data_chunk_get_size(chunk);
      for (idx_t i = 0; i < n; ++i) {
        ScoredPost sp;
        sp.post.id = id.text(i);
        sp.post.created_at = EventTime(created.int64(i, 0));
        sp.post.text = text.text(i);
        sp.post.user = user.text(i);
        sp.post.source = source.text(i);
        sp.post.position =
            SourcePosition{PartitionId(partition.int32(i)), Offset(offset.int64(i, 0))};
        // The Enricher's scoring, on the text the Enricher decoded.
        sentiment.analyzer().analyze(sp.post.text, sp.overall, sp.tickers);
        stage.add_post(sp, sink, letters);
        ++posts;
        if (sink.posts.size() >= kWriteBatchRows) write_rows();
      }
    });
  }
  if (has_bars) {
    const std::string sql = scan_sql(
        lake, "market_data",
        "CAST(symbol AS VARCHAR), epoch_ms(ts), CAST(open AS DOUBLE), CAST(high AS DOUBLE), "
        "CAST(low AS DOUBLE), CAST(close AS DOUBLE), CAST(volume AS DOUBLE), "
        "CAST(vwap AS DOUBLE), CAST(trade_count AS BIGINT), CAST(\"partition\" AS INTEGER), "
        "CAST(\"offset\" AS BIGINT)",
        range.where("ts"));
    scan(duck, sql, [&](duckdb_data_chunk chunk) {
      const Column symbol(chunk, 0), ts(chunk, 1), open(chunk, 2), high(chunk, 3), low(chunk, 4),
          close(chunk, 5), volume(chunk, 6), vwap(chunk, 7), trades(chunk, 8), partition(chunk, 9),
          offset(chunk, 10);
      const idx_t n = duckdb_data_chunk_get_size(chunk);
      for (idx_t i = 0; i < n; ++i) {
        Bar b;
        b.symbol = symbol.text(i);
        b.ts = EventTime(ts.int64(i, 0));
        b.open = open.real(i);
        b.high = high.real(i);
        b.low = low.real(i);
        b.close = close.real(i);
        b.volume = volume.real(i);
        b.vwap = vwap.real(i);
        b.trade_count = trades.int64(i, -1);
        b.position = SourcePosition{PartitionId(partition.int32(i)), Offset(offset.int64(i, 0))};
        stage.add_bar(b, sink, letters);
        ++bars;
        if (sink.bars.size() >= kWriteBatchRows) write_rows();
      }
    });
  }

  flush_end_of_input(stage, sink);
  size_t skipped = 0;
  skipped += keep_only(sink.sentiment_windows, [&](const SentimentWindowRow& r) {
    return range.covers(r.window_start, r.window_end);
  });
  skipped += keep_only(sink.market_windows, [&](const MarketWindowRow& r) {
    return range.covers(r.window_start, r.window_end);
  });
  const size_t windows = sink.sentiment_windows.size() + sink.market_windows.size();
  skipped += keep_only(sink.alerts, [&](const AlertRow& r) { return range.contains(r.ts); });
  skipped +=
      keep_only(sink.indicators, [&](const IndicatorRow& r) { return range.contains(r.ts); });
  skipped +=
      keep_only(sink.fear_greed, [&](const FearGreedRow& r) { return range.contains(r.ts); });
  skipped +=
      keep_only(sink.correlations, [&](const CorrelationRow& r) { return range.contains(r.ts); });
  const size_t analytics = sink.alerts.size() + sink.indicators.size() + sink.fear_greed.size() +
                           sink.correlations.size();
  // The alerts of the range are replaced, not merged: one that no longer fires must go.
  store->delete_alerts(EventTime(std::max<int64_t>(range.since, 0)),
                       EventTime(std::min(range.until, kLastStorableTime)));
  write_rows();
  store->flush();

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(stderr,
             "stockpulse backfill: {} posts (scorer {}), {} bars from {}; {} windows and {} "
             "analytics rows written to {}; {} rows at the range's edges not written; {:.1f} s\n",
             posts, c.sentiment.scorer, bars, lake_, windows, analytics, url, skipped, seconds);
  if (!letters.empty()) {
    // The lake holds only what the pipeline accepted, so this means a changed configuration
    // (e.g. a smaller window key limit).
    fmt::print(stderr, "stockpulse backfill: {} events were rejected by the window stage\n",
               letters.size());
  }
  return 0;
}

}  // namespace stockpulse
