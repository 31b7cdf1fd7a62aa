#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/named_type.h"
#include "common/result.h"
#include "serve/api_query.h"
#include "serve/symbols_query.h"

namespace stockpulse {

// Why a read failed. Every value maps to an HTTP status in HttpServer.
enum class ReadErrorCode : uint8_t {
  kBadRequest,   // the query is valid syntax but not for this route (e.g. no symbol for candles)
  kUnavailable,  // the store is busy, locked or unreachable: retry later (503)
  kInternal,     // anything else the store reported (500)
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

// The row sets the query API reads. Each names a table, the columns returned (as JSON keys, in
// this order) and the time column that from/to bound.
enum class RowSet : uint8_t {
  kSentimentWindows,  // topic_sentiment_avg, every column; time column window_start
  kMarketWindows,     // stock_trends, every column; window_start
  kBars,              // market_data, every column; ts
  kAlerts,            // alerts, every column; ts
  kIndicators,        // indicators: ts, close, rsi_14, ema_20, sma_50; ts
  kFearGreed,         // fear_greed: symbol, minute (its ts), score, band, sentiment, bullish,
                      //   momentum, volatility, volume; ts
  kFearGreedHistory,  // kFearGreed without symbol
};

// The stock_trends fields the Fear & Greed replay needs.
struct MarketWindowInput {
  EventTime window_end;
  double open = 0;
  double close = 0;
  double volatility = 0;
  double avg_volume = 0;
};

// The topic_sentiment_avg fields the Fear & Greed replay needs.
struct SentimentWindowInput {
  EventTime window_end;
  int64_t tweet_count = 0;
  double sentiment_score_avg = 0;
  double bullish_share = 0;
};

// Read-only queries over a serving store (schema: src/sink/README.md) for the query API and the
// dashboard. Every public JSON method returns one document as text; rows are encoded with the
// column names as keys (histogram as an array, is_final as a boolean, NULL/NaN as null), in
// ascending time order; when more rows match than `limit`, the latest `limit` are kept and
// "truncated" is true.
//
// This class is the interface the server and the poller use, with two implementations chosen by
// open_serving_reader(url): SqliteServingReader (sqlite:PATH) and ClickHouseServingReader
// (clickhouse://HOST:PORT/DB). The documents are assembled here, once, from a small set of
// protected queries each store answers in its own SQL, so both stores give byte-identical JSON
// for the same rows.
//
// Lifecycle: made by open_serving_reader() or an implementation's constructor, which throw
// std::runtime_error when the store cannot be opened or is not a serving store.
// Thread-safety: implementations must be thread-safe (the HTTP server's threads and the poller
// call concurrently).
class ServingReader {
 public:
  virtual ~ServingReader() = default;
  ServingReader() = default;
  ServingReader(const ServingReader&) = delete;
  ServingReader& operator=(const ServingReader&) = delete;

  using Json = Result<std::string, ReadError>;

  // {"symbols":[{"symbol","trend":{stock_trends row}|null,"sentiment":{...}|null,
  //   "last_bar":{market_data row}|null,"mentions","has_prices","watched"}],
  //  "market":{the "*" sentiment row}|null,"total","offset","limit","sort","watch_list":[...],
  //  "badges"};
  // the window rows are each symbol's trailing window (latest_rows). One page of the symbols
  // starting with q.prefix ("total" of them), in q.sort order. mentions = the sum of tweet_count
  // over the symbol's topic_sentiment_avg windows starting within kActivityLookbackMs of the
  // newest "*" window start (every window when the store has no "*" row); has_prices = it has
  // market_data rows; watched = it is in view.watch_list.
  Json symbols(const SymbolsQuery& q = {}, const SymbolsView& view = {});
  // {"rows":[topic_sentiment_avg rows], "limit", "truncated"}; from/to bound window_start.
  // Without `symbol`, every symbol including "*" (the whole market).
  Json sentiment(const ApiQuery& q);
  // Same over stock_trends.
  Json trends(const ApiQuery& q);
  // {"symbol","candles":[market_data rows]}; symbol required; from/to bound ts.
  Json candles(const ApiQuery& q);
  // {"symbol","source","rows":[{"ts","close","rsi_14","ema_20","sma_50"}]}. Symbol required.
  // source "stored": the `indicators` table has rows for the symbol and they are returned as
  // stored. source "computed": the store has none (an older store, or a pipeline that does not
  // write them), so they are computed here from market_data closes with IndicatorState
  // (src/analytics), with up to kIndicatorWarmup earlier bars fed first ("warmup_bars").
  Json indicators(const ApiQuery& q);
  // Fear & Greed (formula in src/analytics/README.md): {"source","market":reading|null,
  // "symbols":[latest reading per symbol],"history":[market readings, or the symbol's when
  // `symbol` is given]}, a reading being {symbol?,minute,score,band,sentiment,bullish,momentum,
  // volatility,volume}. source "stored": read from the `fear_greed` table when it has rows.
  // source "computed": otherwise FearGreedIndex is replayed here over each symbol's sentiment
  // and market windows of the last kFearGreedHistoryMinutes minutes before `to`.
  Json fear_greed(const ApiQuery& q);
  // {"rows":[alerts rows]} (ascending ts); symbol optional; from/to bound ts.
  Json alerts(const ApiQuery& q);

