#include "sink/sqlite_serving_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/time_format.h"
#include "sink/serving_store.h"
#include "sink/tests/bench_data.h"
#include "sink/tests/sink_test_data.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse {
namespace {

using testing::make_bar;
using testing::make_market_window;
using testing::make_post;
using testing::make_sentiment_window;
using testing::TempDir;

// 2024-05-01T14:30:05.123Z, computed independently (Python datetime).
constexpr int64_t kT0 = 1714573805123;

// An independent read-only connection, as a reader process would open it.
class Reader {
 public:
  explicit Reader(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "reader cannot open " << path;
    }
    sqlite3_busy_timeout(db_, 2000);
  }
  ~Reader() { sqlite3_close(db_); }

  // All rows of a query, every column as text ("NULL" for NULL).
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_) << " in " << sql;
      return out;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        const auto* t = sqlite3_column_text(s, i);
        row.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(s);
    return out;
  }
  int64_t count(const std::string& table) {
    auto r = rows("SELECT count(*) FROM " + table);
    return r.empty() ? -1 : std::stoll(r[0][0]);
  }
  double real(const std::string& sql) {
    auto r = rows(sql);
    return r.empty() || r[0][0] == "NULL" ? std::nan("") : std::stod(r[0][0]);
  }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      ADD_FAILURE() << (err ? err : "?") << " in " << sql;
      sqlite3_free(err);
    }
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(SqliteServingStore, PostBecomesOneRowPerTickerAndUntaggedPostGetsEmptySymbol) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteServingStore store(path);
  std::vector<ScoredPost> posts = {
      make_post("1", kT0, 0.3, {{"NVDA", 0.7}, {"INTC", -0.6}}),
      make_post("2", kT0 + 1000, -0.02, {}),
  };
  store.write_posts(posts);

  Reader r(path);
  EXPECT_EQ(r.count("tweets"), 3);
  auto rows = r.rows(
      "SELECT symbol, created_at, id, text, user, source, label, ticker_compound, compound "
      "FROM tweets ORDER BY id, symbol");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"INTC", "2024-05-01T14:30:05.123Z", "1", "text of 1",
                                               "user_1", "test", "bullish", "-0.6", "0.3"}));
  EXPECT_EQ(rows[1][0], "NVDA");
  EXPECT_EQ(rows[1][7], "0.7");
  EXPECT_EQ(rows[2][0], "");
  EXPECT_EQ(rows[2][1], "2024-05-01T14:30:06.123Z");
  EXPECT_EQ(rows[2][6], "neutral");
  EXPECT_EQ(rows[2][7], "NULL");
}

TEST(SqliteServingStore, SamePostTwiceIsOneRowAndNewestValuesWin) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteServingStore store(path);
  std::vector<ScoredPost> first = {make_post("7", kT0, 0.5, {{"AAPL", 0.5}})};
  std::vector<ScoredPost> second = {make_post("7", kT0, -0.4, {{"AAPL", -0.8}})};
  store.write_posts(first);
  store.write_posts(first);
  store.write_posts(second);

  Reader r(path);
  EXPECT_EQ(r.count("tweets"), 1);
  auto rows = r.rows("SELECT compound, ticker_compound, label FROM tweets");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"-0.4", "-0.8", "bearish"}));
}

