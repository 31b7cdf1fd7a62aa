#include "sink/sqlite_serving_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "common/time_format.h"

namespace stockpulse {
namespace {

// Forward migrations: entry i takes a file from version i to version i + 1. Never edit an entry
// that has shipped; append a new one and bump kSchemaVersion.
constexpr const char* kMigrations[] = {
    // v1: the five serving tables of docs/design.md §7. WITHOUT ROWID because every table is looked
    // up and upserted by its composite key: the key becomes the clustered b-tree, so an upsert
    // touches one b-tree instead of a rowid table plus a key index.
    R"sql(
CREATE TABLE tweets (
  symbol TEXT NOT NULL,
  created_at TEXT NOT NULL,
  id TEXT NOT NULL,
  text TEXT NOT NULL,
  "user" TEXT NOT NULL,
  source TEXT NOT NULL,
  compound REAL NOT NULL,
  pos REAL NOT NULL,
  neu REAL NOT NULL,
  neg REAL NOT NULL,
  label TEXT NOT NULL,
  ticker_compound REAL,
  PRIMARY KEY (symbol, created_at, id)
) WITHOUT ROWID;
CREATE TABLE market_data (
  symbol TEXT NOT NULL,
  ts TEXT NOT NULL,
  open REAL NOT NULL,
  high REAL NOT NULL,
  low REAL NOT NULL,
  close REAL NOT NULL,
  volume REAL NOT NULL,
  vwap REAL,
  trade_count INTEGER,
  PRIMARY KEY (symbol, ts)
) WITHOUT ROWID;
CREATE TABLE topic_sentiment_avg (
  symbol TEXT NOT NULL,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  tweet_count INTEGER NOT NULL,
  sentiment_score_avg REAL NOT NULL,
  sentiment_score_min REAL NOT NULL,
  sentiment_score_max REAL NOT NULL,
  sentiment_score_stddev REAL NOT NULL,
  bullish_count INTEGER NOT NULL,
  bearish_count INTEGER NOT NULL,
  neutral_count INTEGER NOT NULL,
  bullish_share REAL NOT NULL,
  histogram TEXT NOT NULL,
  is_final INTEGER NOT NULL,
  PRIMARY KEY (symbol, window_start, window_end)
) WITHOUT ROWID;
CREATE TABLE stock_trends (
  symbol TEXT NOT NULL,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  bar_count INTEGER NOT NULL,
  open REAL NOT NULL,
  high REAL NOT NULL,
  low REAL NOT NULL,
  close REAL NOT NULL,
  total_volume REAL NOT NULL,
  avg_close REAL NOT NULL,
  max_close REAL NOT NULL,
  min_close REAL NOT NULL,
  volatility REAL NOT NULL,
  avg_volume REAL NOT NULL,
  avg_vwap REAL,
  vwap_deviation_pct REAL,
  buy_pressure REAL NOT NULL,
  avg_pct_change REAL NOT NULL,
  price_range REAL NOT NULL,
  trend_signal TEXT NOT NULL,
  is_final INTEGER NOT NULL,
  PRIMARY KEY (symbol, window_start, window_end)
) WITHOUT ROWID;
CREATE TABLE alerts (
  symbol TEXT NOT NULL,
  ts TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (symbol, ts, kind)
) WITHOUT ROWID;
)sql",
    // v2: the dashboard asks "latest windows / alerts across all symbols"; the keys start with
    // symbol, so those reads need time-first indexes. tweets gets none on purpose: it is the
    // high-volume table and is read per symbol.
    R"sql(
CREATE INDEX topic_sentiment_avg_by_end ON topic_sentiment_avg (window_end);
CREATE INDEX stock_trends_by_end ON stock_trends (window_end);
CREATE INDEX alerts_by_ts ON alerts (ts);
)sql",
    // v3: the analytics of issue 6 — per-minute indicators, Fear & Greed per window, and the
    // sentiment/return correlation.
    R"sql(
CREATE TABLE indicators (
  symbol TEXT NOT NULL,
  ts TEXT NOT NULL,
  close REAL NOT NULL,
  rsi_14 REAL,
  ema_20 REAL,
  sma_50 REAL,
  PRIMARY KEY (symbol, ts)
) WITHOUT ROWID;
CREATE TABLE fear_greed (
  symbol TEXT NOT NULL,
  ts TEXT NOT NULL,
  score REAL,
  band TEXT NOT NULL,
  sentiment REAL,
  bullish REAL,
  momentum REAL,
  volatility REAL,
  volume REAL,
  PRIMARY KEY (symbol, ts)
) WITHOUT ROWID;
CREATE TABLE sentiment_correlation (
  symbol TEXT NOT NULL,
  ts TEXT NOT NULL,
  r_lag0 REAL,
  pairs_lag0 INTEGER NOT NULL,
  best_lag INTEGER NOT NULL,
  best_r REAL,
  pairs_best INTEGER NOT NULL,
  PRIMARY KEY (symbol, ts)
) WITHOUT ROWID;
CREATE INDEX fear_greed_by_ts ON fear_greed (ts);
)sql",
    // v4: tweets clustered by time. Same key columns, so the same rows are unique and upserts
    // (ON CONFLICT (symbol, created_at, id)) are unchanged; but posts now arrive at the right edge
    // of the b-tree instead of at one insertion point per symbol, which cuts the insert's work by
    // about a third (no page rebalancing in the middle of the tree). Nothing in stockpulse reads
    // tweets by symbol; ad-hoc reads of "recent posts" range over created_at, and a per-symbol
    // read over the whole history is a scan.
    R"sql(