  // The store's schema version: used by /healthz (an error means the store is unreachable).
  virtual Result<int64_t, ReadError> schema_version() = 0;
  // An opaque token that changes whenever a writer may have committed new rows (SQLite: PRAGMA
  // data_version; ClickHouse: the newest part of each table). Equal tokens mean nothing changed.
  virtual Result<std::string, ReadError> change_token() = 0;
  // Window rows whose window_end is within `lookback_ms` of the table's newest window_end, as
  // LiveHub "sentiment" or "trend" JSON; `trends` selects stock_trends.
  virtual Result<std::vector<LatestRow>, ReadError> latest_windows(bool trends,
                                                                   int64_t lookback_ms) = 0;
  // Alerts with ts > after_ts (ISO text; "" for all), oldest first, at most `limit`. Each key is
  // the alert's ts.
  virtual Result<std::vector<LatestRow>, ReadError> alerts_after(const std::string& after_ts,
                                                                 int limit) = 0;

  static constexpr int kIndicatorWarmup = 200;
  static constexpr int kFearGreedHistoryMinutes = 60;
  static constexpr int64_t kActivityLookbackMs = 7LL * 24 * 3600 * 1000;

 protected:
  // The queries the documents are built from. Rows are JSON objects (the shape of the RowSet).

  // Every symbol of stock_trends, topic_sentiment_avg and market_data, "*" included, in
  // ascending byte order, each once.
  virtual Result<std::vector<std::string>, ReadError> symbol_names() = 0;
  // Per symbol (ascending, "*" included) the sum of tweet_count over its topic_sentiment_avg
  // windows with window_start >= since (every window when nullopt); symbols without such windows
  // are left out.
  virtual Result<std::vector<std::pair<std::string, int64_t>>, ReadError> symbol_mentions(
      std::optional<EventTime> since) = 0;
  // Every symbol of market_data, ascending, each once.
  virtual Result<std::vector<std::string>, ReadError> priced_symbols() = 0;
  // For each of `symbols` (same order), one row or nullopt. kBars and kFearGreed: the row with
  // the newest time, before `before` when given. kMarketWindows and kSentimentWindows (`before`
  // not used): the symbol's trailing window, the one ending first among the windows that end
  // after its newest window_start. With sliding windows that is the full-length window holding
  // the newest data ("the last 5 minutes"); the newer windows hold only the newest panes and end
  // in the future, so their counts and spreads are partial. With tumbling windows it is the
  // newest window.
  virtual Result<std::vector<std::optional<std::string>>, ReadError> latest_rows(
      RowSet set, const std::vector<std::string>& symbols, std::optional<EventTime> before) = 0;
  // Up to `limit` rows with from <= time < to, NEWEST first: by symbol ordered by time (windows:
  // window_start, then window_end, both descending); without symbol, windows by window_end
  // descending then symbol, alerts by ts, symbol, kind descending. kBars, kIndicators and
  // kFearGreedHistory always get a symbol.
  virtual Result<std::vector<std::string>, ReadError> newest_rows(
      RowSet set, const std::optional<std::string>& symbol, std::optional<EventTime> from,
      std::optional<EventTime> to, int limit) = 0;
  // Whether kIndicators (for `symbol`) or kFearGreed (any symbol when nullptr) has a row; false
  // when the table does not exist in this store.
  virtual Result<bool, ReadError> has_rows(RowSet set, const std::string* symbol) = 0;
  // Up to `limit` (ts as ISO text, close) of market_data with ts < to, newest first.
  virtual Result<std::vector<std::pair<std::string, double>>, ReadError> closes(
      const std::string& symbol, std::optional<EventTime> to, int limit) = 0;
  // The newest window_start before `before` over stock_trends and topic_sentiment_avg.
  virtual Result<std::optional<EventTime>, ReadError> latest_window_start(
      const std::string& symbol, std::optional<EventTime> before) = 0;
  // Windows of `symbol` with lo <= window_start <= hi, ordered by window_start, window_end.
  virtual Result<std::vector<MarketWindowInput>, ReadError> market_window_inputs(
      const std::string& symbol, EventTime lo, EventTime hi) = 0;
  virtual Result<std::vector<SentimentWindowInput>, ReadError> sentiment_window_inputs(
      const std::string& symbol, EventTime lo, EventTime hi) = 0;

 private:
  Json window_rows(RowSet set, const ApiQuery& q);
  Json stored_fear_greed(const ApiQuery& q, const std::vector<std::string>& names);
};

// Opens a serving store read-only by URL:
//   "sqlite:PATH", "sqlite://PATH" or a bare PATH   SqliteServingReader;
//   "clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DB" ClickHouseServingReader, the user and
//                                                   password taken from CLICKHOUSE_USER and
//                                                   CLICKHOUSE_PASSWORD when the URL has none.
// Throws std::runtime_error naming the URL when the store cannot be opened (a start-up error).
std::unique_ptr<ServingReader> open_serving_reader(const std::string& url);

}  // namespace stockpulse