// write_posts sends rows 256 and 16 to a statement and the rest one by one: a batch that uses
// every size keeps every row once, each with its own time text, and a key repeated in the batch
// (inside one statement and across statements) ends with the values of its last row.
TEST(SqliteServingStore, LargeBatchKeepsEveryRowAndLastRowOfARepeatedKeyWins) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteServingStore store(path);
  std::vector<ScoredPost> posts;
  std::map<std::pair<std::string, std::string>, std::string> want;  // (symbol, id) -> time text
  for (int i = 0; i < 300; ++i) {
    // 37 ms apart, so times cross second boundaries; every 50th post goes back in time.
    const int64_t t = kT0 + (i % 50 == 49 ? -86'400'000 - i : 37 * i);
    std::vector<std::pair<std::string, double>> tickers;
    if (i % 3 == 0) tickers = {{"AAPL", 0.1}, {"TSLA", 0.2}};
    if (i % 3 == 1) tickers = {{"NVDA", 0.3}};
    posts.push_back(make_post("p" + std::to_string(i), t, 0.1, tickers));
    if (tickers.empty()) want[{"", "p" + std::to_string(i)}] = format_iso8601(EventTime(t));
    for (const auto& [symbol, score] : tickers) {
      want[{symbol, "p" + std::to_string(i)}] = format_iso8601(EventTime(t));
    }
  }
  // Row 0 (AAPL of p0) again as the 3rd row (same statement) and p1 again after row 256.
  posts.insert(posts.begin() + 1, make_post("p0", kT0, -0.5, {{"AAPL", -0.9}}));
  posts.insert(posts.begin() + 250, make_post("p1", kT0 + 37, 0.9, {{"NVDA", 0.8}}));
  store.write_posts(posts);

  Reader r(path);
  auto rows = r.rows("SELECT symbol, id, created_at FROM tweets");
  ASSERT_EQ(rows.size(), want.size());
  for (const auto& row : rows) {
    auto it = want.find({row[0], row[1]});
    ASSERT_NE(it, want.end()) << row[0] << " " << row[1];
    EXPECT_EQ(row[2], it->second) << row[0] << " " << row[1];
  }
  EXPECT_EQ(r.rows("SELECT compound, ticker_compound FROM tweets WHERE id = 'p0' AND "
                   "symbol = 'AAPL'")[0],
            (std::vector<std::string>{"-0.5", "-0.9"}));
  EXPECT_EQ(r.rows("SELECT compound FROM tweets WHERE id = 'p0' AND symbol = 'TSLA'")[0][0], "0.1");
  EXPECT_EQ(r.rows("SELECT compound, ticker_compound FROM tweets WHERE id = 'p1'")[0],
            (std::vector<std::string>{"0.9", "0.8"}));
}

TEST(SqliteServingStore, NewFileGets8KiBPagesAndAnExisting4KiBFileKeepsItsPages) {
  TempDir dir;
  { SqliteServingStore store(dir.file("new.db")); }
  EXPECT_EQ(Reader(dir.file("new.db")).rows("PRAGMA page_size")[0][0], "8192");

  const std::string old_path = dir.file("old.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(old_path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; "
                           "CREATE TABLE other (x INTEGER)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  {
    SqliteServingStore store(old_path);
    std::vector<ScoredPost> posts = {make_post("1", kT0, 0.3, {{"NVDA", 0.7}})};
    store.write_posts(posts);
  }
  Reader r(old_path);
  EXPECT_EQ(r.rows("PRAGMA page_size")[0][0], "4096");
  EXPECT_EQ(r.count("tweets"), 1);
}

TEST(SqliteServingStore, BarsUpsertBySymbolAndTimestamp) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteServingStore store(path);
  Bar no_vwap = make_bar("MSFT", kT0, 400);
  no_vwap.vwap = std::nan("");
  no_vwap.trade_count = -1;
  std::vector<Bar> bars = {make_bar("AAPL", kT0, 10), make_bar("AAPL", kT0 + 60000, 11), no_vwap};
  store.write_bars(bars);
  std::vector<Bar> again = {make_bar("AAPL", kT0, 12)};
  store.write_bars(again);

  Reader r(path);
  EXPECT_EQ(r.count("market_data"), 3);
  EXPECT_EQ(r.real("SELECT close FROM market_data WHERE symbol='AAPL' AND "
                   "ts='2024-05-01T14:30:05.123Z'"),
            12);
  auto rows = r.rows("SELECT vwap, trade_count FROM market_data WHERE symbol='MSFT'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"NULL", "NULL"}));
  rows = r.rows("SELECT vwap, trade_count FROM market_data WHERE symbol='AAPL' ORDER BY ts");
  EXPECT_EQ(rows[0], (std::vector<std::string>{"11.5", "42"}));
}

