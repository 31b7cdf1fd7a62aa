#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sink/http_client.h"
#include "sink/serving_store.h"

namespace stockpulse {

// How rows travel in an INSERT. TabSeparated is the default: the same rows cost the client ~20%
// less CPU than JSONEachRow at 4096-post batches; the server takes both at the same rate on an
// idle machine (sink_benchmark: BM_ClickHouseWritePosts tsv:1 vs tsv:0; figures in
// src/sink/README.md). JSONEachRow is kept for comparison.
enum class ClickHouseInsertFormat : uint8_t { kTabSeparated, kJsonEachRow };

// Where a ClickHouseServingStore connects: clickhouse://[USER[:PASSWORD]@]HOST:PORT/DB, the
// HTTP port (8123 by default in ClickHouse's own config).
struct ClickHouseOptions {
  std::string host = "127.0.0.1";
  int port = 8123;
  std::string database = "default";
  std::string user;      // empty: ClickHouse's `default` user
  std::string password;  // never logged
  int64_t connect_timeout_ms = 2000;
  int64_t request_timeout_ms = 30000;
  // A write_* batch is sent in requests of at most this many bytes.
  size_t max_request_bytes = 16u << 20;
  ClickHouseInsertFormat insert_format = ClickHouseInsertFormat::kTabSeparated;

  // Parses "clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DB"; without USER in the URL, user and
  // password come from CLICKHOUSE_USER / CLICKHOUSE_PASSWORD. Throws std::runtime_error naming
  // the URL (password masked) when it does not parse (a start-up error).
  static ClickHouseOptions from_url(const std::string& url);
};

// The scale-out serving store: ClickHouse over its HTTP interface (libcurl), the same tables and
// column names as SqliteServingStore (src/sink/README.md) so readers can switch stores.
//
// Tables are ReplacingMergeTree(version) ORDER BY the DESIGN.md §7 key. Every write_* call is one
// INSERT ... FORMAT TabSeparated (or JSONEachRow, see ClickHouseInsertFormat) request (several
// for batches above max_request_bytes) whose rows
// carry a `version` (microseconds of the wall clock, strictly increasing per store), so when two
// rows share a key the newest wins once ClickHouse merges; reads use FINAL (see select_table)
// to see one row per key before that.
//
// Time encoding: ClickHouse 18.16 has no DateTime64, so each time column X is DateTime (UTC,
// seconds) plus X_ms UInt16 (the milliseconds), both in the key where X is. read helpers
// rebuild the SQLite store's ISO text ("2024-05-01T14:30:05.123Z").
//
// Schema: created on start (CREATE ... IF NOT EXISTS, so a crash mid-migration is repaired by
// the next start); the table `schema_version` holds one row per applied version; a database of
// a newer version than this binary is refused.
//
// Failures: a request that fails (server down, timeout, HTTP error) throws std::runtime_error
// from write_*, with the batch not (or partly) written. Retrying the same batch is harmless
// (upserts), which is what BufferedServingStore does; open_serving_store wraps this store in one.
//
// Lifecycle: the constructor connects, creates the database and migrates, throwing
// std::runtime_error if it cannot. Thread-safety: not thread-safe; one writer thread.
class ClickHouseServingStore final : public ServingStore {
 public:
  static constexpr int kSchemaVersion = 1;

  explicit ClickHouseServingStore(ClickHouseOptions options);
  ~ClickHouseServingStore() override;

  void write_posts(std::span<const ScoredPost> posts) override;
  void write_bars(std::span<const Bar> bars) override;
  void write_sentiment_windows(std::span<const SentimentWindowRow> rows) override;
  void write_market_windows(std::span<const MarketWindowRow> rows) override;
  void write_alerts(std::span<const AlertRow> rows) override;
  void write_indicators(std::span<const IndicatorRow> rows) override;
  void write_fear_greed(std::span<const FearGreedRow> rows) override;
  void write_correlations(std::span<const CorrelationRow> rows) override;
  void delete_alerts(EventTime since, EventTime until) override;
  // Every write is acknowledged by ClickHouse when write_* returns; nothing to do.
  void flush() override {}

  // Runs one statement in the store's database; the body of the answer (e.g. TabSeparated
  // rows) or the error text.
  Result<std::string, std::string> query(std::string_view sql);
  // Rows of a SELECT as TabSeparated fields (escapes undone; NULL as "\N").
  Result<std::vector<std::vector<std::string>>, std::string> select_rows(std::string_view sql);
  // The read helper: every column of a serving table, one row per key (FINAL), ordered by the
  // key, time columns as the SQLite store's ISO text, NULL as "\N", without `version` and the
  // *_ms columns. `where` (optional) filters, e.g. "symbol = 'AAPL'".
  Result<std::vector<std::vector<std::string>>, std::string> select_table(
      std::string_view table, std::string_view where = {});
  // The column names select_table returns for a table, in order.
  static std::vector<std::string> table_columns(std::string_view table);

  int schema_version();
  const ClickHouseOptions& options() const { return options_; }
  uint64_t requests_sent() const { return requests_sent_; }

 private:
  // Sends body (rows in options_.insert_format) as INSERT INTO table; throws on failure.
  void insert(const char* table, std::string_view body);
  // Starts the rows of one write_* call.
  void begin_batch();
  // Flushes body_ when it is large enough (or always with force).
  void insert_chunked(const char* table, bool force);
  uint64_t next_version();
  void migrate();
  std::string base_url() const;
  [[noreturn]] void fail(const std::string& what) const;

  ClickHouseOptions options_;
  HttpClient http_;
  std::string body_;                  // reused buffer of rows
  std::vector<const char*> columns_;  // TabSeparated: the columns of body_'s rows, in order
  uint64_t last_version_ = 0;
  uint64_t requests_sent_ = 0;
};

}  // namespace stockpulse