CREATE TABLE tweets_by_time (
  symbol TEXT NOT NULL,
  created_at TEXT NOT NULL,
  id TEXT NOT NULL,
  text TEXT NOT NULL,
  "user" TEXT NOT NULL,
  source TEXT NOT NULL,
  compound REAL NOT NULL,
  pos REAL NOT NULL,
  neu REAL NOT NULL,
  neg REAL NOT NULL,
  label TEXT NOT NULL,
  ticker_compound REAL,
  PRIMARY KEY (created_at, symbol, id)
) WITHOUT ROWID;
INSERT INTO tweets_by_time (symbol, created_at, id, text, "user", source, compound, pos, neu, neg,
                            label, ticker_compound)
  SELECT symbol, created_at, id, text, "user", source, compound, pos, neu, neg, label,
         ticker_compound
    FROM tweets;
DROP TABLE tweets;
ALTER TABLE tweets_by_time RENAME TO tweets;
)sql",
    // v5: the severity of an alert (issue #17). Additive: rows written before it read as 'info'.
    R"sql(
ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT 'info';
)sql",
};
static_assert(std::size(kMigrations) == SqliteServingStore::kSchemaVersion);

// INSERT ... ON CONFLICT(key) DO UPDATE SET every non-key column: the newest write of a key wins
// without the delete + insert that INSERT OR REPLACE does.
std::string upsert_sql(std::string_view table, const std::vector<std::string_view>& columns,
                       size_t key_count, size_t rows = 1) {
  std::string sql = "INSERT INTO ";
  sql += table;
  sql += " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) sql += ", ";
    sql += '"';
    sql += columns[i];
    sql += '"';
  }
  sql += ") VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (size_t i = 0; i < columns.size(); ++i) sql += i ? ", ?" : "?";
    sql += ')';
  }
  sql += " ON CONFLICT (";
  for (size_t i = 0; i < key_count; ++i) {
    if (i) sql += ", ";
    sql += columns[i];
  }
  sql += ") DO UPDATE SET ";
  for (size_t i = key_count; i < columns.size(); ++i) {
    if (i > key_count) sql += ", ";
    sql += '"';
    sql += columns[i];
    sql += "\" = excluded.\"";
    sql += columns[i];
    sql += '"';
  }
  return sql;
}

// Binders. Text is bound SQLITE_STATIC: every buffer outlives the sqlite3_step that reads it.
void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
void bind_double(sqlite3_stmt* s, int i, double v) {
  // SQLite has no NaN; say NULL explicitly rather than rely on its silent conversion.
  if (std::isnan(v)) {
    sqlite3_bind_null(s, i);
  } else {
    sqlite3_bind_double(s, i, v);
  }
}
void bind_int(sqlite3_stmt* s, int i, int64_t v) {
  sqlite3_bind_int64(s, i, v);
}

