#pragma once

#include <memory>
#include <span>
#include <string>

#include "common/events.h"
#include "common/rows.h"
#include "sink/buffer_options.h"

namespace stockpulse {

// Where the pipeline's results are served from (docs/design.md §7): the tables the dashboard and
// the query API read. Every write is an upsert by the table's key, so writing the same row twice is
// harmless and the newest values win:
//
//   table                 key                                  written by
//   tweets                (symbol, created_at, id)             write_posts (one row per ticker)
//   market_data           (symbol, ts)                         write_bars
//   topic_sentiment_avg   (symbol, window_start, window_end)   write_sentiment_windows
//   stock_trends          (symbol, window_start, window_end)   write_market_windows
//   alerts                (symbol, ts, kind)                   write_alerts
//
// Timestamps are stored as ISO-8601 UTC text with milliseconds and a `Z`
// ("2024-05-01T14:30:05.123Z"): fixed width, so text order is time order and range queries on
// the key columns work. See src/sink/README.md for every column.
//
// Lifecycle: obtained from open_serving_store(); the schema exists once it returns. Each write_*
// call is durable on return as far as the implementation promises (SQLite: committed in WAL mode
// with synchronous=NORMAL). flush() makes buffered work visible; destroy to close.
// Thread-safety: implementations are NOT thread-safe; use one writer thread per store.
// Storage failures mid-run (disk full, a corrupt file) throw std::runtime_error: the pipeline
// cannot keep its guarantees without its store, so this is treated as a broken invariant.
class ServingStore {
 public:
  virtual ~ServingStore() = default;

  // Table `tweets`: one row per (post, ticker it mentions), holding the whole post's scores and
  // label plus the ticker's clause score in `ticker_compound`. A post mentioning no ticker gets
  // one row with symbol '' and ticker_compound NULL.
  virtual void write_posts(std::span<const ScoredPost> posts) = 0;
  // Table `market_data`.
  virtual void write_bars(std::span<const Bar> bars) = 0;
  // Table `topic_sentiment_avg`; the histogram is stored as JSON array text.
  virtual void write_sentiment_windows(std::span<const SentimentWindowRow> rows) = 0;
  // Table `stock_trends`; trend_signal as text (BULLISH/BEARISH/NEUTRAL).
  virtual void write_market_windows(std::span<const MarketWindowRow> rows) = 0;
  // Table `alerts`.
  virtual void write_alerts(std::span<const AlertRow> rows) = 0;
  // `indicators`, key (symbol, ts).
  virtual void write_indicators(std::span<const IndicatorRow> rows) = 0;
  // `fear_greed`, key (symbol, ts).
  virtual void write_fear_greed(std::span<const FearGreedRow> rows) = 0;
  // `sentiment_correlation`, key (symbol, ts).
  virtual void write_correlations(std::span<const CorrelationRow> rows) = 0;
  // Deletes the alerts with ts in [since, until). `stockpulse backfill` replaces the alerts of the
  // range it re-processes: an alert that no longer fires must not stay behind. Ordered with the
  // writes around it (a write after it is not deleted).
  virtual void delete_alerts(EventTime since, EventTime until) = 0;
  // Makes everything written so far visible and checkpointed as far as the store can.
  virtual void flush() = 0;
};

// Opens a serving store by URL:
//   "sqlite:PATH" (also "sqlite://PATH")  a SQLite file, created with its schema if missing;
//   "clickhouse://[USER[:PASSWORD]@]HOST:PORT/DB"
//                                         ClickHouse over HTTP (ClickHouseServingStore), its
//                                         schema created if missing, behind a
//                                         BufferedServingStore configured by `buffer` (retries
//                                         with back-off; blocks when the buffer is full);
//   "none"                                a store that discards everything.
// Throws std::runtime_error with a message naming the URL when the URL is not understood or the
// store cannot be opened (a start-up error).
std::unique_ptr<ServingStore> open_serving_store(const std::string& url,
                                                 const BufferOptions& buffer = {});

}  // namespace stockpulse
