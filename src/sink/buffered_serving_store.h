#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "sink/buffer_options.h"
#include "sink/serving_store.h"

namespace stockpulse {

// Makes any ServingStore survive its database being down: a decorator that queues each write_*
// batch (copied) in a bounded in-memory buffer and delivers them, in order, to the inner store
// from its own thread. A failed delivery (the inner store throws, e.g. ClickHouse unreachable)
// is retried with exponential back-off until it succeeds; meanwhile writes keep queueing, and
// when the buffer is full write_* blocks, so the pipeline slows down instead of dropping rows.
// When the store returns, the backlog is written in the order it was accepted, per table: the
// queued batches of one table are merged into one write (up to BufferOptions::merge_rows), which
// skips over other tables' batches but never across a flush() or delete_alerts(). Re-delivering a
// batch that was partly written is harmless because every serving-table write is an upsert.
//
// Lifecycle: takes ownership of the inner store and starts the delivery thread; flush() waits
// until everything accepted so far is delivered and the inner store flushed; close() (and the
// destructor, with BufferOptions::close_timeout) delivers what it can in the time given, then
// stops the thread. Only the delivery thread touches the inner store.
// Thread-safety: write_*/flush are meant for one pipeline thread (as every ServingStore);
// counters(), last_error() and drain() may be called from any thread.
class BufferedServingStore final : public ServingStore {
 public:
  BufferedServingStore(std::unique_ptr<ServingStore> inner, BufferOptions options = {});
  ~BufferedServingStore() override;
  BufferedServingStore(const BufferedServingStore&) = delete;
  BufferedServingStore& operator=(const BufferedServingStore&) = delete;

  void write_posts(std::span<const ScoredPost> posts) override;
  void write_bars(std::span<const Bar> bars) override;
  void write_sentiment_windows(std::span<const SentimentWindowRow> rows) override;
  void write_market_windows(std::span<const MarketWindowRow> rows) override;
  void write_alerts(std::span<const AlertRow> rows) override;
  void write_indicators(std::span<const IndicatorRow> rows) override;
  void write_fear_greed(std::span<const FearGreedRow> rows) override;
  void write_correlations(std::span<const CorrelationRow> rows) override;
  void delete_alerts(EventTime since, EventTime until) override;
  // Blocks until every write accepted before it is delivered and the inner store flushed
  // (for as long as the store is down).
  void flush() override;

  // Waits up to timeout for the buffer to empty; true when it did.
  bool drain(std::chrono::milliseconds timeout);
  // Delivers for up to timeout, then stops the delivery thread; returns the rows still
  // undelivered (lost). Writes after close() are not accepted (they throw).
  uint64_t close(std::chrono::milliseconds timeout);

  BufferedStoreCounters counters() const;
  // The most recent delivery error ("" if none yet).
  std::string last_error() const;

 private:
  struct FlushMarker {
    uint64_t seq;
  };
  struct AlertDeletion {
    EventTime since;
    EventTime until;
  };
  using Batch =
      std::variant<std::vector<ScoredPost>, std::vector<Bar>, std::vector<SentimentWindowRow>,
                   std::vector<MarketWindowRow>, std::vector<AlertRow>, std::vector<IndicatorRow>,
                   std::vector<FearGreedRow>, std::vector<CorrelationRow>, FlushMarker,
                   AlertDeletion>;
  struct Item {
    Batch batch;
    uint64_t rows = 0;
    uint64_t bytes = 0;
  };

  template <class T>
  void enqueue(std::span<const T> rows);
  void push(Item item);
  void run();
  // Moves the next batch to deliver (the front item merged with the queued items of the same
  // table, up to the first barrier) out of the queue. Requires the lock.
  Item take_next();
  // One attempt; empty on success, the error otherwise.
  std::string deliver(Item& item);

  std::unique_ptr<ServingStore> inner_;
  BufferOptions options_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // delivery thread: new item, or stop
  std::condition_variable space_cv_;  // writers, flush and drain: progress was made
  std::deque<Item> queue_;
  bool in_flight_ = false;
  bool stopping_ = false;
  bool closed_ = false;
  uint64_t flush_requested_ = 0;
  uint64_t flush_done_ = 0;
  BufferedStoreCounters counters_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace stockpulse
