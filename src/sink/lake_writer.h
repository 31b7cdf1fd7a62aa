#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/events.h"
#include "common/rows.h"
#include "common/time_format.h"

namespace stockpulse {

class DuckDbSession;

struct LakeOptions {
  std::string root;                             // the lake folder; created if missing
  uint64_t roll_bytes = 128ull << 20;           // roll a file at this much staged data
  int64_t roll_age_ms = 10 * kMillisPerMinute;  // ... or when its first row is this old
  const Clock* clock = nullptr;                 // processing time for the age; null: system
  uint64_t row_group_size = 122880;             // Parquet rows per row group (DuckDB's)
  int duckdb_threads = 1;                       // DuckDB threads that encode the Parquet files
  // Parquet dictionary encoding. Off: ~15% less CPU per file (posts' id and text never fit a
  // dictionary, DuckDB builds one and gives it up), and ZSTD takes the repeats of the small
  // columns (label, source) about as well.
  bool parquet_dictionary = false;
  // Memory every staging together may hold: their DuckDB-ready vectors, their text bytes and the
  // blocks kept for reuse. Before a row would take more, the least recently appended stagings are
  // written out as files (small files: `stockpulse lake compact` merges them later). A single row
  // larger than this is still staged, alone.
  uint64_t memory_bytes = 64ull << 20;
  // At most this many stagings open at once; opening one more writes out the least recently
  // appended one first.
  size_t max_open_stagings = 64;
  // Called after each file is in place, with its path relative to root (e.g.
  // "tweets/date=2024-05-01/hour=14/part-p0-0-99.parquet"): how LakeUploader learns of it.
  std::function<void(const std::string& relative_path)> on_file_written;
};

// Archives what the pipeline produces as a Parquet lake (docs/design.md §7):
//   <root>/<table>/date=YYYY-MM-DD/hour=HH/<file>.parquet, ZSTD-compressed,
// with tables tweets (enriched posts, one row per post), market_data (bars),
// topic_sentiment_avg and stock_trends (final windows), partitioned by event time (created_at,
// ts, window_start). Rows are staged in memory (one staging per table, date-hour and, for posts
// and bars, input partition), laid out as DuckDB vectors, and written by an in-memory DuckDB's
// COPY (SELECT ... FROM lake_staging()) TO ... (FORMAT PARQUET) — lake_staging() being a table
// function that hands a staging's rows over without copying string bytes — when the staging
// reaches roll_bytes (estimated), when it is roll_age_ms old at a maybe_roll(), or at close() —
// never one file per micro-batch.
//
// File names are deterministic from the input they hold, so a retry rewrites rather than
// duplicates:
//   posts, bars:  part-p<partition>-<first offset>-<last offset>.parquet
//   windows:      part-w<first window_start>-<last window_end>-<seq>.parquet
//                 (times as 20240501T143000.000Z; seq counts this writer's earlier files in
//                 the same folder, from 0000)
// Posts and bars whose (partition, offset) already lies inside a file of their folder are
// skipped (rows_skipped()), so a restart that re-reads input skips what is archived. A file
// written again under the same name is overwritten (through a temporary name and a rename, so
// readers never see half a file) with the same rows.
//
// Expected failures (a COPY that fails, e.g. disk full) keep the staged rows for the next
// maybe_roll() and are reported by write_errors()/last_error(); nothing is dropped silently.
// Text that is not valid UTF-8 (which DuckDB cannot hold) is written with each ill-formed
// sequence replaced by U+FFFD and counted in values_repaired().
//
// Memory is bounded by memory_bytes and max_open_stagings: before a row would go beyond either,
// the least recently appended staging (another one first; this one only when it is the last) is
// written out early, as a file named like any other. A staging's memory grows with what it holds:
// vector segments of 16, 32, ... up to 2048 rows and text chunks of 4 KiB doubling up to 2 MiB
// (2 MiB chunks in huge pages where the kernel allows; a few are kept for reuse and counted).
// memory_bytes() is what the stagings hold, counted at each allocation: after every append_* it is
// at most memory_bytes unless one row alone is larger.
//
// Early writes keep the file-name contract: rows of one (table, hour, partition) arrive in offset
// order, so each file of a folder holds every row of its offset range that is not in another file,
// and a restart that skips the offset ranges already in files neither loses nor doubles posts and
// bars. Window files are named by seq as above; which rows an early write puts together depends
// only on the rows appended, not on the clock.
//
// Lifecycle: the constructor creates the root and an in-memory DuckDB, throwing
// std::runtime_error if it cannot; append_* stage rows; close() writes every staged row (the
// writer stays usable afterwards); the destructor calls close().
// Thread-safety: not thread-safe; one writer thread.
class LakeWriter {
 public:
  explicit LakeWriter(LakeOptions options);
  ~LakeWriter();
  LakeWriter(const LakeWriter&) = delete;
  LakeWriter& operator=(const LakeWriter&) = delete;