TEST(SqliteServingStore, SentimentWindowsUpsertByKeyWithHistogramAsJson) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteServingStore store(path);
  std::vector<SentimentWindowRow> rows = {make_sentiment_window("AAPL", kT0, kT0 + 300000, 10, 0.2),
                                          make_sentiment_window("*", kT0, kT0 + 300000, 30, 0.1)};
  rows[0].is_final = false;
  store.write_sentiment_windows(rows);
  rows[0] = make_sentiment_window("AAPL", kT0, kT0 + 300000, 12, 0.25);  // the final version
  store.write_sentiment_windows(rows);

  Reader r(path);
  EXPECT_EQ(r.count("topic_sentiment_avg"), 2);
  auto got = r.rows(
      "SELECT window_start, window_end, tweet_count, sentiment_score_avg, bullish_count, "
      "bearish_count, neutral_count, bullish_share, histogram, is_final FROM topic_sentiment_avg "
      "WHERE symbol = 'AAPL'");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (std::vector<std::string>{
                        "2024-05-01T14:30:05.123Z", "2024-05-01T14:35:05.123Z", "12", "0.25", "6",
                        "3", "3", "0.5", "[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,11]", "1"}));
}

TEST(SqliteServingStore, MarketWindowsUpsertByKeyWithSignalAsText) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteServingStore store(path);
  std::vector<MarketWindowRow> rows = {
      make_market_window("TSLA", kT0, kT0 + 300000, 180, TrendSignal::kNeutral)};
  store.write_market_windows(rows);
  rows[0] = make_market_window("TSLA", kT0, kT0 + 300000, 181, TrendSignal::kBullish);
  rows[0].avg_vwap = 180.5;
  rows[0].vwap_deviation_pct = 0.25;
  store.write_market_windows(rows);

  Reader r(path);
  EXPECT_EQ(r.count("stock_trends"), 1);
  auto got = r.rows(
      "SELECT avg_close, max_close, min_close, volatility, avg_volume, avg_vwap, "
      "vwap_deviation_pct, buy_pressure, avg_pct_change, price_range, trend_signal, bar_count "
      "FROM stock_trends");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (std::vector<std::string>{"181.0", "183.0", "179.0", "1.5", "1000.0", "180.5",
                                              "0.25", "0.6", "0.2", "4.0", "BULLISH", "5"}));
}

TEST(SqliteServingStore, AlertsUpsertBySymbolTimeAndKind) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteServingStore store(path);
  std::vector<AlertRow> rows = {
      AlertRow{"AAPL", EventTime(kT0), "sentiment_spike", "first", 1.0},
      AlertRow{"AAPL", EventTime(kT0), "trend_signal_change", "other kind", 2.0},
  };
  store.write_alerts(rows);
  rows[0].message = "second";
  store.write_alerts(std::span(rows).first(1));

  Reader r(path);
  EXPECT_EQ(r.count("alerts"), 2);
  auto got = r.rows("SELECT message FROM alerts WHERE kind = 'sentiment_spike'");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0][0], "second");
}

TEST(SqliteServingStore, DeleteAlertsRemovesExactlyTheHalfOpenRange) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteServingStore store(path);
  const std::vector<AlertRow> rows = {
      AlertRow{"AAPL", EventTime(kT0 - 1), "sentiment_spike", "before", 1.0},
      AlertRow{"AAPL", EventTime(kT0), "sentiment_spike", "first in range", 1.0},
      AlertRow{"MSFT", EventTime(kT0 + 59999), "fear_greed_band", "last in range", 1.0},
      AlertRow{"AAPL", EventTime(kT0 + 60000), "sentiment_spike", "at the end", 1.0},
  };
  store.write_alerts(rows);
  store.delete_alerts(EventTime(kT0), EventTime(kT0 + 60000));

  Reader r(path);
  auto got = r.rows("SELECT message FROM alerts ORDER BY ts");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0][0], "before");
  EXPECT_EQ(got[1][0], "at the end");
}

