#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "sink/clickhouse_client.h"
#include "sink/serving_store.h"

namespace stockpulse {

// The scale-out serving store: ClickHouse over its HTTP interface (libcurl), the same tables and
// column names as SqliteServingStore (src/sink/README.md) so readers can switch stores.
//
// Tables are ReplacingMergeTree(version) ORDER BY the docs/design.md §7 key. Every write_* call is
// one INSERT ... FORMAT RowBinary (or TabSeparated / JSONEachRow, see ClickHouseInsertFormat)
// request (several for batches above max_request_bytes) whose rows carry a `version` (microseconds
// of the wall clock, strictly increasing per store), so when two rows share a key the newest wins
// once ClickHouse merges; reads use FINAL (see select_table) to see one row per key before that.
//
// Time encoding: ClickHouse 18.16 has no DateTime64, so each time column X is DateTime (UTC,
// seconds) plus X_ms UInt16 (the milliseconds), both in the key where X is. read helpers
// rebuild the SQLite store's ISO text ("2024-05-01T14:30:05.123Z"). The text formats write the
// UTC calendar fields, which the server reads in its own time zone; RowBinary writes the Unix
// seconds, which is the same only on a server in UTC, so on any other server the store writes
// TabSeparated instead (insert_format() says which; readers rely on the text form).
//
// Schema: created on start (CREATE ... IF NOT EXISTS, so a crash mid-migration is repaired by
// the next start); the table `schema_version` holds one row per applied version; a database of
// a newer version than this binary is refused.
//
// Inserts in flight: with options().inflight_inserts = N > 0, write_* encodes its rows and hands
// the request to one of N sender threads (each with its own connection), returning while up to N
// inserts are outstanding, so the next batch is encoded while the server takes the last ones.
// An insert that fails is kept (its encoded rows, with their version) and sent again, before
// anything else, by the next write_*, delete_alerts or flush; if that fails too, the call throws
// and its own batch is not taken. So every batch a write_* accepted is either acknowledged or
// still held, and flush() returns only when all of them are acknowledged. Reads (query,
// select_*) first wait for outstanding inserts, so they see every accepted write that succeeded.
// The destructor waits for outstanding inserts and tries failed ones once more; rows it still
// cannot send are reported on stderr (flush() first to be sure).
//
// Failures: a request that fails (server down, timeout, HTTP error) throws std::runtime_error
// from write_* (or, in flight, from the next write_* / flush), with the batch not (or partly)
// written. Retrying is harmless (upserts), which is what BufferedServingStore does;
// open_serving_store wraps this store in one.
//
// Lifecycle: the constructor connects, creates the database and migrates, throwing
// std::runtime_error if it cannot, then starts the sender threads. Thread-safety: not
// thread-safe; one writer thread (the sender threads are internal).
class ClickHouseServingStore final : public ServingStore {
 public:
  static constexpr int kSchemaVersion = 2;

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
  // Waits for every insert in flight and re-sends failed ones; throws if any cannot be sent.
  void flush() override;

  // Runs one statement in the store's database; the body of the answer (e.g. TabSeparated
  // rows) or the error text (naming the server, never the password).
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
  const ClickHouseOptions& options() const { return client_.options(); }
  // The format inserts use: options().insert_format, except RowBinary on a server not in UTC.
  ClickHouseInsertFormat insert_format() const { return format_; }
  uint64_t requests_sent() const { return client_.requests_sent() + sender_requests_.load(); }

 private:
  struct TableRows {
    std::string body;                  // encoded rows not sent yet
    std::vector<const char*> columns;  // RowBinary/TabSeparated: body's columns, in order
    std::chrono::steady_clock::time_point since;  // when body's first row was added
  };
  struct PendingInsert {
    const char* table;
    std::string sql;   // INSERT INTO ... FORMAT ...
    std::string body;  // the encoded rows
  };

  // Sends rows as one INSERT INTO table: now, or through a sender thread.
  void send(const char* table, TableRows& rows);
  std::string insert_sql(const char* table, const std::vector<const char*>& columns) const;
  void send_if_full(const char* table);
  void send_pending();
  void sender_loop();
  // Waits until no insert is queued or being sent.
  void wait_idle();
  // Sends failed inserts again, in this thread; throws (keeping them) if one fails again.
  void resend_failed();
  // Starts the rows of one write_* call into table's pending rows (rows_).
  void begin_batch(const char* table);
  // Ends it: sends what is due (min_insert_bytes, max_insert_delay_ms).
  void end_batch(const char* table);
  uint64_t next_version();
  void migrate();
  [[noreturn]] void fail(const std::string& what) const;

  ClickHouseClient client_;  // migrations, reads, synchronous and re-sent inserts
  ClickHouseInsertFormat format_;
  std::map<std::string, TableRows, std::less<>> pending_;  // table -> rows not sent yet
  TableRows* rows_ = nullptr;  // the table of the write_* call in progress
  uint64_t last_version_ = 0;

  std::mutex mu_;
  std::condition_variable work_cv_;  // senders: a queued insert, or stopping
  std::condition_variable done_cv_;  // writer: an insert finished
  std::deque<PendingInsert> queue_;  // accepted, waiting for a sender
  size_t sending_ = 0;               // being sent by a sender
  std::vector<PendingInsert> failed_;
  std::vector<std::string> spare_bodies_;  // sent bodies, reused (no reallocation per batch)
  bool stopping_ = false;
  std::atomic<uint64_t> sender_requests_{0};
  std::vector<std::thread> senders_;
};

}  // namespace stockpulse
