#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "serve/api_query.h"

struct sqlite3;
struct sqlite3_stmt;

namespace stockpulse {

// Why a read failed. Every value maps to an HTTP status in HttpServer.
enum class ReadErrorCode : uint8_t {
  kBadRequest,   // the query is valid syntax but not for this route (e.g. no symbol for candles)
  kUnavailable,  // SQLite said busy/locked or the file is being replaced: retry later (503)
  kInternal,     // anything else SQLite reported (500)
};

struct ReadError {
  ReadErrorCode code;
  std::string message;
};

// One window row the store poller compares with what it last published.
struct LatestRow {
  std::string key;   // table + symbol + window_start + window_end, or alert key
  std::string json;  // the row as the matching LiveHub event carries it
};

// Read-only queries over the SQLite serving store (schema: src/sink/README.md) for the query API
// and the dashboard. Every method returns one JSON document as text; rows are encoded with the
// column names as keys (histogram as an array, is_final as a boolean), in ascending time order;
// when more rows match than `limit`, the latest `limit` are kept and "truncated" is true.
//
// Lifecycle: the constructor opens PATH read-only (SQLITE_OPEN_READONLY; WAL lets it read while
// the pipeline writes) and prepares every statement, throwing std::runtime_error if the file does
// not exist or lacks the serving tables. The destructor closes it.
// Thread-safety: thread-safe; one connection serialised by a mutex (queries take microseconds to
// a few milliseconds, and the server has at most two threads).
class ServingReader {
 public:
  explicit ServingReader(const std::string& path);
  ~ServingReader();
  ServingReader(const ServingReader&) = delete;
  ServingReader& operator=(const ServingReader&) = delete;

  using Json = Result<std::string, ReadError>;

  // {"symbols":[{"symbol","trend":{stock_trends row}|null,"sentiment":{...}|null,
  //   "last_bar":{market_data row}|null}], "market":{the "*" sentiment row}|null}
  Json symbols();
  // {"rows":[topic_sentiment_avg rows], "limit", "truncated"}; from/to bound window_start.
  // Without `symbol`, every symbol including "*" (the whole market).
  Json sentiment(const ApiQuery& q);
  // Same over stock_trends.
  Json trends(const ApiQuery& q);
  // {"symbol","candles":[market_data rows]}; symbol required; from/to bound ts.
  Json candles(const ApiQuery& q);
  // {"symbol","source","rows":[{"ts","close","rsi_14","ema_20","sma_50"}]}. Symbol required.
  // source "stored": the `indicators` table (schema v3) has rows for the symbol and they are
  // returned as stored. source "computed": the store has none (an older store, or a pipeline that
  // does not write them), so they are computed here from market_data closes with IndicatorState
  // (src/analytics), with up to kIndicatorWarmup earlier bars fed first ("warmup_bars").
  Json indicators(const ApiQuery& q);
  // Fear & Greed (formula in src/analytics/README.md): {"source","market":reading|null,
  // "symbols":[latest reading per symbol],"history":[market readings, or the symbol's when
  // `symbol` is given]}, a reading being {symbol?,minute,score,band,sentiment,bullish,momentum,
  // volatility,volume}. source "stored": read from the `fear_greed` table (schema v3) when it has
  // rows. source "computed": otherwise FearGreedIndex is replayed here over each symbol's
  // sentiment and market windows of the last kFearGreedHistoryMinutes minutes before `to`.
  Json fear_greed(const ApiQuery& q);
  // {"rows":[alerts rows]} (ascending ts); symbol optional; from/to bound ts.
  Json alerts(const ApiQuery& q);

  // "ok", or the SQLite error: used by /healthz.
  Result<int64_t, ReadError> schema_version();
  // PRAGMA data_version: changes whenever another connection commits.
  Result<int64_t, ReadError> data_version();
  // Window rows whose window_end is within `lookback_ms` of the table's newest window_end, as
  // LiveHub "sentiment" or "trend" JSON; `trends` selects stock_trends.
  Result<std::vector<LatestRow>, ReadError> latest_windows(bool trends, int64_t lookback_ms);
  // Alerts with ts > after_ts (ISO text; "" for all), oldest first, at most `limit`.
  Result<std::vector<LatestRow>, ReadError> alerts_after(const std::string& after_ts, int limit);

  static constexpr int kIndicatorWarmup = 200;
  static constexpr int kFearGreedHistoryMinutes = 60;

 private:
  struct StatementDeleter {
    void operator()(sqlite3_stmt* s) const;
  };
  using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

  Statement prepare(const char* sql);
  // nullptr when the statement does not compile (a table of a newer schema version is missing).
  Statement prepare_optional(const char* sql);
  Json stored_indicators(const ApiQuery& q);
  Json stored_fear_greed(const ApiQuery& q, const std::vector<std::string>& names);
  Result<bool, ReadError> has_rows(sqlite3_stmt* any, const std::string* symbol);
  // Finalizes every statement, then closes the connection (statements must go first).
  void close();
  Json window_rows(sqlite3_stmt* by_symbol, sqlite3_stmt* all, const ApiQuery& q);
  Result<bool, ReadError> latest_row(sqlite3_stmt* stmt, const std::string& symbol,
                                     std::string& out);
  ReadError error(int rc) const;

  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  Statement symbols_;
  Statement latest_trend_;
  Statement latest_sentiment_;
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
