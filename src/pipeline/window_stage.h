#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/market_agg.h"
#include "analytics/sentiment_agg.h"
#include "app/config.h"
#include "common/clock.h"
#include "common/dead_letter.h"
#include "pipeline/pipeline_metrics.h"
#include "pipeline/signal_stage.h"
#include "pipeline/stage_batches.h"
#include "window/watermark_tracker.h"
#include "window/window_engine.h"

namespace stockpulse {

// The key of the whole-market sentiment window: every post once, with its overall score.
inline const std::string kMarketKey = "*";

// The stateful heart of the pipeline: the sentiment and market window engines, one watermark
// tracker per stream, and the analytics that follow the windows (SignalStage). Events go in,
// window rows, analytics rows and dead letters (late, out of range, key limit) come out into a
// SinkBatch.
//
// The embedded pipeline owns one; the Kafka processor owns one per assigned partition of the
// keyed topic. There, a post arrives split by key: add_post_overall() for the "*" key (which also
// carries the post to the sinks) and add_mention() for each ticker, and the whole-market Fear &
// Greed row is left out (Options::market_wide_fear_greed) because one partition sees only some
// symbols.
//
// save()/restore() capture everything with memory (engines, analytics), so a stage restored from
// a checkpoint and fed the input after it emits exactly the rows of an uninterrupted one.
// Lifecycle: construct from the configuration, feed, advance, flush at end of input.
// Thread-safety: none; one thread (the window thread).
class WindowStage {
 public:
  struct Options {
    bool market_wide_fear_greed = true;
  };
  WindowStage(const Config& config, const Clock& clock, PipelineMetrics& metrics, Options options);

  // Every add_* decides lateness per record (WatermarkTracker::is_late) and raises its stream's
  // engine watermark right after, emitting the windows that close into `sink` as final rows: the
  // records that are late, and the rows that come out, depend only on the order of the records in
  // each partition, never on batching or timing.
  //
  // A post: its overall score to "*", each ticker's clause score to the ticker, the post itself to
  // sink.posts. A late post becomes one dead letter.
  void add_post(ScoredPost& p, SinkBatch& sink, std::vector<DeadLetter>& letters);
  // The "*" part of a post only (keyed mode): the overall score, and the post to sink.posts.
  void add_post_overall(ScoredPost& p, SinkBatch& sink, std::vector<DeadLetter>& letters);
  // One ticker's part of a post (keyed mode). `record` is the post in contract form, used only if
  // the mention becomes a dead letter.
  void add_mention(const std::string& symbol, double compound, const Post& post, SinkBatch& sink,
                   std::vector<DeadLetter>& letters);
  void add_bar(Bar& b, SinkBatch& sink, std::vector<DeadLetter>& letters);

  // A stream's partition has no more input (end of a file).
  void end_of_input(Stream s, PartitionId p);
  // The stream will have no input at all (file mode without that file).
  void no_input(Stream s);

  // Raises each engine's watermark to its stream's watermark (which moves without records only
  // when a partition goes idle) and collects the windows that close (as final rows) and the
  // analytics they complete. Call after each batch and on each trigger. A stream whose every
  // partition has ended (or that has no input) has its engine flushed here, and the analytics,
  // which otherwise wait for both streams, follow the other one alone: a posts file without
  // bars, or bars that end long before the posts, keep no analytics pending until the end.
  void advance_watermarks(SinkBatch& sink);
  // Changed open windows, as update rows.
  void emit_updates(SinkBatch& sink);
  // End of input: every open window once, as final, and every pending analytics interval.
  void flush_all(SinkBatch& sink);

  // Events dead-lettered as late since construction (for the replay warning).
  uint64_t late_events() const { return late_events_; }

  // Checkpoint parts (the PipelineCheckpoint fields of the same names).
  void save(std::string& sentiment_engine, std::string& market_engine, std::string& signals,
            std::string& watermarks) const;
  // False (state unchanged or partially restored: discard the stage) when any part does not
  // match this configuration.
  bool restore(std::string_view sentiment_engine, std::string_view market_engine,
               std::string_view signals, std::string_view watermarks);

 private:
  enum class Admission { kAdmitted, kLate, kOutOfRange };
  // The lateness rule for one record of stream s, then the watermark raised past it.
  Admission admit(Stream s, PartitionId p, EventTime t, SinkBatch& sink);
  // admit() for a post, with the dead letter when it is refused.
  bool admit_post(const Post& post, SinkBatch& sink, std::vector<DeadLetter>& letters);
  bool add_admitted_overall(ScoredPost& p, SinkBatch& sink, std::vector<DeadLetter>& letters);
  void add_admitted_mention(const std::string& symbol, double compound, const Post& post,
                            std::vector<DeadLetter>& letters);
  DeadLetter late_letter(Stream s, SourcePosition pos, EventTime t, const std::string& record);
  DeadLetter limit_letter(Stream s, SourcePosition pos, const std::string& key,
                          const std::string& record) const;
  // flushed: emitted by an end-of-input flush, not closed by the watermark (no alerts from it).
  void on_final_sentiment(const WindowResult<SentimentAgg>& w, SinkBatch& sink,
                          bool flushed = false);
  void on_final_market(const WindowResult<MarketAgg>& w, SinkBatch& sink, bool flushed = false);

  const Config& config_;
  const Clock& clock_;
  PipelineMetrics& metrics_;
  WindowEngine<SentimentAgg> sentiment_engine_;
  WindowEngine<MarketAgg> market_engine_;
  WatermarkTracker posts_watermark_;
  WatermarkTracker bars_watermark_;
  SignalStage signals_;
  uint64_t late_events_ = 0;
  bool posts_done_ = false;  // no more posts will come: engine flushed
  bool bars_done_ = false;
};

}  // namespace stockpulse
