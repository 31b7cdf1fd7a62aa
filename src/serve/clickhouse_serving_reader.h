#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "serve/serving_reader.h"
#include "sink/clickhouse_client.h"

namespace stockpulse {

// ServingReader over the ClickHouse serving store (`clickhouse://HOST:PORT/DB`, written by
// ClickHouseServingStore in scale-out runs), over ClickHouse's HTTP interface. It answers with
// the same JSON as SqliteServingReader for the same rows:
//  - tables are ReplacingMergeTree, so a key may have several rows until a merge: every row read
//    uses FINAL, which keeps the newest version per key;
//  - a time column X is stored as X DateTime + X_ms UInt16 (18.16 has no DateTime64); rows are
//    read as TabSeparatedWithNamesAndTypes and the pair is turned back into the ISO text the
//    SQLite store holds, so JSON keys and values match; from/to become (X, X_ms) comparisons;
//  - only SQL that ClickHouse 18.16 (Debian) understands: FINAL, LIMIT n BY, no window
//    functions, no DateTime64; settings as URL parameters.
// The change token for the store poller is, per table, the newest block number, part count and
// row count of its active parts (system.parts): every INSERT makes a new part.
//
// Lifecycle: the constructor checks the server answers and reads the tables' columns from
// system.columns, throwing std::runtime_error (naming the URL, never the password) when it is
// unreachable or the serving tables are missing (`indicators`, `fear_greed` are optional).
// Thread-safety: thread-safe; one ClickHouseClient (one kept-alive connection) behind a mutex.
class ClickHouseServingReader final : public ServingReader {
 public:
  // "clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DB"; without credentials in the URL the
  // environment's CLICKHOUSE_USER and CLICKHOUSE_PASSWORD are used when set.
  explicit ClickHouseServingReader(const std::string& url);
  explicit ClickHouseServingReader(ClickHouseOptions options);
  ~ClickHouseServingReader() override;

  Result<int64_t, ReadError> schema_version() override;
  Result<std::string, ReadError> change_token() override;
  Result<std::vector<LatestRow>, ReadError> latest_windows(bool trends,
                                                           int64_t lookback_ms) override;
  Result<std::vector<LatestRow>, ReadError> alerts_after(const std::string& after_ts,
                                                         int limit) override;

  // A parsed TabSeparatedWithNamesAndTypes answer; a NULL field is nullopt.
  using Answer = ClickHouseRows;

 protected:
  Result<std::vector<std::string>, ReadError> symbol_names() override;
  Result<std::vector<std::pair<std::string, int64_t>>, ReadError> symbol_mentions(
      std::optional<EventTime> since) override;
  Result<std::vector<std::string>, ReadError> priced_symbols() override;
  Result<std::vector<std::optional<std::string>>, ReadError> latest_rows(
      RowSet set, const std::vector<std::string>& symbols,
      std::optional<EventTime> before) override;
  Result<std::vector<std::string>, ReadError> newest_rows(RowSet set,
                                                          const std::optional<std::string>& symbol,
                                                          std::optional<EventTime> from,
                                                          std::optional<EventTime> to,
                                                          int limit) override;
  Result<bool, ReadError> has_rows(RowSet set, const std::string* symbol) override;
  Result<std::vector<std::pair<std::string, double>>, ReadError> closes(const std::string& symbol,
                                                                        std::optional<EventTime> to,
                                                                        int limit) override;
  Result<std::optional<EventTime>, ReadError> latest_window_start(
      const std::string& symbol, std::optional<EventTime> before) override;
  Result<std::vector<MarketWindowInput>, ReadError> market_window_inputs(const std::string& symbol,
                                                                         EventTime lo,
                                                                         EventTime hi) override;
  Result<std::vector<SentimentWindowInput>, ReadError> sentiment_window_inputs(
      const std::string& symbol, EventTime lo, EventTime hi) override;

 private:
  // Runs one SELECT (FORMAT is appended) and parses the answer.
  Result<Answer, ReadError> select(const std::string& sql);
  Result<std::string, ReadError> send(const std::string& sql);
  // The SELECT list of a row set: the table's columns as SQLite has them (times as X, X_ms),
  // without `version`.
  std::string select_list(RowSet set) const;
  bool has_table(const std::string& table) const { return columns_.count(table) > 0; }
  // The SELECT of each symbol's trailing window (ServingReader::latest_rows) of a window table.
  std::string trailing_windows_sql(RowSet set, const std::vector<std::string>& symbols) const;

  std::mutex mutex_;
  ClickHouseClient client_;                                  // guarded by mutex_
  std::map<std::string, std::vector<std::string>> columns_;  // table -> column names, in order
};

}  // namespace stockpulse