// ISO text of post times. Posts come in time order, many per second, so the text of the last
// second is kept and only its milliseconds rewritten (snprintf was 15% of write_posts' CPU).
class PostTimeText {
 public:
  std::string_view format(EventTime t) {
    const int64_t ms = t.value();
    const int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    if (second != second_ || size_ != kCachedSize) {
      size_ = format_iso8601(t, buf_);
      second_ = second;
      if (size_ != kCachedSize) second_ = kNone;  // outside years 0..9999: never reused
      return {buf_, size_};
    }
    const auto milli = static_cast<int>(ms - second * 1000);
    buf_[20] = static_cast<char>('0' + milli / 100);
    buf_[21] = static_cast<char>('0' + milli / 10 % 10);
    buf_[22] = static_cast<char>('0' + milli % 10);
    return {buf_, size_};
  }

 private:
  static constexpr size_t kCachedSize = 24;  // 2024-05-01T14:30:05.123Z
  static constexpr int64_t kNone = INT64_MIN;
  char buf_[32] = {};
  size_t size_ = 0;
  int64_t second_ = kNone;
};

struct TimeText {
  explicit TimeText(EventTime t) : size(format_iso8601(t, buf)) {}
  std::string_view view() const { return {buf, size}; }
  char buf[32];
  size_t size;
};

void histogram_json(const std::array<int64_t, kSentimentHistogramBuckets>& h, std::string& out) {
  out.clear();
  out += '[';
  char num[24];
  for (size_t i = 0; i < h.size(); ++i) {
    if (i) out += ',';
    const int n = std::snprintf(num, sizeof num, "%lld", static_cast<long long>(h[i]));
    out.append(num, static_cast<size_t>(n));
  }
  out += ']';
}

}  // namespace

// Runs PASSIVE checkpoints of one database on a thread and connection of its own when asked.
// A passive checkpoint never blocks the writer or readers: it copies the WAL pages that no
// reader still needs back into the database, and once it has caught up, the writer's next
// transaction starts the WAL from its beginning again.
class WalCheckpointer {
 public:
  explicit WalCheckpointer(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("serving store 'sqlite:" + path + "': checkpointer: " + msg);
    }
    thread_ = std::thread([this] { run(); });
  }
  ~WalCheckpointer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
    sqlite3_close(db_);
  }
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // From the writer's commit hook: cheap, never waits for a checkpoint.
  void request() {
    {
      std::lock_guard lock(mu_);
      requested_ = true;
    }
    cv_.notify_one();
  }
  uint64_t checkpoints() const {
    std::lock_guard lock(mu_);
    return checkpoints_;
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || requested_; });
      if (stopping_) return;
      requested_ = false;
      lock.unlock();
      // SQLITE_BUSY (another checkpoint under way) is fine: the next commit asks again.
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
      ++checkpoints_;
    }
  }

  sqlite3* db_ = nullptr;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool stopping_ = false;
  uint64_t checkpoints_ = 0;
  std::thread thread_;
};

int SqliteServingStore::on_wal_commit(void* self, sqlite3* db, const char*, int pages) {
  auto* store = static_cast<SqliteServingStore*>(self);
  if (pages >= store->options_.wal_writer_checkpoint_pages) {
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    ++store->writer_checkpoints_;
  } else if (pages >= store->options_.wal_checkpoint_pages && store->checkpointer_) {
    store->checkpointer_->request();
  }
  return SQLITE_OK;
}

uint64_t SqliteServingStore::background_checkpoints() const {
  return checkpointer_ ? checkpointer_->checkpoints() : 0;
}

void SqliteServingStore::StatementDeleter::operator()(sqlite3_stmt* s) const {
  sqlite3_finalize(s);
}