TEST(SqliteServingStore, StoresSchemaVersionAndMigratesOlderFilesForward) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  {
    SqliteServingStore store(path);
    EXPECT_EQ(store.schema_version(), SqliteServingStore::kSchemaVersion);
    std::vector<ScoredPost> posts = {make_post("1", kT0, 0.3, {{"NVDA", 0.7}})};
    store.write_posts(posts);
  }
  {
    Reader r(path);
    EXPECT_EQ(r.count("schema_version"), SqliteServingStore::kSchemaVersion);
  }
  // Turn the file back into a version-1 file: drop what migration 2 added.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP INDEX topic_sentiment_avg_by_end; DROP INDEX stock_trends_by_end;"
                           "DROP INDEX alerts_by_ts; DROP TABLE indicators; DROP TABLE fear_greed;"
                           "DROP TABLE sentiment_correlation;"
                           "ALTER TABLE alerts DROP COLUMN severity;"
                           "DELETE FROM schema_version WHERE version > 1",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  {
    SqliteServingStore store(path);
    EXPECT_EQ(store.schema_version(), SqliteServingStore::kSchemaVersion);
  }
  Reader r(path);
  EXPECT_EQ(r.count("tweets"), 1) << "migration must keep existing data";
  auto idx = r.rows(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%_by_%' "
      "ORDER BY name");
  ASSERT_EQ(idx.size(), 4u);
  EXPECT_EQ(idx[0][0], "alerts_by_ts");
  EXPECT_EQ(idx[1][0], "fear_greed_by_ts");
}

// Migration 4 re-clusters tweets by time: a version-3 file (symbol-first key) keeps its rows,
// gets the time-first key, and upserts of the same (symbol, created_at, id) still replace.
TEST(SqliteServingStore, Migration4ClustersTweetsByTimeAndKeepsRows) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  { SqliteServingStore store(path); }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE tweets;"
                           "CREATE TABLE tweets (symbol TEXT NOT NULL, created_at TEXT NOT NULL,"
                           " id TEXT NOT NULL, text TEXT NOT NULL, \"user\" TEXT NOT NULL,"
                           " source TEXT NOT NULL, compound REAL NOT NULL, pos REAL NOT NULL,"
                           " neu REAL NOT NULL, neg REAL NOT NULL, label TEXT NOT NULL,"
                           " ticker_compound REAL, PRIMARY KEY (symbol, created_at, id))"
                           " WITHOUT ROWID;"
                           "INSERT INTO tweets VALUES ('AAPL', '2024-05-01T14:30:05.123Z', '7',"
                           " 'old text', 'u', 's', 0.5, 0.4, 0.6, 0, 'bullish', 0.5);"
                           "INSERT INTO tweets VALUES ('MSFT', '2024-05-01T14:30:04.000Z', '8',"
                           " 'kept', 'u', 's', -0.5, 0, 0.6, 0.4, 'bearish', NULL);"
                           "ALTER TABLE alerts DROP COLUMN severity;"
                           "DELETE FROM schema_version WHERE version > 3",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  {
    SqliteServingStore store(path);
    EXPECT_EQ(store.schema_version(), SqliteServingStore::kSchemaVersion);
    std::vector<ScoredPost> posts = {make_post("7", kT0, 0.9, {{"AAPL", 0.9}})};
    posts[0].post.text = "new text";
    store.write_posts(posts);
  }
  Reader r(path);
  auto sql = r.rows("SELECT sql FROM sqlite_master WHERE name = 'tweets'");
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_NE(sql[0][0].find("PRIMARY KEY (created_at, symbol, id)"), std::string::npos) << sql[0][0];
  auto rows = r.rows("SELECT symbol, id, text, label FROM tweets ORDER BY created_at");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"MSFT", "8", "kept", "bearish"}));
  EXPECT_EQ(rows[1][0], "AAPL");
  EXPECT_EQ(rows[1][2], "new text");
}

