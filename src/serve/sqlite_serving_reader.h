#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "serve/serving_reader.h"

struct sqlite3;
struct sqlite3_stmt;

namespace stockpulse {

// ServingReader over the SQLite serving store (`sqlite:PATH`, written by SqliteServingStore):
// one read-only connection with every statement prepared once. WAL mode lets it read the last
// committed batch while the pipeline writes.
//
// Lifecycle: the constructor opens PATH read-only (SQLITE_OPEN_READONLY) and prepares every
// statement, throwing std::runtime_error if the file does not exist or lacks the serving tables
// (the schema v3 tables `indicators` and `fear_greed` are optional). The destructor closes it.
// Thread-safety: thread-safe; the one connection is serialised by a mutex (queries take
// microseconds to a few milliseconds, and the server has at most two threads).
class SqliteServingReader final : public ServingReader {
 public:
  explicit SqliteServingReader(const std::string& path);
  ~SqliteServingReader() override;

  Result<int64_t, ReadError> schema_version() override;
  // PRAGMA data_version as text: it changes whenever another connection commits.
  Result<std::string, ReadError> change_token() override;
  Result<std::vector<LatestRow>, ReadError> latest_windows(bool trends,
                                                           int64_t lookback_ms) override;
  Result<std::vector<LatestRow>, ReadError> alerts_after(const std::string& after_ts,
                                                         int limit) override;

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
  struct StatementDeleter {
    void operator()(sqlite3_stmt* s) const;
  };
  using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

  Statement prepare(const char* sql);
  // nullptr when the statement does not compile (a table of a newer schema version is missing).
  Statement prepare_optional(const char* sql);
  // Finalizes every statement, then closes the connection (statements must go first).
  void close();
  ReadError error(int rc) const;
  // The trailing window of `symbol` (see ServingReader::latest_rows) from the statements of one
  // window table, or nullopt when the symbol has none. The caller holds mutex_.
  Result<std::optional<std::string>, ReadError> trailing_window(sqlite3_stmt* span,
                                                                sqlite3_stmt* trailing,
                                                                const std::string& symbol);
  template <class Row>
  using RowValue = typename std::invoke_result_t<Row, sqlite3_stmt*>::value_type;
  // Binds params to ?1, ?2, ... (std::string; std::optional<std::string>, nullopt as NULL; int),
  // steps s to its end and returns the values row(s) gives for its rows (nullopt: skip the row),
  // or the error of a failed step. Resets s however it ends. The caller holds mutex_.
  template <class Row, class... Params>
  auto rows(sqlite3_stmt* s, Row&& row, const Params&... params)
      -> Result<std::vector<RowValue<Row>>, ReadError>;

  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  Statement symbols_;
  Statement mentions_;
  Statement priced_;
  Statement newest_trend_span_;
  Statement newest_sentiment_span_;
  Statement trailing_trend_;
  Statement trailing_sentiment_;
  Statement latest_bar_;
  Statement sentiment_by_symbol_;
  Statement sentiment_all_;
  Statement trends_by_symbol_;
  Statement trends_all_;
  Statement candles_;
  Statement closes_;
  Statement fg_trends_;
  Statement fg_sentiment_;
  Statement fg_latest_start_;
  Statement alerts_by_symbol_;
  Statement alerts_all_;
  Statement alerts_after_;
  Statement schema_version_;
  Statement data_version_;
  Statement max_trend_end_;
  Statement max_sentiment_end_;
  Statement trends_since_;
  Statement sentiment_since_;
  Statement stored_indicators_any_;
  Statement stored_indicators_;
  Statement stored_fg_any_;
  Statement stored_fg_latest_;
  Statement stored_fg_history_;
};

}  // namespace stockpulse