SqliteServingStore::SqliteServingStore(const std::string& path, SqliteStoreOptions options)
    : path_(path), options_(options) {
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open serving store 'sqlite:" + path + "': " + msg);
  }
  try {
    // A reader's checkpoint or another process's migration may hold the lock for a moment.
    sqlite3_busy_timeout(db_, static_cast<int>(kBusyTimeout.count()));
    // 8 KiB pages for a new file (a no-op on an existing one: WAL files keep their page size):
    // half the WAL writes of 4 KiB pages at the same CPU; 16 KiB and up cost more CPU per row
    // in b-tree rebalancing than they save in writes.
    exec_at_open("PRAGMA page_size = 8192");
    // WAL: readers see the last commit while a write is under way. NORMAL sync: a commit is
    // durable against a process crash; a power cut may lose the last commits, which the pipeline
    // rewrites (upserts) after restart anyway.
    // The pragma answers the mode it is in: "delete" without an error where WAL is impossible.
    if (const std::string mode = exec_at_open("PRAGMA journal_mode = WAL"); mode != "wal") {
      throw std::runtime_error("serving store 'sqlite:" + path_ +
                               "': cannot use WAL mode (journal mode is '" + mode + "')");
    }
    // Checkpoints run beside the writer (WalCheckpointer, started below), not inside its
    // commits; every ~80 MB of WAL (10,000 pages of 8 KiB) rather than SQLite's 4 MB, so a
    // b-tree page changed by many batches is copied back once per checkpoint.
    exec("PRAGMA wal_autocheckpoint = 0");
    exec("PRAGMA synchronous = NORMAL");
    exec("PRAGMA temp_store = MEMORY");
    // 16 MiB: the upper b-tree levels and the pages being appended to stay cached. A larger
    // cache only keeps cold leaves, and every page it grows by is a fresh malloc and page fault
    // (64 MiB: 9,000 more page faults in the first 160k posts).
    exec("PRAGMA cache_size = -16384");
    migrate();
    begin_ = prepare("BEGIN");
    commit_ = prepare("COMMIT");
    const std::vector<std::string_view> tweet_columns = {
        "symbol",   "created_at", "id",  "text", "user",  "source",
        "compound", "pos",        "neu", "neg",  "label", "ticker_compound"};
    for (size_t i = 0; i < kTweetStatementRows.size(); ++i) {
      upsert_tweets_[i] = prepare(upsert_sql("tweets", tweet_columns, 3, kTweetStatementRows[i]));
    }
    upsert_bar_ = prepare(upsert_sql(
        "market_data",
        {"symbol", "ts", "open", "high", "low", "close", "volume", "vwap", "trade_count"}, 2));
    upsert_sentiment_window_ = prepare(upsert_sql(
        "topic_sentiment_avg",
        {"symbol", "window_start", "window_end", "tweet_count", "sentiment_score_avg",
         "sentiment_score_min", "sentiment_score_max", "sentiment_score_stddev", "bullish_count",
         "bearish_count", "neutral_count", "bullish_share", "histogram", "is_final"},
        3));
    upsert_market_window_ = prepare(upsert_sql(
        "stock_trends", {"symbol",       "window_start",   "window_end",  "bar_count",
                         "open",         "high",           "low",         "close",
                         "total_volume", "avg_close",      "max_close",   "min_close",
                         "volatility",   "avg_volume",     "avg_vwap",    "vwap_deviation_pct",
                         "buy_pressure", "avg_pct_change", "price_range", "trend_signal",
                         "is_final"},
        3));
    upsert_alert_ =
        prepare(upsert_sql("alerts", {"symbol", "ts", "kind", "message", "value", "severity"}, 3));
    delete_alerts_ = prepare("DELETE FROM alerts WHERE ts >= ? AND ts < ?");
    upsert_indicator_ = prepare(
        upsert_sql("indicators", {"symbol", "ts", "close", "rsi_14", "ema_20", "sma_50"}, 2));
    upsert_fear_greed_ = prepare(upsert_sql("fear_greed",
                                            {"symbol", "ts", "score", "band", "sentiment",
                                             "bullish", "momentum", "volatility", "volume"},
                                            2));
    upsert_correlation_ = prepare(upsert_sql(
        "sentiment_correlation",
        {"symbol", "ts", "r_lag0", "pairs_lag0", "best_lag", "best_r", "pairs_best"}, 2));
    checkpointer_ = std::make_unique<WalCheckpointer>(path_);
    sqlite3_wal_hook(db_, &SqliteServingStore::on_wal_commit, this);
  } catch (...) {
    // Statements must be finalized before the connection closes.
    begin_.reset();
    commit_.reset();
    for (Statement& st : upsert_tweets_) st.reset();
    upsert_bar_.reset();
    upsert_sentiment_window_.reset();
    upsert_market_window_.reset();
    upsert_alert_.reset();
    upsert_indicator_.reset();
    upsert_fear_greed_.reset();
    upsert_correlation_.reset();
    delete_alerts_.reset();
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteServingStore::~SqliteServingStore() {
  sqlite3_wal_hook(db_, nullptr, nullptr);
  checkpointer_.reset();
  begin_.reset();
  commit_.reset();
  for (Statement& st : upsert_tweets_) st.reset();
  upsert_bar_.reset();
  upsert_sentiment_window_.reset();
  upsert_market_window_.reset();
  upsert_alert_.reset();
  upsert_indicator_.reset();
  upsert_fear_greed_.reset();
  upsert_correlation_.reset();
  delete_alerts_.reset();
  sqlite3_close(db_);
}

void SqliteServingStore::fail(const std::string& what) const {
  throw std::runtime_error("serving store 'sqlite:" + path_ + "': " + what + ": " +
                           sqlite3_errmsg(db_));
}

std::string SqliteServingStore::exec_at_open(const char* sql) const {
  // Setting up a file another process is setting up at the same moment (the members of a
  // processing group sharing one store) can fail with SQLITE_BUSY at once: SQLite does not call
  // the busy handler for every lock it takes there (seen from PRAGMA journal_mode = WAL in about
  // 2% of simultaneous opens of a new file). One retry has always been enough; the deadline is
  // the busy timeout's.
  const auto deadline = std::chrono::steady_clock::now() + kBusyTimeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &s, nullptr);
    std::string first;
    if (rc == SQLITE_OK) {
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (first.empty() && sqlite3_column_type(s, 0) == SQLITE_TEXT) {
          first = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        }
      }
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE) return first;
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
      fail(std::string("cannot run '") + sql + "'");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