// Migration 5 adds alerts.severity (issue #17): a version-4 file keeps its alerts, which read as
// 'info'; new alerts keep their severity.
TEST(SqliteServingStore, Migration5AddsAlertSeverityKeepingOldAlerts) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  { SqliteServingStore store(path); }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "ALTER TABLE alerts DROP COLUMN severity;"
                           "INSERT INTO alerts VALUES ('AAPL', '2024-05-01T14:30:00.000Z',"
                           " 'sentiment_spike', 'old', 3.5);"
                           "DELETE FROM schema_version WHERE version > 4",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  {
    SqliteServingStore store(path);
    EXPECT_EQ(store.schema_version(), SqliteServingStore::kSchemaVersion);
    AlertRow a;
    a.symbol = "NVDA";
    a.ts = EventTime(kT0);
    a.kind = "trend_signal_change";
    a.message = "new";
    a.value = 2;
    a.severity = AlertSeverity::kCritical;
    store.write_alerts(std::vector<AlertRow>{a});
  }
  Reader r(path);
  auto rows = r.rows("SELECT symbol, message, severity FROM alerts ORDER BY symbol");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"AAPL", "old", "info"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"NVDA", "new", "critical"}));
}

// Checkpoints run on the background thread once the WAL passes its threshold, and every row
// stays readable from another connection.
TEST(SqliteServingStore, BackgroundCheckpointsKeepUpWithTheWriter) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteStoreOptions o;
  o.wal_checkpoint_pages = 50;
  o.wal_writer_checkpoint_pages = 1 << 30;
  size_t rows = 0;
  {
    SqliteServingStore store(path, o);
    for (int b = 0; b < 20; ++b) {
      const auto posts = testing::bench_posts(1000, b * 1000, kT0);
      rows += testing::ticker_rows(posts);
      store.write_posts(posts);
    }
    // The checkpointer runs when asked; give it the moment it needs after the last commit.
    for (int i = 0; i < 100 && store.background_checkpoints() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GT(store.background_checkpoints(), 0u);
    EXPECT_EQ(store.writer_checkpoints(), 0u);
  }
  Reader r(path);
  EXPECT_EQ(r.count("tweets"), static_cast<int64_t>(rows));
}

// With the background checkpointer never asked, the writer's own fallback still bounds the WAL:
// it stays far below the data written.
TEST(SqliteServingStore, WriterCheckpointsWhenTheWalGrowsPastItsBound) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteStoreOptions o;
  o.wal_checkpoint_pages = 1 << 30;
  o.wal_writer_checkpoint_pages = 200;  // 1.6 MB of 8 KiB pages
  SqliteServingStore store(path, o);
  uint64_t max_wal = 0;
  for (int b = 0; b < 40; ++b) {
    store.write_posts(testing::bench_posts(1000, b * 1000, kT0));
    max_wal = std::max<uint64_t>(max_wal, std::filesystem::file_size(path + "-wal"));
  }
  EXPECT_GT(store.writer_checkpoints(), 0u);
  const uint64_t db_bytes = std::filesystem::file_size(path);
  EXPECT_GT(db_bytes, 8u << 20) << "the test must write more than the WAL bound";
  EXPECT_LT(max_wal, 6u << 20) << "db " << db_bytes;
}

TEST(SqliteServingStore, RefusesAFileOfANewerSchema) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  { SqliteServingStore store(path); }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99, 'future')", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  try {
    SqliteServingStore store(path);
    FAIL() << "opening a newer schema must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
  }
}

