#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/alert_detector.h"
#include "analytics/correlation_tracker.h"
#include "analytics/fear_greed_index.h"
#include "analytics/indicator_state.h"
#include "common/events.h"
#include "common/rows.h"
#include "pipeline/stage_batches.h"

namespace stockpulse {

// The analytics that follow the windows (docs/design.md §6): per-minute indicators, the rolling
// sentiment/return correlation, Fear & Greed per symbol and for the market, and alerts.
//
// They join the two streams, so they run on whole slide intervals [E - slide, E) once BOTH engine
// watermarks have passed E: by then every final window ending at E is known, and no accepted
// event can still fall before E. Intervals are processed in time order, symbols in byte order, so
// the results depend only on the input (file mode stays deterministic).
//
// Lifecycle: the window thread feeds accepted events and final windows, then calls advance() after
// raising the watermarks and flush() at the end. save()/restore() checkpoint everything it holds
// (pending intervals, indicators, correlation, Fear & Greed, alerts, counters), so a pipeline that
// restores it together with its window engines and input positions produces exactly the rows of
// an uninterrupted run. Not thread-safe: window thread only.
class SignalStage {
 public:
  // market_wide=false leaves out the whole-market Fear & Greed row ("*") and its alerts: a stage
  // that sees only some symbols (one Kafka partition of them) cannot compute it.
  explicit SignalStage(int64_t slide_ms, bool market_wide = true, AlertConfig alerts = {});

  void on_post(const ScoredPost& p);  // per-minute sentiment of each ticker and of "*"
  // One post's sentiment for one key ("*" or a ticker): on_post() is on_mention() for "*" with
  // the overall score and for each ticker with its clause score.
  void on_mention(const std::string& symbol, EventTime t, double compound);
  void on_bar(const Bar& b);  // per-minute close
  // partial: the window did not close with the watermark (the end-of-input flush emitted it); its
  // interval's analytics rows are computed as usual but raise no alert.
  void on_final(const SentimentWindowRow& r, bool partial = false);
  void on_final(const MarketWindowRow& r, bool partial = false);

  // Processes every interval ending at or before `ready` (the lower of the two engine
  // watermarks) and appends the results to `out`.
  void advance(EventTime ready, SinkBatch& out);
  // End of input: everything still pending.
  void flush(SinkBatch& out) { advance(EventTime(INT64_MAX), out); }

  uint64_t out_of_order_bars() const { return out_of_order_bars_; }

  // Appends a checkpoint of the whole stage to `out`: a frame of analytics/checkpoint_frame.h
  // holding the slide, the counters, the pending intervals (in time, symbol and minute order) and
  // the nested checkpoints of every analytics object. Same state, same bytes; doubles bit-exact.
  void save(std::string& out) const;
  // Replaces the whole state with a checkpoint written by save() of a stage with the same slide
  // and analytics configurations. On truncated, corrupted or foreign bytes it returns false and
  // leaves the stage unchanged.
  bool restore(std::string_view in);

 private:
  struct Minute {
    double sentiment_sum = 0;
    int64_t sentiment_count = 0;
    double close = 0;
    int64_t close_ts = INT64_MIN;  // event time of the bar that gave `close`
  };
  struct SymbolInterval {
    std::map<int64_t, Minute> minutes;  // by minute start
    std::optional<SentimentWindowRow> sentiment;
    std::optional<MarketWindowRow> market;
    // The row came from the end-of-input flush (not closed by the watermark).
    bool sentiment_partial = false;
    bool market_partial = false;
  };
  using Interval = std::map<std::string, SymbolInterval>;  // by symbol, byte order

  Interval& interval_of(EventTime t);
  void process(int64_t end, Interval& interval, SinkBatch& out);

  int64_t slide_ms_;
  bool market_wide_;
  std::map<int64_t, Interval> pending_;  // by interval end
  std::unordered_map<std::string, IndicatorState> indicators_;
  CorrelationTracker correlation_;
  FearGreedIndex fear_greed_;
  AlertDetector alerts_;
  uint64_t out_of_order_bars_ = 0;
  // Housekeeping, not state: the start of the UTC day in which silent symbols' correlation
  // series were last dropped (CorrelationTracker::drop_stale, exact). Not checkpointed: a
  // restored stage drops at its first interval, with the same results.
  int64_t dropped_stale_day_ = INT64_MIN;
};

}  // namespace stockpulse