  void append_posts(std::span<const ScoredPost> posts);
  void append_bars(std::span<const Bar> bars);
  void append_sentiment_windows(std::span<const SentimentWindowRow> rows);
  void append_market_windows(std::span<const MarketWindowRow> rows);

  // Writes the stagings that are old enough or big enough. Call it on each pipeline trigger.
  void maybe_roll();
  // Writes every staged row.
  void close();

  uint64_t files_written() const { return files_written_; }
  uint64_t rows_written() const { return rows_written_; }
  // Posts and bars not staged because a lake file already holds their (partition, offset).
  uint64_t rows_skipped() const { return rows_skipped_; }
  uint64_t write_errors() const { return write_errors_; }
  // Text values written with their invalid UTF-8 replaced by U+FFFD.
  uint64_t values_repaired() const { return values_repaired_; }
  const std::string& last_error() const { return last_error_; }
  // Estimated bytes staged and not yet written (the data size roll_bytes is compared with).
  uint64_t staged_bytes() const;
  // Bytes the stagings hold now (allocated, not only used; blocks kept for reuse included), and
  // the most they ever held.
  uint64_t memory_bytes() const;
  uint64_t peak_memory_bytes() const;
  // Stagings open now.
  size_t open_stagings() const { return stagings_.size(); }
  // Files written before their time to keep within memory_bytes or max_open_stagings.
  uint64_t early_writes() const { return early_writes_; }

  enum class Table : uint8_t { kTweets, kMarketData, kTopicSentimentAvg, kStockTrends };
  class Memory;
  class RowTexts;

 private:
  // (table, hour since epoch of the event time, input partition or -1 for windows)
  using StagingKey = std::tuple<Table, int64_t, int32_t>;
  struct Staging;
  struct Feed;

  // The staging the next row of `key` goes to, with room made for that row (`text_bytes` of text
  // kept out of line): least recently appended stagings are written out while the memory would
  // exceed the budget. `last` is the staging of the previous row, a shortcut when it is the same.
  Staging& staging_for_row(const StagingKey& key, size_t text_bytes, Staging* last);
  // The open staging of `key`, opened (after writing out the least recent one if max_open_stagings
  // are open) when there is none.
  Staging& open_staging(const StagingKey& key);
  // Writes out a staging to bound memory or open stagings; false (and the staging kept) on failure,
  // after which no early write is tried again until the next maybe_roll() or close().
  bool write_early(Staging& s);
  // True when (partition, offset) is already inside a lake file of that folder.
  bool archived(const StagingKey& key, int64_t offset);
  void after_append(Staging& s);
  // Writes one staging to its file; false (and the staging kept) on failure.
  bool roll(Staging& s);
  // Forgets a staging (written or empty) and gives its memory back.
  void drop(Staging& s);
  std::string folder(Table table, int64_t hour) const;
  void record_error(std::string message);
  // Registers lake_staging(), the scan of the staging being written, with the DuckDB connection.
  void register_scan();

  LakeOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;
  std::unique_ptr<Memory> memory_;  // before stagings_: they give their memory back to it
  std::unique_ptr<DuckDbSession> db_;
  std::unique_ptr<Feed> feed_;
  std::map<StagingKey, std::unique_ptr<Staging>> stagings_;
  // The open stagings, least recently appended first.
  std::list<Staging*> recency_;
  bool early_write_failed_ = false;
  uint64_t early_writes_ = 0;
  // Offset ranges already in the lake, per (table, hour, partition); loaded from the folder the
  // first time a key is seen, extended as files are written.
  std::map<StagingKey, std::vector<std::pair<int64_t, int64_t>>> archived_;
  // Files written per (table, hour) for window tables: the seq of their names.
  std::map<std::pair<Table, int64_t>, int> window_file_seq_;
  uint64_t files_written_ = 0;
  uint64_t rows_written_ = 0;
  uint64_t rows_skipped_ = 0;
  uint64_t write_errors_ = 0;
  uint64_t values_repaired_ = 0;
  std::string last_error_;
  std::unique_ptr<RowTexts> texts_;  // the text values of the row being staged
  std::string scratch_;
  std::string scratch2_;
};

}  // namespace stockpulse