TEST(SqliteServingStore, ReaderInAnotherProcessReadsWhileWriterHoldsTheFile) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  SqliteServingStore store(path);
  std::vector<ScoredPost> posts;
  for (int i = 0; i < 100; ++i) {
    posts.push_back(make_post(std::to_string(i), kT0 + i, 0.1, {{"AAPL", 0.1}}));
  }
  store.write_posts(posts);

  // A real second process, as `stockpulse serve` or the sqlite3 shell would be.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    sqlite3* db = nullptr;
    int code = 3;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* s = nullptr;
      code = 2;
      if (sqlite3_prepare_v2(db, "SELECT count(*) FROM tweets", -1, &s, nullptr) == SQLITE_OK &&
          sqlite3_step(s) == SQLITE_ROW) {
        code = sqlite3_column_int(s, 0) == 100 ? 0 : 1;
      }
      sqlite3_finalize(s);
    }
    sqlite3_close(db);
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: wrong count, 2: query failed, 3: open failed";

  // A reader inside an open read transaction neither blocks the writer nor sees half a batch.
  Reader r(path);
  EXPECT_EQ(r.rows("PRAGMA journal_mode")[0][0], "wal");
  r.exec("BEGIN");
  EXPECT_EQ(r.count("tweets"), 100);
  std::vector<ScoredPost> more = {make_post("new", kT0 + 5000, 0.1, {{"AAPL", 0.1}})};
  store.write_posts(more);  // would throw SQLITE_BUSY after the busy timeout without WAL
  EXPECT_EQ(r.count("tweets"), 100) << "the reader keeps its snapshot";
  r.exec("COMMIT");
  EXPECT_EQ(r.count("tweets"), 101);
  store.flush();
}

// Processes that open the same new file at once (the members of a processing group sharing one
// SQLite store) all get a working store: SQLite answers some of the locks a new file's set-up
// needs with SQLITE_BUSY at once, without calling the busy handler (seen as "database is locked"
// from `PRAGMA journal_mode = WAL` in about 2% of simultaneous opens).
TEST(SqliteServingStore, ProcessesOpeningTheSameNewFileAtOnceAllGetAWorkingStore) {
  TempDir dir;
  constexpr int kRounds = 150;
  constexpr int kProcesses = 4;
  int failed_rounds = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = dir.file("shared-" + std::to_string(round) + ".db");
    // Every child blocks on the pipe until the parent closes it, so all open at the same moment.
    int gate[2];
    ASSERT_EQ(::pipe(gate), 0);
    std::vector<pid_t> children;
    for (int c = 0; c < kProcesses; ++c) {
      const pid_t child = ::fork();
      ASSERT_GE(child, 0);
      if (child == 0) {
        ::close(gate[1]);
        char byte;
        (void)!::read(gate[0], &byte, 1);
        try {
          SqliteServingStore store(path);
          std::vector<ScoredPost> posts = {
              make_post("p" + std::to_string(c), kT0 + c, 0.1, {{"AAPL", 0.1}})};
          store.write_posts(posts);
          store.flush();
        } catch (const std::exception& e) {
          std::fprintf(stderr, "%s\n", e.what());
          ::_exit(1);
        }
        ::_exit(0);
      }
      children.push_back(child);
    }
    ::close(gate[0]);
    ::close(gate[1]);
    int failed = 0;
    for (const pid_t child : children) {
      int status = 0;
      ASSERT_EQ(::waitpid(child, &status, 0), child);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
    if (failed > 0) {
      ++failed_rounds;
      continue;
    }
    Reader r(path);
    EXPECT_EQ(r.count("tweets"), kProcesses) << "round " << round;
    EXPECT_EQ(r.rows("PRAGMA journal_mode")[0][0], "wal") << "round " << round;
  }
  EXPECT_EQ(failed_rounds, 0) << "rounds in which a process could not open the store (its error "
                                 "is on stderr)";
}