void SqliteServingStore::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("serving store 'sqlite:" + path_ + "': " + msg);
  }
}

SqliteServingStore::Statement SqliteServingStore::prepare(const std::string& sql) const {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &s, nullptr) != SQLITE_OK) {
    fail("cannot prepare '" + sql + "'");
  }
  return Statement(s);
}

int SqliteServingStore::schema_version() const {
  Statement s = prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (sqlite3_step(s.get()) != SQLITE_ROW) fail("cannot read schema_version");
  return sqlite3_column_int(s.get(), 0);
}

void SqliteServingStore::migrate() {
  exec_at_open(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
  for (;;) {
    // IMMEDIATE takes the write lock before reading the version, so two processes opening the
    // same new file cannot both apply the same migration.
    exec_at_open("BEGIN IMMEDIATE");
    int version = 0;
    try {
      version = schema_version();
      if (version > kSchemaVersion) {
        throw std::runtime_error("serving store 'sqlite:" + path_ + "' has schema version " +
                                 std::to_string(version) + ", newer than this binary's " +
                                 std::to_string(kSchemaVersion) + "; upgrade stockpulse");
      }
      if (version == kSchemaVersion) {
        exec_at_open("COMMIT");
        return;
      }
      exec(kMigrations[version]);
      Statement record = prepare(
          "INSERT INTO schema_version (version, applied_at) VALUES (?, "
          "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
      sqlite3_bind_int(record.get(), 1, version + 1);
      if (sqlite3_step(record.get()) != SQLITE_DONE) fail("cannot record schema version");
      record.reset();
      exec_at_open("COMMIT");
    } catch (...) {
      rollback();
      throw;
    }
  }
}

void SqliteServingStore::begin() {
  if (sqlite3_step(begin_.get()) != SQLITE_DONE) {
    sqlite3_reset(begin_.get());
    fail("cannot begin a transaction");
  }
  sqlite3_reset(begin_.get());
}

void SqliteServingStore::commit() {
  if (sqlite3_step(commit_.get()) != SQLITE_DONE) {
    sqlite3_reset(commit_.get());
    fail("cannot commit");
  }
  sqlite3_reset(commit_.get());
}

void SqliteServingStore::rollback() noexcept {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteServingStore::step_and_reset(sqlite3_stmt* stmt) {
  const int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) fail("upsert failed");
}

// A batch is either fully upserted or not at all: a failure rolls it back before rethrowing.
template <class Body>
void SqliteServingStore::in_transaction(Body&& body) {
  begin();
  try {
    body();
    commit();
  } catch (...) {
    rollback();
    throw;
  }
}

void SqliteServingStore::write_posts(std::span<const ScoredPost> posts) {
  if (posts.empty()) return;
  // One row per (post, ticker), or one with symbol '' for a post without tickers. The time text
  // is kept with the row: text is bound SQLITE_STATIC and must outlive the step.
  PostTimeText time;
  tweet_rows_.clear();
  for (const ScoredPost& sp : posts) {
    const std::string_view created = time.format(sp.post.created_at);
    TweetRow row{&sp, nullptr, {}, std::min(created.size(), sizeof row.created)};
    std::memcpy(row.created, created.data(), row.created_size);
    if (sp.tickers.empty()) tweet_rows_.push_back(row);
    for (const TickerSentiment& t : sp.tickers) {
      row.ticker = &t;
      tweet_rows_.push_back(row);
    }
  }
  constexpr int kColumns = 12;
  const auto bind_row = [](sqlite3_stmt* s, int base, const TweetRow& r) {
    const ScoredPost& sp = *r.post;
    const Post& p = sp.post;
    // "" rather than an empty view: a null data pointer would bind NULL.
    bind_text(s, base + 1, r.ticker ? std::string_view(r.ticker->symbol) : std::string_view(""));
    bind_text(s, base + 2, {r.created, r.created_size});
    bind_text(s, base + 3, p.id);
    bind_text(s, base + 4, p.text);
    bind_text(s, base + 5, p.user);
    bind_text(s, base + 6, p.source);
    bind_double(s, base + 7, sp.overall.compound);
    bind_double(s, base + 8, sp.overall.pos);
    bind_double(s, base + 9, sp.overall.neu);
    bind_double(s, base + 10, sp.overall.neg);
    bind_text(s, base + 11, label_name(label_of(sp.overall.compound)));
    if (r.ticker) {
      bind_double(s, base + 12, r.ticker->scores.compound);
    } else {
      sqlite3_bind_null(s, base + 12);
    }
  };
  in_transaction([&] {
    // Rows in order, each statement the largest that fits what is left; rows of one statement
    // are upserted in order too, so a key repeated in the batch ends with its last row.
    size_t next = 0;
    for (size_t i = 0; i < kTweetStatementRows.size(); ++i) {
      const size_t rows = kTweetStatementRows[i];
      sqlite3_stmt* s = upsert_tweets_[i].get();
      for (; tweet_rows_.size() - next >= rows; next += rows) {
        for (size_t r = 0; r < rows; ++r) {
          bind_row(s, static_cast<int>(r) * kColumns, tweet_rows_[next + r]);
        }
        step_and_reset(s);
      }
    }
  });
}

void SqliteServingStore::write_bars(std::span<const Bar> bars) {
  if (bars.empty()) return;
  sqlite3_stmt* s = upsert_bar_.get();
  in_transaction([&] {
    for (const Bar& b : bars) {
      const TimeText ts(b.ts);
      bind_text(s, 1, b.symbol);
      bind_text(s, 2, ts.view());
      bind_double(s, 3, b.open);
      bind_double(s, 4, b.high);
      bind_double(s, 5, b.low);
      bind_double(s, 6, b.close);
      bind_double(s, 7, b.volume);
      bind_double(s, 8, b.vwap);
      if (b.trade_count < 0) {
        sqlite3_bind_null(s, 9);
      } else {
        bind_int(s, 9, b.trade_count);
      }
      step_and_reset(s);
    }
  });
}

void SqliteServingStore::write_sentiment_windows(std::span<const SentimentWindowRow> rows) {
  if (rows.empty()) return;
  sqlite3_stmt* s = upsert_sentiment_window_.get();
  in_transaction([&] {
    for (const SentimentWindowRow& r : rows) {
      const TimeText start(r.window_start);
      const TimeText end(r.window_end);
      histogram_json(r.histogram, scratch_);
      bind_text(s, 1, r.symbol);
      bind_text(s, 2, start.view());
      bind_text(s, 3, end.view());
      bind_int(s, 4, r.tweet_count);
      bind_double(s, 5, r.sentiment_score_avg);
      bind_double(s, 6, r.sentiment_score_min);
      bind_double(s, 7, r.sentiment_score_max);
      bind_double(s, 8, r.sentiment_score_stddev);
      bind_int(s, 9, r.bullish_count);
      bind_int(s, 10, r.bearish_count);
      bind_int(s, 11, r.neutral_count);
      bind_double(s, 12, r.bullish_share);
      bind_text(s, 13, scratch_);
      bind_int(s, 14, r.is_final ? 1 : 0);
      step_and_reset(s);
    }
  });
}

void SqliteServingStore::write_market_windows(std::span<const MarketWindowRow> rows) {
  if (rows.empty()) return;
  sqlite3_stmt* s = upsert_market_window_.get();
  in_transaction([&] {
    for (const MarketWindowRow& r : rows) {
      const TimeText start(r.window_start);
      const TimeText end(r.window_end);
      bind_text(s, 1, r.symbol);
      bind_text(s, 2, start.view());
      bind_text(s, 3, end.view());
      bind_int(s, 4, r.bar_count);
      bind_double(s, 5, r.open);
      bind_double(s, 6, r.high);
      bind_double(s, 7, r.low);
      bind_double(s, 8, r.close);
      bind_double(s, 9, r.total_volume);
      bind_double(s, 10, r.avg_close);
      bind_double(s, 11, r.max_close);
      bind_double(s, 12, r.min_close);
      bind_double(s, 13, r.volatility);
      bind_double(s, 14, r.avg_volume);
      bind_double(s, 15, r.avg_vwap);
      bind_double(s, 16, r.vwap_deviation_pct);
      bind_double(s, 17, r.buy_pressure);
      bind_double(s, 18, r.avg_pct_change);
      bind_double(s, 19, r.price_range);
      bind_text(s, 20, trend_signal_name(r.trend_signal));
      bind_int(s, 21, r.is_final ? 1 : 0);
      step_and_reset(s);
    }
  });
}

void SqliteServingStore::write_alerts(std::span<const AlertRow> rows) {
  if (rows.empty()) return;
  sqlite3_stmt* s = upsert_alert_.get();
  in_transaction([&] {
    for (const AlertRow& r : rows) {
      const TimeText ts(r.ts);
      bind_text(s, 1, r.symbol);
      bind_text(s, 2, ts.view());
      bind_text(s, 3, r.kind);
      bind_text(s, 4, r.message);
      bind_double(s, 5, r.value);
      bind_text(s, 6, alert_severity_name(r.severity));
      step_and_reset(s);
    }
  });
}

void SqliteServingStore::delete_alerts(EventTime since, EventTime until) {
  sqlite3_stmt* s = delete_alerts_.get();
  const TimeText from(since), to(until);
  in_transaction([&] {
    bind_text(s, 1, from.view());
    bind_text(s, 2, to.view());
    step_and_reset(s);
  });
}

void SqliteServingStore::write_indicators(std::span<const IndicatorRow> rows) {
  if (rows.empty()) return;
  sqlite3_stmt* s = upsert_indicator_.get();
  in_transaction([&] {
    for (const IndicatorRow& r : rows) {
      const TimeText ts(r.ts);
      bind_text(s, 1, r.symbol);
      bind_text(s, 2, ts.view());
      bind_double(s, 3, r.close);
      bind_double(s, 4, r.rsi_14);
      bind_double(s, 5, r.ema_20);
      bind_double(s, 6, r.sma_50);
      step_and_reset(s);
    }
  });
}

void SqliteServingStore::write_fear_greed(std::span<const FearGreedRow> rows) {
  if (rows.empty()) return;
  sqlite3_stmt* s = upsert_fear_greed_.get();
  in_transaction([&] {
    for (const FearGreedRow& r : rows) {
      const TimeText ts(r.ts);
      bind_text(s, 1, r.symbol);
      bind_text(s, 2, ts.view());
      bind_double(s, 3, r.score);
      bind_text(s, 4, r.band);
      bind_double(s, 5, r.sentiment);
      bind_double(s, 6, r.bullish);
      bind_double(s, 7, r.momentum);
      bind_double(s, 8, r.volatility);
      bind_double(s, 9, r.volume);
      step_and_reset(s);
    }
  });
}

void SqliteServingStore::write_correlations(std::span<const CorrelationRow> rows) {
  if (rows.empty()) return;
  sqlite3_stmt* s = upsert_correlation_.get();
  in_transaction([&] {
    for (const CorrelationRow& r : rows) {
      const TimeText ts(r.ts);
      bind_text(s, 1, r.symbol);
      bind_text(s, 2, ts.view());
      bind_double(s, 3, r.r_lag0);
      bind_int(s, 4, r.pairs_lag0);
      bind_int(s, 5, r.best_lag);
      bind_double(s, 6, r.best_r);
      bind_int(s, 7, r.pairs_best);
      step_and_reset(s);
    }
  });
}

void SqliteServingStore::flush() {
  // PASSIVE never waits for readers; it copies what it can and leaves the rest for later.
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

}  // namespace stockpulse
