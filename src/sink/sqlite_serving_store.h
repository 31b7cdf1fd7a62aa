#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sink/serving_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace stockpulse {

class WalCheckpointer;

struct SqliteStoreOptions {
  // WAL checkpoints run on a thread and connection of their own once the WAL holds this many
  // pages, so the writer never stops for them (SQLite's own autocheckpoint copies the pages
  // back inside the writer's COMMIT, ~40% of write_posts' wall time).
  int wal_checkpoint_pages = 10000;
  // Should that thread fall behind (readers holding old snapshots, a slow disk), the writer
  // checkpoints itself after a commit once the WAL holds this many pages: the WAL stays bounded.
  int wal_writer_checkpoint_pages = 40000;
};

// The embedded serving store: one SQLite file in WAL mode (synchronous=NORMAL), so readers in
// other processes (`stockpulse serve`, the sqlite3 shell, the dashboard) read committed data
// while this store writes. Each write_* call upserts its whole batch with prepared statements
// (INSERT ... ON CONFLICT DO UPDATE; for tweets, up to 256 rows per statement) inside one
// transaction.
//
// Schema: created on open. The table `schema_version` records every migration applied (one row
// per version); opening an older file runs the missing forward migrations in order, each in its
// own transaction; opening a file of a newer version than this binary knows throws.
//
// WAL checkpoints run on a background thread with its own connection (SqliteStoreOptions).
//
// Lifecycle: the constructor opens (or creates) the file, migrates it and starts the
// checkpointer, throwing std::runtime_error if it cannot; the destructor stops the checkpointer
// and closes the file.
// Thread-safety: not thread-safe. One writer thread owns the store; other readers use their own
// connections (ideally other processes) and never block it.
class SqliteServingStore final : public ServingStore {
 public:
  // The schema version this binary writes. Bump it together with a new entry in kMigrations.
  static constexpr int kSchemaVersion = 5;

  explicit SqliteServingStore(const std::string& path, SqliteStoreOptions options = {});
  ~SqliteServingStore() override;
  SqliteServingStore(const SqliteServingStore&) = delete;
  SqliteServingStore& operator=(const SqliteServingStore&) = delete;

  void write_posts(std::span<const ScoredPost> posts) override;
  void write_bars(std::span<const Bar> bars) override;
  void write_sentiment_windows(std::span<const SentimentWindowRow> rows) override;
  void write_market_windows(std::span<const MarketWindowRow> rows) override;
  void write_alerts(std::span<const AlertRow> rows) override;
  void write_indicators(std::span<const IndicatorRow> rows) override;
  void write_fear_greed(std::span<const FearGreedRow> rows) override;
  void write_correlations(std::span<const CorrelationRow> rows) override;
  void delete_alerts(EventTime since, EventTime until) override;
  // Every write already committed; this runs a passive WAL checkpoint so the WAL file does not
  // grow while readers are active.
  void flush() override;

  // Checkpoints run so far by the background checkpointer and by the writer itself.
  uint64_t background_checkpoints() const;
  uint64_t writer_checkpoints() const { return writer_checkpoints_; }

  // The version stored in the file (kSchemaVersion once open).
  int schema_version() const;
  const std::string& path() const { return path_; }

 private:
  struct StatementDeleter {
    void operator()(sqlite3_stmt* s) const;
  };
  using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

  void migrate();
  Statement prepare(const std::string& sql) const;
  void exec(const char* sql) const;
  // Runs one statement while the file is being set up, retrying SQLITE_BUSY until kBusyTimeout;
  // returns the first text column of its first row ("" if none).
  std::string exec_at_open(const char* sql) const;
  static constexpr std::chrono::milliseconds kBusyTimeout{5000};
  void begin();
  void commit();
  void rollback() noexcept;
  void step_and_reset(sqlite3_stmt* stmt);
  template <class Body>
  void in_transaction(Body&& body);
  [[noreturn]] void fail(const std::string& what) const;

  static int on_wal_commit(void* self, sqlite3* db, const char* schema, int pages);

  std::string path_;
  SqliteStoreOptions options_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  uint64_t writer_checkpoints_ = 0;
  Statement begin_;
  Statement commit_;
  // Rows of a tweets statement ("INSERT ... VALUES (...), (...) ..."): a step costs a cursor
  // open and, for several rows, a statement journal of the pages it changes, so more rows per
  // step cost less each. The last entry must be 1.
  static constexpr std::array<size_t, 3> kTweetStatementRows = {256, 16, 1};
  struct TweetRow {
    const ScoredPost* post;
    const TickerSentiment* ticker;  // null: the row (symbol '') of a post without tickers
    char created[32];
    size_t created_size;
  };
  std::array<Statement, kTweetStatementRows.size()> upsert_tweets_;
  Statement upsert_bar_;
  Statement upsert_sentiment_window_;
  Statement upsert_market_window_;
  Statement upsert_alert_;
  Statement upsert_indicator_;
  Statement upsert_fear_greed_;
  Statement upsert_correlation_;
  Statement delete_alerts_;
  std::string scratch_;  // reused for JSON text so large batches do not allocate per row
  std::vector<TweetRow> tweet_rows_;  // reused by write_posts
};

}  // namespace stockpulse