TEST(OpenServingStore, OpensSqliteAndNoneUrls) {
  TempDir dir;
  auto store = open_serving_store("sqlite:" + dir.file("a.db"));
  ASSERT_NE(store, nullptr);
  std::vector<Bar> bars = {make_bar("AAPL", kT0, 1)};
  store->write_bars(bars);
  store->flush();
  Reader r(dir.file("a.db"));
  EXPECT_EQ(r.count("market_data"), 1);

  auto slashes = open_serving_store("sqlite://" + dir.file("b.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("b.db")));

  auto none = open_serving_store("none");
  ASSERT_NE(none, nullptr);
  none->write_bars(bars);
  none->flush();
}

std::optional<std::string> open_error(const std::string& url) {
  try {
    open_serving_store(url);
  } catch (const std::runtime_error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

TEST(OpenServingStore, BadUrlsAndUnopenableFilesThrowClearErrors) {
  auto e = open_error("mysql://localhost/db");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->find("mysql://localhost/db"), std::string::npos) << *e;

  e = open_error("sqlite:");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->find("no file path"), std::string::npos) << *e;

  e = open_error("sqlite:/nonexistent-dir-for-sp-tests/x.db");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->find("/nonexistent-dir-for-sp-tests/x.db"), std::string::npos) << *e;

  TempDir dir;
  {
    std::ofstream garbage(dir.file("not_a_db"));
    garbage << "this is not a SQLite database, just some text that is long enough to matter\n";
  }
  e = open_error("sqlite:" + dir.file("not_a_db"));
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->find("not_a_db"), std::string::npos) << *e;
}

}  // namespace

TEST(SqliteServingStore, AnalyticsTablesUpsertByKey) {
  TempDir dir;
  const std::string path = dir.file("serving.db");
  {
    SqliteServingStore store(path);
    IndicatorRow ind;
    ind.symbol = "AAPL";
    ind.ts = EventTime(1714572000000);
    ind.close = 170.5;
    ind.rsi_14 = 55.25;  // ema and sma stay NaN: not enough minutes yet
    std::vector<IndicatorRow> inds{ind, ind};
    inds[1].close = 171.0;  // same key: the later row wins
    store.write_indicators(inds);
    FearGreedRow fg;
    fg.symbol = "*";
    fg.ts = EventTime(1714572300000);
    fg.score = 62.5;
    fg.band = "greed";
    fg.sentiment = 70;
    std::vector<FearGreedRow> fgs{fg};
    store.write_fear_greed(fgs);
    fgs[0].score = 30;
    fgs[0].band = "fear";
    store.write_fear_greed(fgs);
    CorrelationRow c;
    c.symbol = "AAPL";
    c.ts = EventTime(1714572300000);
    c.r_lag0 = 0.25;
    c.pairs_lag0 = 40;
    c.best_lag = 2;
    c.best_r = 0.5;
    c.pairs_best = 38;
    std::vector<CorrelationRow> cs{c};
    store.write_correlations(cs);
  }
  Reader r(path);
  EXPECT_EQ(r.count("indicators"), 1);
  auto ind = r.rows("SELECT symbol, ts, close, rsi_14, ema_20, sma_50 FROM indicators");
  ASSERT_EQ(ind.size(), 1u);
  EXPECT_EQ(ind[0][1], "2024-05-01T14:00:00.000Z");
  EXPECT_EQ(std::stod(ind[0][2]), 171.0);
  EXPECT_EQ(std::stod(ind[0][3]), 55.25);
  EXPECT_EQ(ind[0][4], "NULL");
  EXPECT_EQ(ind[0][5], "NULL");
  auto fg = r.rows("SELECT symbol, score, band FROM fear_greed");
  ASSERT_EQ(fg.size(), 1u);
  EXPECT_EQ(fg[0][0], "*");
  EXPECT_EQ(std::stod(fg[0][1]), 30.0);
  EXPECT_EQ(fg[0][2], "fear");
  EXPECT_EQ(r.rows("SELECT best_lag, pairs_best FROM sentiment_correlation")[0],
            (std::vector<std::string>{"2", "38"}));
}

}  // namespace stockpulse
