#include "pipeline/window_stage.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/time_format.h"
#include "decode/json_encoder.h"
#include "window/checkpoint_codec.h"

namespace stockpulse {

namespace {

template <class Agg>
typename WindowEngine<Agg>::Options engine_options_for(const Config& c) {
  typename WindowEngine<Agg>::Options o;
  o.spec.size_ms = c.window.size_s * kMillisPerSecond;
  o.spec.slide_ms = c.window.slide_s * kMillisPerSecond;
  o.max_keys = static_cast<size_t>(c.window.max_keys);
  o.allowed_lateness_ms = c.window.allowed_lateness_s * kMillisPerSecond;
  return o;
}

// Records the window stage cannot take are re-encoded in the contract format, so the dead-letter
// stream can replay them.
std::string post_json(const Post& p) {
  std::string out;
  append_post_json(p, out);
  return out;
}
std::string bar_json(const Bar& b) {
  std::string out;
  append_bar_json(b, out);
  return out;
}

DeadLetter window_letter(Stream s, SourcePosition pos, DeadLetterReason reason, std::string detail,
                         const std::string& record) {
  DeadLetter d;
  d.stream = stream_name(s);
  d.partition = pos.partition;
  d.offset = pos.offset;
  d.reason = reason;
  d.detail = std::move(detail);
  d.payload_size = record.size();
  d.payload = record.substr(0, kMaxDeadLetterPayload);
  return d;
}

DeadLetter range_letter(Stream s, SourcePosition pos, EventTime t, const std::string& record) {
  return window_letter(s, pos, DeadLetterReason::kBadTimestamp,
                       fmt::format("event time {} ms is outside the supported range", t.value()),
                       record);
}

}  // namespace

WindowStage::WindowStage(const Config& config, const Clock& clock, PipelineMetrics& metrics,
                         Options options)
    : config_(config),
      clock_(clock),
      metrics_(metrics),
      sentiment_engine_(engine_options_for<SentimentAgg>(config)),
      market_engine_(engine_options_for<MarketAgg>(config)),
      posts_watermark_(config.window.allowed_lateness_s * kMillisPerSecond,
                       config.window.idle_timeout_s * kMillisPerSecond),
      bars_watermark_(config.window.allowed_lateness_s * kMillisPerSecond,
                      config.window.idle_timeout_s * kMillisPerSecond),
      signals_(config.window.slide_s * kMillisPerSecond, options.market_wide_fear_greed,
               config.alerts.policy) {}

DeadLetter WindowStage::late_letter(Stream s, SourcePosition pos, EventTime t,
                                    const std::string& record) {
  ++late_events_;
  return window_letter(s, pos, DeadLetterReason::kLate,
                       fmt::format("event time {} is behind the watermark (more than the allowed "
                                   "lateness of {} s behind the records before it)",
                                   format_iso8601(t), config_.window.allowed_lateness_s),
                       record);
}

DeadLetter WindowStage::limit_letter(Stream s, SourcePosition pos, const std::string& key,
                                     const std::string& record) const {
  return window_letter(s, pos, DeadLetterReason::kKeyLimit,
                       fmt::format("window key limit ({}) reached; key '{}' not tracked",
                                   config_.window.max_keys, key),
                       record);
}

WindowStage::Admission WindowStage::admit(Stream s, PartitionId p, EventTime t, SinkBatch& sink) {
  // Times beyond any real clock never reach a tracker: they would drag its watermark along.
  if (t.value() > WindowEngine<SentimentAgg>::kMaxTimeMs ||
      t.value() < -WindowEngine<SentimentAgg>::kMaxTimeMs) {
    return Admission::kOutOfRange;
  }
  WatermarkTracker& tracker = s == Stream::kPosts ? posts_watermark_ : bars_watermark_;
  const bool late = tracker.is_late(p, t);
  const ProcessingTime now = clock_.now();
  // A late record still shows that its partition is alive (idle timeout); its time, being behind
  // the partition's newest, moves nothing.
  tracker.observe(p, t, now);
  // The watermark moves with every record, so whether the next record is late depends only on
  // the records before it: never on where a batch ends, the worker count or the trigger timing.
  // advance_watermark returns at once unless the watermark crossed a slide boundary.
  if (auto wm = tracker.watermark(now)) {
    if (s == Stream::kPosts) {
      sentiment_engine_.advance_watermark(
          *wm, [&](const WindowResult<SentimentAgg>& w) { on_final_sentiment(w, sink); });
    } else {
      market_engine_.advance_watermark(
          *wm, [&](const WindowResult<MarketAgg>& w) { on_final_market(w, sink); });
    }
  }
  return late ? Admission::kLate : Admission::kAdmitted;
}

bool WindowStage::admit_post(const Post& post, SinkBatch& sink, std::vector<DeadLetter>& letters) {
  const EventTime t = post.created_at;
  switch (admit(Stream::kPosts, post.position.partition, t, sink)) {
    case Admission::kAdmitted:
      return true;
    case Admission::kLate:
      letters.push_back(late_letter(Stream::kPosts, post.position, t, post_json(post)));
      return false;
    case Admission::kOutOfRange:
      letters.push_back(range_letter(Stream::kPosts, post.position, t, post_json(post)));
      return false;
  }
  return false;
}

void WindowStage::add_post(ScoredPost& p, SinkBatch& sink, std::vector<DeadLetter>& letters) {
  if (!admit_post(p.post, sink, letters) || !add_admitted_overall(p, sink, letters)) return;
  const ScoredPost& stored = sink.posts.back();
  for (const TickerSentiment& ts : stored.tickers) {
    add_admitted_mention(ts.symbol, ts.scores.compound, stored.post, letters);
  }
}

void WindowStage::add_post_overall(ScoredPost& p, SinkBatch& sink,
                                   std::vector<DeadLetter>& letters) {
  if (admit_post(p.post, sink, letters)) add_admitted_overall(p, sink, letters);
}

void WindowStage::add_mention(const std::string& symbol, double compound, const Post& post,
                              SinkBatch& sink, std::vector<DeadLetter>& letters) {
  if (admit_post(post, sink, letters)) add_admitted_mention(symbol, compound, post, letters);
}

// After admission the engine refuses an event as late only when its watermark was moved past
// the tracker's by a flush (end of input): then the record is late all the same.
bool WindowStage::add_admitted_overall(ScoredPost& p, SinkBatch& sink,
                                       std::vector<DeadLetter>& letters) {
  const EventTime t = p.post.created_at;
  const double overall = p.overall.compound;
  const auto st = sentiment_engine_.add(kMarketKey, t, [&](SentimentAgg& a) { a.add(overall); });
  if (st == WindowEngine<SentimentAgg>::AddStatus::kLate) {
    letters.push_back(late_letter(Stream::kPosts, p.post.position, t, post_json(p.post)));
    return false;
  }
  // A key limit on "*" (keyed mode only, where tickers may fill a partition's keys first) leaves
  // the post stored and counted by the analytics.
  signals_.on_mention(kMarketKey, t, overall);
  sink.posts.push_back(std::move(p));
  return true;
}

void WindowStage::add_admitted_mention(const std::string& symbol, double compound, const Post& post,
                                       std::vector<DeadLetter>& letters) {
  const EventTime t = post.created_at;
  const auto st = sentiment_engine_.add(symbol, t, [&](SentimentAgg& a) { a.add(compound); });
  using Status = WindowEngine<SentimentAgg>::AddStatus;
  if (st == Status::kLate) {
    letters.push_back(late_letter(Stream::kPosts, post.position, t, post_json(post)));
    return;
  }
  if (st == Status::kKeyLimit) {
    // Still counted as a mention: the per-minute analytics keep it.
    letters.push_back(limit_letter(Stream::kPosts, post.position, symbol, post_json(post)));
  }
  signals_.on_mention(symbol, t, compound);
  metrics_.ticker_mentions.fetch_add(1, std::memory_order_relaxed);
}

void WindowStage::add_bar(Bar& b, SinkBatch& sink, std::vector<DeadLetter>& letters) {
  switch (admit(Stream::kBars, b.position.partition, b.ts, sink)) {
    case Admission::kAdmitted:
      break;
    case Admission::kLate:
      letters.push_back(late_letter(Stream::kBars, b.position, b.ts, bar_json(b)));
      return;
    case Admission::kOutOfRange:
      letters.push_back(range_letter(Stream::kBars, b.position, b.ts, bar_json(b)));
      return;
  }
  const auto st = market_engine_.add(b.symbol, b.ts, [&](MarketAgg& a) { a.add(b); });
  using Status = WindowEngine<MarketAgg>::AddStatus;
  if (st == Status::kLate) {
    letters.push_back(late_letter(Stream::kBars, b.position, b.ts, bar_json(b)));
    return;
  }
  if (st == Status::kKeyLimit) {
    letters.push_back(limit_letter(Stream::kBars, b.position, b.symbol, bar_json(b)));
    return;
  }
  signals_.on_bar(b);
  sink.bars.push_back(std::move(b));
}

void WindowStage::end_of_input(Stream s, PartitionId p) {
  (s == Stream::kPosts ? posts_watermark_ : bars_watermark_).end_of_input(p);
}

void WindowStage::no_input(Stream s) {
  (s == Stream::kPosts ? posts_done_ : bars_done_) = true;
}

void WindowStage::on_final_sentiment(const WindowResult<SentimentAgg>& w, SinkBatch& sink,
                                     bool flushed) {
  sink.sentiment_windows.push_back(to_sentiment_row(w.key, w.start, w.end, w.agg, true));
  signals_.on_final(sink.sentiment_windows.back(), flushed);
  metrics_.sentiment_windows_final.fetch_add(1, std::memory_order_relaxed);
}

void WindowStage::on_final_market(const WindowResult<MarketAgg>& w, SinkBatch& sink, bool flushed) {
  sink.market_windows.push_back(to_market_row(w.key, w.start, w.end, w.agg, true));
  signals_.on_final(sink.market_windows.back(), flushed);
  metrics_.market_windows_final.fetch_add(1, std::memory_order_relaxed);
}

void WindowStage::advance_watermarks(SinkBatch& sink) {
  const ProcessingTime now = clock_.now();
  // An ended stream's windows are complete: emitting them now or at the end gives the same rows.
  if (!posts_done_ && posts_watermark_.all_finished()) {
    sentiment_engine_.flush(
        [&](const WindowResult<SentimentAgg>& w) { on_final_sentiment(w, sink, true); });
    posts_done_ = true;
  }
  if (!bars_done_ && bars_watermark_.all_finished()) {
    market_engine_.flush([&](const WindowResult<MarketAgg>& w) { on_final_market(w, sink, true); });
    bars_done_ = true;
  }
  if (auto wm = posts_watermark_.watermark(now)) {
    sentiment_engine_.advance_watermark(
        *wm, [&](const WindowResult<SentimentAgg>& w) { on_final_sentiment(w, sink); });
    metrics_.watermark_ms.store(wm->value(), std::memory_order_relaxed);
  }
  if (auto wm = bars_watermark_.watermark(now)) {
    market_engine_.advance_watermark(
        *wm, [&](const WindowResult<MarketAgg>& w) { on_final_market(w, sink); });
  }
  // The analytics join both streams: they run up to the lower of the two watermarks, or the one
  // stream's that is still going (an ended stream's rows are all in); with both ended,
  // flush_all finishes them.
  const auto ws = sentiment_engine_.watermark();
  const auto wb = market_engine_.watermark();
  if (posts_done_ && bars_done_) return;
  if (bars_done_) {
    if (ws) signals_.advance(*ws, sink);
  } else if (posts_done_) {
    if (wb) signals_.advance(*wb, sink);
  } else if (ws && wb) {
    signals_.advance(std::min(*ws, *wb), sink);
  }
}

void WindowStage::emit_updates(SinkBatch& sink) {
  sentiment_engine_.emit_updates([&](const WindowResult<SentimentAgg>& w) {
    sink.sentiment_windows.push_back(to_sentiment_row(w.key, w.start, w.end, w.agg, false));
    metrics_.window_updates.fetch_add(1, std::memory_order_relaxed);
  });
  market_engine_.emit_updates([&](const WindowResult<MarketAgg>& w) {
    sink.market_windows.push_back(to_market_row(w.key, w.start, w.end, w.agg, false));
    metrics_.window_updates.fetch_add(1, std::memory_order_relaxed);
  });
}

void WindowStage::flush_all(SinkBatch& sink) {
  sentiment_engine_.flush(
      [&](const WindowResult<SentimentAgg>& w) { on_final_sentiment(w, sink, true); });
  market_engine_.flush([&](const WindowResult<MarketAgg>& w) { on_final_market(w, sink, true); });
  signals_.flush(sink);
}

void WindowStage::save(std::string& sentiment_engine, std::string& market_engine,
                       std::string& signals, std::string& watermarks) const {
  sentiment_engine_.save(sentiment_engine);
  market_engine_.save(market_engine);
  signals_.save(signals);
  std::string posts, bars;
  posts_watermark_.save(posts);
  bars_watermark_.save(bars);
  CheckpointWriter w(watermarks);
  w.put_bytes(posts);
  w.put_bytes(bars);
}

bool WindowStage::restore(std::string_view sentiment_engine, std::string_view market_engine,
                          std::string_view signals, std::string_view watermarks) {
  CheckpointReader r(watermarks);
  const std::string_view posts = r.get_bytes();
  const std::string_view bars = r.get_bytes();
  if (!r.ok() || r.remaining() != 0) return false;
  const ProcessingTime now = clock_.now();
  return posts_watermark_.restore(posts, now) && bars_watermark_.restore(bars, now) &&
         sentiment_engine_.restore(sentiment_engine) && market_engine_.restore(market_engine) &&
         signals_.restore(signals);
}

}  // namespace stockpulse
