#include "pipeline/embedded_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "bus/bounded_queue.h"
#include "common/time_format.h"
#include "decode/json_encoder.h"
#include "notify/alert_notifier.h"
#include "pipeline/checkpoint_commit.h"
#include "pipeline/control_loop.h"
#include "pipeline/dashboard_options.h"
#include "pipeline/dead_letter_writer.h"
#include "pipeline/enricher.h"
#include "pipeline/input_sort.h"
#include "pipeline/lake_batch.h"
#include "pipeline/lake_sink.h"
#include "pipeline/pipeline_checkpoint.h"
#include "pipeline/pipeline_metrics_source.h"
#include "pipeline/pipeline_sinks.h"
#include "pipeline/pipeline_stats.h"
#include "pipeline/result_fanout.h"
#include "pipeline/sink_batch_writer.h"
#include "pipeline/stage_batches.h"
#include "pipeline/trigger_protocol.h"
#include "pipeline/trigger_schedule.h"
#include "pipeline/window_stage.h"
#include "serve/dashboard_service.h"
#include "serve/live_hub.h"
#include "sink/lake_writer.h"
#include "sink/serving_store.h"
#include "source/daily_candle_fanout.h"
#include "source/line_reader.h"
#include "source/post_replay.h"
#include "source/synthetic_bars.h"
#include "source/synthetic_posts.h"
#include "window/checkpoint_file.h"

namespace stockpulse {

namespace {

constexpr size_t kRecordPadding = 64;  // >= SIMDJSON_PADDING

// How the posts file is read: kJsonLines through the bus-contract decoder, anything else (a
// tweet dataset) through PostReplay. "auto" looks at the extension, then at the first bytes.
PostFileFormat posts_format(const Config& config) {
  const auto named = parse_post_file_format(config.sources.posts_format);
  if (named && *named != PostFileFormat::kAuto) return *named;
  return detect_post_file_format(config.sources.posts_file);
}

// The event time of a contract JSON line (a post's created_at, a bar's ts), or nullopt when it
// does not decode; the decoders and scratch records are reused from line to line.
class LineTime {
 public:
  explicit LineTime(Stream stream) : stream_(stream) {}
  std::optional<EventTime> operator()(const Line& line, PartitionId partition) {
    const SourcePosition pos{partition, line.offset};
    if (stream_ == Stream::kPosts) {
      if (post_decoder_.decode_into(line.padded(), pos, post_, error_)) return post_.created_at;
    } else if (bar_decoder_.decode_into(line.padded(), pos, bar_, error_)) {
      return bar_.ts;
    }
    return std::nullopt;
  }

 private:
  Stream stream_;
  PostDecoder post_decoder_;
  BarDecoder bar_decoder_;
  Post post_;
  Bar bar_;
  DecodeError error_;
};

// Whether file mode sorts an input by event time before reading it (input_sort.h): only finite
// runs, and not daily candles (the fan-out makes bars in time order already).
bool sorts_posts(const Config& config) {
  return config.sources.until_eof && config.sources.sort_input &&
         !config.sources.posts_file.empty();
}
bool sorts_bars(const Config& config) {
  return config.sources.until_eof && config.sources.sort_input &&
         !config.sources.bars_file.empty() && !config.daily_bars();
}

// The input layout a checkpoint records (PipelineCheckpoint::input_layout).
std::string input_layout(const Config& config, PostFileFormat posts_format) {
  std::string out;
  if (!config.sources.posts_file.empty()) {
    const bool contract =
        posts_format == PostFileFormat::kJsonLines || posts_format == PostFileFormat::kAuto;
    out += "posts=";
    out += contract ? "jsonl" : post_file_format_name(posts_format);
    // Which posts are repeats depends on it, so a resumed run must keep it.
    if (!contract && config.sources.dedupe)
      out += fmt::format(" dedupe={}", config.sources.dedupe_max_entries);
  }
  if (!config.sources.bars_file.empty()) {
    if (!out.empty()) out += ' ';
    out += config.daily_bars() ? fmt::format("bars=daily-csv seed={}", config.run.seed)
                               : std::string("bars=jsonl");
  }
  // Record numbers of a sorted run count in the sorted copies.
  if (sorts_posts(config)) out += " posts-sorted";
  if (sorts_bars(config)) out += " bars-sorted";
  return out;
}

// Fills RawBatches of one stream and hands them on, numbering them.
class BatchEmitter {
 public:
  BatchEmitter(Stream stream, PartitionId partition, size_t batch_size, BoundedQueue<RawBatch>& out,
               Offset first = Offset(0))
      : stream_(stream),
        partition_(partition),
        batch_size_(batch_size),
        out_(out),
        next_offset_(first),
        sent_end_(first) {
    start_batch();
  }

  void add(std::string_view bytes, Offset offset, uint64_t full_size, bool too_large) {
    RawRecord r;
    r.offset = offset;
    r.begin = static_cast<uint32_t>(batch_.buffer.size());
    r.size = static_cast<uint32_t>(bytes.size());
    r.full_size = full_size;
    r.too_large = too_large;
    batch_.buffer.append(bytes);
    batch_.buffer.push_back('\n');
    batch_.records.push_back(r);
    next_offset_ = Offset(offset.value() + 1);
    if (batch_.records.size() >= batch_size_) flush();
  }

  // A record before `next` that produced no line (a bad dataset row, dead-lettered where it was
  // read): the batch's end offset still moves past it, so a checkpoint covers it.
  void skip_to(Offset next) { next_offset_ = std::max(next_offset_, next); }

  // Sends what is buffered; returns false when the queue is closed. A batch of no records still
  // goes when skipped records moved the end offset, so the checkpoint's position passes them.
  bool flush(bool end_of_input = false) {
    if (batch_.records.empty() && !end_of_input && next_offset_ == sent_end_) return true;
    batch_.end_of_input = end_of_input;
    batch_.end_offset = next_offset_;
    sent_end_ = next_offset_;
    batch_.buffer.append(kRecordPadding, ' ');
    const bool ok = out_.push(batch_);
    start_batch();
    return ok;
  }

 private:
  void start_batch() {
    batch_ = RawBatch{};
    batch_.stream = stream_;
    batch_.partition = partition_;
    batch_.seq = next_seq_++;
    batch_.records.reserve(batch_size_);
  }

  Stream stream_;
  PartitionId partition_;
  size_t batch_size_;
  BoundedQueue<RawBatch>& out_;
  RawBatch batch_;
  uint64_t next_seq_ = 0;
  Offset next_offset_;
  Offset sent_end_;  // end offset of the last batch sent
};

// Restores per-stream batch order after the parallel enrich stage.
class Reorderer {
 public:
  // Calls f on every batch that is now in order.
  template <class F>
  void accept(EnrichedBatch&& b, F&& f) {
    auto& s = streams_[static_cast<size_t>(b.stream)];
    s.pending.emplace(b.seq, std::move(b));
    while (!s.pending.empty() && s.pending.begin()->first == s.next) {
      EnrichedBatch next = std::move(s.pending.begin()->second);
      s.pending.erase(s.pending.begin());
      ++s.next;
      f(next);
    }
  }

 private:
  struct PerStream {
    uint64_t next = 0;
    std::map<uint64_t, EnrichedBatch> pending;
  };
  std::array<PerStream, 2> streams_;
};

}  // namespace

struct EmbeddedPipeline::Impl {
  Impl(const Config& c, const Clock& clk, PipelineMetrics& m, std::atomic<bool>& stop, bool append)
      : config(c),
        clock(clk),
        metrics(m),
        stop_flag(stop),
        raw(static_cast<size_t>(c.pipeline.queue_capacity)),
        enriched(static_cast<size_t>(c.pipeline.queue_capacity)),
        to_sink(static_cast<size_t>(c.pipeline.queue_capacity)),
        to_lake(static_cast<size_t>(c.pipeline.queue_capacity)),
        dead(c.dead_letter_path(), m, append),
        windows(c, clk, m, WindowStage::Options{}),
        checkpoints(clk, std::chrono::seconds(c.run.checkpoint_interval_s)) {}

  bool file_mode() const {
    return !config.sources.posts_file.empty() || !config.sources.bars_file.empty();
  }

  // ---- sources -------------------------------------------------------------------------------

  void read_file(const std::string& path, Stream stream, PartitionId partition) {
    // Resuming: records before the checkpoint's position are already in every output.
    const int64_t resume = stream == Stream::kPosts ? resume_posts : resume_bars;
    BatchEmitter emit(stream, partition, static_cast<size_t>(config.pipeline.batch_size), raw,
                      Offset(resume));
    LineReaderOptions lo;
    lo.max_line_bytes = static_cast<size_t>(config.sources.max_record_bytes);
    LineReader reader(lo);
    if (auto err = reader.open(path)) {
      fmt::print(stderr, "error: {}\n", *err);
      input_error.store(true);
      emit.flush(/*end_of_input=*/true);
      return;
    }
    auto& counter = stream == Stream::kPosts ? metrics.posts_read : metrics.bars_read;
    // Pacing needs each record's time here; the enrich workers decode it again (a record that
    // does not decode is not paced and becomes their dead letter).
    const bool paced = config.sources.replay_speed > 0;
    LineTime line_time(stream);
    Line line;
    while (!stop_flag.load(std::memory_order_relaxed)) {
      const ReadStatus st = reader.next(line);
      if (st == ReadStatus::kEof) break;
      if (st == ReadStatus::kError) {
        fmt::print(stderr, "error: reading {}: {}\n", path, reader.error());
        input_error.store(true);
        break;
      }
      if (line.offset.value() < resume) continue;
      if (paced && st == ReadStatus::kLine) {
        if (const auto t = line_time(line, partition); t && !pace(*t, emit)) break;
      }
      counter.fetch_add(1, std::memory_order_relaxed);
      emit.add(line.text, line.offset, line.full_size, st == ReadStatus::kTooLong);
    }
    // Stopped early: no end-of-input mark, so the window stage knows the file is not finished.
    emit.flush(/*end_of_input=*/!stop_flag.load());
  }

  // Replay pacing (sources.replay_speed > 0): a record of event time t is due at
  // origin_wall + (t - origin_event) / speed, one origin for every source so posts and bars keep
  // their relative timing. The origin is the earliest first record of the input files when the
  // constructor found it, else the first record a source reads (after a resume, say). While a
  // record waits, what was read before it goes on. Returns false when stopped while waiting.
  bool pace(EventTime t, BatchEmitter& emit) {
    const double speed = config.sources.replay_speed;
    if (speed <= 0) return true;
    int64_t origin_event = 0, origin_wall = 0;
    {
      std::lock_guard lock(pace_mu);
      if (!pace_started) start_pacing(t.value());
      origin_event = pace_origin_event_ms;
      origin_wall = pace_origin_wall_ms;
    }
    const auto due = ProcessingTime(
        origin_wall + static_cast<int64_t>(static_cast<double>(t.value() - origin_event) / speed));
    if (due.value() <= clock.now().value()) return true;
    emit.flush();
    return sleep_until_due(clock, due, stop_flag);
  }

  // Requires pace_mu (or no source thread yet). The sources' event clock for the watermark lag
  // starts here too: shifted origin + elapsed wall time x speed.
  void start_pacing(int64_t origin_event_ms) {
    pace_started = true;
    pace_origin_event_ms = origin_event_ms;
    pace_origin_wall_ms = clock.now().value();
    metrics.set_event_clock(pace_origin_wall_ms, origin_event_ms + time_shift_ms,
                            config.sources.replay_speed);
  }

  // A dataset (CSV, Parquet or a social format; JSON lines are the bus contract and go through
  // read_file) through PostReplay, paced only by pace(): each post is re-encoded as the bus
  // contract, so the enrich stage decodes and validates it like any other; a bad row or a
  // duplicate (sources.dedupe) becomes a dead letter here. Offsets are the dataset's post numbers
  // (posts, bad rows and duplicates alike), so a resumed run skips exactly the records its
  // checkpoint holds; the replay sees the skipped ones too, so its memory of what was seen is
  // the uninterrupted run's.
  void read_post_dataset(const std::string& path, PostFileFormat format) {
    const int64_t resume = resume_posts;
    BatchEmitter emit(Stream::kPosts, PartitionId(0),
                      static_cast<size_t>(config.pipeline.batch_size), raw, Offset(resume));
    PostReplayOptions o;
    o.format = format;
    o.partition = PartitionId(0);
    o.speed = 0;  // no pacing: file mode reads as fast as the stages take it
    o.max_record_bytes = static_cast<size_t>(config.sources.max_record_bytes);
    o.dedupe = config.sources.dedupe;
    o.dedupe_max_entries = static_cast<size_t>(config.sources.dedupe_max_entries);
    PostReplay replay(o, clock);
    // Parquet seeks by row (with dedupe, PostReplay re-reads the rows before it); text formats
    // are read from the start and the records before the checkpoint skipped (their byte offset
    // is not in the checkpoint).
    ReplayPosition from;
    if (format == PostFileFormat::kParquet) from.row = resume;
    if (auto err = replay.open(path, from)) {
      fmt::print(stderr, "error: {}\n", *err);
      input_error.store(true);
      emit.flush(/*end_of_input=*/true);
      return;
    }
    Post post;
    DeadLetter letter;
    std::string json;
    while (!stop_flag.load(std::memory_order_relaxed)) {
      const ReplayStatus st = replay.next(post, letter);
      if (st == ReplayStatus::kEnd) break;
      if (st == ReplayStatus::kError) {
        fmt::print(stderr, "error: reading {}: {}\n", path, replay.error());
        input_error.store(true);
        break;
      }
      const int64_t offset = replay.position().row - 1;
      if (offset < resume) continue;
      metrics.posts_read.fetch_add(1, std::memory_order_relaxed);
      if (st == ReplayStatus::kDeadLetter) {
        dead.write(std::span<const DeadLetter>(&letter, 1));
        emit.skip_to(Offset(offset + 1));
        continue;
      }
      if (!pace(post.created_at, emit)) break;
      json.clear();
      append_post_json(post, json);
      emit.add(json, Offset(offset), json.size(), false);
    }
    emit.flush(/*end_of_input=*/!stop_flag.load());
  }

  // Daily OHLCV candles (CSV) fanned out to 390 minute bars per symbol and trading day, seeded by
  // run.seed, so a run and `stockpulse produce fanout --seed` of the same file give the same
  // bars. Offsets number the bars in emission order (deterministic for a file and seed).
  void read_daily_bars(const std::string& path) {
    const int64_t resume = resume_bars;
    BatchEmitter emit(Stream::kBars, PartitionId(1),
                      static_cast<size_t>(config.pipeline.batch_size), raw, Offset(resume));
    DailyCandleFanoutOptions o;
    o.seed = config.run.seed;
    o.partition = PartitionId(1);
    DailyCandleFanout fanout(o);
    if (auto err = fanout.load_csv(path)) {
      fmt::print(stderr, "error: daily candles {}: {}\n", path, *err);
      input_error.store(true);
      emit.flush(/*end_of_input=*/true);
      return;
    }
    // Bad candle rows are known once the file is loaded; a resumed run wrote them already.
    if (!resumed) dead.write(fanout.dead_letters());
    std::vector<Bar> minute;
    std::string json;
    int64_t offset = 0;
    while (!stop_flag.load(std::memory_order_relaxed)) {
      minute.clear();
      if (!fanout.next_minute(minute)) break;
      if (offset + static_cast<int64_t>(minute.size()) > resume && !minute.empty() &&
          !pace(minute.front().ts, emit)) {
        break;
      }
      for (const Bar& bar : minute) {
        if (offset >= resume) {
          json.clear();
          append_bar_json(bar, json);
          metrics.bars_read.fetch_add(1, std::memory_order_relaxed);
          emit.add(json, Offset(offset), json.size(), false);
        }
        ++offset;
      }
    }
    emit.flush(/*end_of_input=*/!stop_flag.load());
  }

  // Posts and bars from the generators, in lock-step on event time: event time starts at the wall
  // clock and runs `speed` times faster; posts come at posts_per_second of wall time.
  void run_synthetic() {
    const auto& s = config.sources;
    const size_t batch = std::clamp<size_t>(
        s.posts_per_second > 0 ? static_cast<size_t>(s.posts_per_second / 10) : 4096, 1,
        static_cast<size_t>(config.pipeline.batch_size));
    BatchEmitter posts_out(Stream::kPosts, PartitionId(0), batch, raw);
    BatchEmitter bars_out(Stream::kBars, PartitionId(1), static_cast<size_t>(1) << 20, raw);

    const int64_t start_ms = clock.now().value();
    // Paced (posts_per_second > 0), event time runs `speed` times the wall clock: the lag is
    // taken against that clock. Unpaced, it runs as fast as posts are made: no clock to compare.
    if (s.posts_per_second > 0) {
      metrics.set_event_clock(start_ms, start_ms, s.speed);
    }
    const double event_posts_per_s = s.posts_per_second > 0 ? s.posts_per_second / s.speed : 200;
    SyntheticPostOptions po;
    po.seed = config.run.seed;
    po.symbols = s.symbols;
    po.start = EventTime(start_ms);
    po.posts_per_second = event_posts_per_s;
    SyntheticPostGenerator posts(po);
    SyntheticBarOptions bo;
    bo.seed = config.run.seed ^ 0x9e3779b97f4a7c15ULL;
    bo.symbols = s.symbols;
    bo.start = EventTime(start_ms - start_ms % kMillisPerMinute);
    SyntheticBarGenerator bars(bo);

    Post post;
    std::vector<Bar> minute_bars;
    std::string json;
    int64_t post_offset = 0, bar_offset = 0;
    int64_t next_bar_minute = bo.start.value() + kMillisPerMinute;  // bars close after their minute
    const auto wall_start = std::chrono::steady_clock::now();
    while (!stop_flag.load(std::memory_order_relaxed)) {
      posts.next(post);
      // Emit every minute bar that is complete before this post's time (at a high --speed and a
      // low --rate, many minutes: stop between them when asked).
      while (post.created_at.value() >= next_bar_minute &&
             !stop_flag.load(std::memory_order_relaxed)) {
        minute_bars.clear();
        bars.next_minute(minute_bars);
        for (const Bar& b : minute_bars) {
          json.clear();
          append_bar_json(b, json);
          bars_out.add(json, Offset(bar_offset++), json.size(), false);
          metrics.bars_read.fetch_add(1, std::memory_order_relaxed);
        }
        bars_out.flush();
        next_bar_minute += kMillisPerMinute;
      }
      json.clear();
      append_post_json(post, json);
      posts_out.add(json, Offset(post_offset++), json.size(), false);
      metrics.posts_read.fetch_add(1, std::memory_order_relaxed);
      if (s.posts_per_second > 0) {
        // Pace on wall time: post n is due at n / posts_per_second seconds after the start.
        const auto due = wall_start + std::chrono::duration<double>(
                                          static_cast<double>(post_offset) / s.posts_per_second);
        if (due > std::chrono::steady_clock::now()) {
          posts_out.flush();
          // In slices, so a stop is not held up by a slow --rate.
          const auto due_at =
              std::chrono::time_point_cast<std::chrono::steady_clock::duration>(due);
          while (due_at > std::chrono::steady_clock::now() &&
                 !stop_flag.load(std::memory_order_relaxed)) {
            std::this_thread::sleep_until(std::min(
                due_at, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
          }
        }
      }
    }
    posts_out.flush(true);
    bars_out.flush(true);
  }

  // ---- enrich --------------------------------------------------------------------------------

  void enrich_worker() {
    Enricher enricher(config, *sentiment, time_shift_ms);
    std::vector<DeadLetter> letters;
    while (auto batch = raw.pop()) {
      EnrichedBatch out;
      letters.clear();
      enricher.process(*batch, out, letters);
      dead.write(letters);
      if (batch->stream == Stream::kPosts) {
        metrics.posts_scored.fetch_add(out.posts.size(), std::memory_order_relaxed);
      } else {
        metrics.bars_decoded.fetch_add(out.bars.size(), std::memory_order_relaxed);
      }
      if (!enriched.push(out)) break;
    }
  }

  // ---- windows -------------------------------------------------------------------------------

  void window_thread() {
    // A file-mode run without one of the files: that stream holds nothing back.
    if (file_mode() && config.sources.posts_file.empty()) windows.no_input(Stream::kPosts);
    if (file_mode() && config.sources.bars_file.empty()) windows.no_input(Stream::kBars);
    Reorderer order;
    SinkBatch sink;
    std::vector<DeadLetter> letters;
    TriggerSchedule trigger(clock, std::chrono::milliseconds(config.run.trigger_interval_ms));
    auto ship = [&] {
      if (has_work(sink)) {
        to_sink.push(sink);
        sink = SinkBatch{};
      }
    };
    for (;;) {
      auto item = enriched.pop_for(std::chrono::milliseconds(50));
      if (item) {
        order.accept(std::move(*item), [&](EnrichedBatch& b) {
          letters.clear();
          for (ScoredPost& p : b.posts) windows.add_post(p, sink, letters);
          for (Bar& bar : b.bars) windows.add_bar(bar, sink, letters);
          if (b.end_of_input) {
            windows.end_of_input(b.stream, b.partition);
            (b.stream == Stream::kPosts ? posts_done : bars_done) = true;
          }
          (b.stream == Stream::kPosts ? posts_next : bars_next) = b.end_offset.value();
          dead.write(letters);
          check_replay_lateness(b.stream);
          // Lateness is decided per record inside the stage (the watermark moves with every
          // record), so batch boundaries change nothing; this releases idle partitions and runs
          // the analytics the closed windows completed.
          windows.advance_watermarks(sink);
          if (sink.posts.size() + sink.bars.size() >=
              static_cast<size_t>(config.pipeline.batch_size)) {
            ship();
          }
        });
      } else if (enriched.closed_and_empty()) {
        break;
      }
      if (fire_trigger_if_due(trigger, windows, sink)) {
        if (!checkpoint_path.empty() && checkpoints.due()) {
          sink.checkpoint = make_checkpoint();
          checkpoints.restart();
        }
        ship();
        trigger.restart();
      }
    }
    const bool all_input_read = (config.sources.posts_file.empty() || posts_done) &&
                                (config.sources.bars_file.empty() || bars_done);
    if (!checkpoint_path.empty() && !all_input_read) {
      // Stopped before the end of the files: keep the open windows for the next run instead of
      // emitting them half-filled.
      windows.advance_watermarks(sink);
      sink.checkpoint = make_checkpoint();
      ship();
      to_sink.close();
      windows_finished.store(true);
      return;
    }
    // End of input or stop: every open window is emitted once, as final.
    flush_end_of_input(windows, sink);
    finished_cleanly = all_input_read;
    ship();
    to_sink.close();
    windows_finished.store(true);
  }

  std::string progress_line(const StatsRates& rates) const {
    const int64_t wm = metrics.watermark_ms.load();
    return fmt::format(
        "posts/s {:>9.0f}  bars/s {:>7.0f}  windows final {:>7} updates {:>8}  late {:>6}  "
        "dead-letter {:>6}  queues raw {}/{} enriched {}/{} sink {}/{}  watermark {}",
        rates.posts_per_s, rates.bars_per_s,
        metrics.sentiment_windows_final.load() + metrics.market_windows_final.load(),
        metrics.window_updates.load(), metrics.late(), metrics.dead_letters.load(), raw.size(),
        raw.capacity(), enriched.size(), enriched.capacity(), to_sink.size(), to_sink.capacity(),
        wm == INT64_MIN ? std::string("-") : format_iso8601(EventTime(wm)));
  }

  std::string make_checkpoint() const {
    PipelineCheckpoint c;
    c.posts_file = config.sources.posts_file;
    c.bars_file = config.sources.bars_file;
    c.input_layout = input_layout_;
    c.posts_next = posts_next;
    c.bars_next = bars_next;
    c.time_shift_ms = time_shift_ms;
    windows.save(c.sentiment_engine, c.market_engine, c.signals, c.watermarks);
    return encode_checkpoint(c);
  }

  // Loads the checkpoint of an interrupted run of the same inputs; false when there is none.
  // Throws when there is one that cannot be used, rather than silently starting over.
  // File mode's order-free input: each file sorted by event time into OUTPUT_DIR/sorted before
  // the sources start (input_sort.h). A resumed run reads the sorted copy its checkpoint counted
  // in, which must still match the input.
  // False when stopped before the sort finished.
  bool sort_inputs() {
    const std::filesystem::path dir = std::filesystem::path(config.run.output_dir) / "sorted";
    auto one = [&](const std::string& input, bool posts, std::string& read_path) -> bool {
      const std::string out = (dir / (posts ? "posts.jsonl" : "bars.jsonl")).string();
      if (resumed) {
        if (!sorted_copy_matches(input, out)) {
          throw std::runtime_error(fmt::format(
              "checkpoint '{}' counts records in the sorted copy '{}' of '{}', which is gone or "
              "older than the input; delete the checkpoint to start over",
              checkpoint_path, out, input));
        }
      } else {
        InputSortRequest req;
        req.input = input;
        req.out_path = out;
        req.posts = posts;
        req.posts_format = posts_format_;
        req.memory_bytes = static_cast<size_t>(config.sources.sort_memory_mb) << 20;
        req.stop = &stop_flag;
        InputSortStats stats;
        if (config.run.progress) {
          fmt::print(stderr, "stockpulse: sorting {} by event time...\n", input);
        }
        if (auto err = sort_input(req, config, clock, dead, stats)) {
          fmt::print(stderr, "error: sorting '{}' by event time: {}\n", input, *err);
          input_error.store(true);
          return false;
        }
        if (stats.stopped) return false;
        (posts ? metrics.posts_read : metrics.bars_read)
            .fetch_add(stats.dead_letters, std::memory_order_relaxed);
        if (config.run.progress) {
          fmt::print(stderr,
                     "stockpulse: sorted {} by event time in {:.1f} s: {} records, {} of them "
                     "out of order, {} not readable (dead letters){}\n",
                     input, stats.seconds, stats.records, stats.out_of_order, stats.dead_letters,
                     stats.runs > 0 ? fmt::format(", {} runs spilled", stats.runs) : "");
        }
      }
      read_path = out;
      sorted_copies.push_back(out);
      return true;
    };
    if (sorts_posts(config)) {
      if (!one(config.sources.posts_file, true, posts_path)) return false;
      posts_read_format = PostFileFormat::kJsonLines;
    }
    return !sorts_bars(config) || one(config.sources.bars_file, false, bars_path);
  }

  bool restore_checkpoint() {
    if (checkpoint_path.empty() || !std::filesystem::exists(checkpoint_path)) return false;
    const auto bytes = stockpulse::read_file(checkpoint_path);
    const auto c = bytes ? decode_checkpoint(*bytes) : std::nullopt;
    if (!c) {
      throw std::runtime_error(
          fmt::format("checkpoint '{}' is damaged or from another version; delete it to start over",
                      checkpoint_path));
    }
    if (c->posts_file != config.sources.posts_file || c->bars_file != config.sources.bars_file) {
      throw std::runtime_error(fmt::format(
          "checkpoint '{}' belongs to other inputs (posts '{}', bars '{}'); delete it or choose "
          "another --output-dir",
          checkpoint_path, c->posts_file, c->bars_file));
    }
    if (c->input_layout != input_layout_) {
      throw std::runtime_error(
          fmt::format("checkpoint '{}' read the inputs as '{}', this run as '{}' (--posts-format, "
                      "--bars-format or --seed changed); delete it or choose another --output-dir",
                      checkpoint_path, c->input_layout, input_layout_));
    }
    if (!windows.restore(c->sentiment_engine, c->market_engine, c->signals, c->watermarks)) {
      throw std::runtime_error(fmt::format(
          "checkpoint '{}' does not match this configuration or version ([window] spec, "
          "[alerts] policy, or written by an older stockpulse); delete it to start over",
          checkpoint_path));
    }
    time_shift_ms = c->time_shift_ms;
    resume_posts = posts_next = c->posts_next;
    resume_bars = bars_next = c->bars_next;
    return true;
  }

  // Replaying old data into a pipeline whose watermark is already recent makes almost every event
  // late. Say so once, loudly, instead of leaving an empty dashboard.
  void check_replay_lateness(Stream s) {
    const uint64_t seen =
        s == Stream::kPosts ? metrics.posts_scored.load() : metrics.bars_decoded.load();
    if (warned_replay || seen < 1000) return;
    const uint64_t late = windows.late_events();
    if (late * 2 > seen && seen <= 100000) {
      warned_replay = true;
      // Watermarks follow the records' own times, so old data is never late by itself: late
      // records are records far behind the newest one before them in their input.
      fmt::print(stderr,
                 "warning: {} of the first {} records are late: more than the allowed lateness "
                 "({} s) behind the newest record before them in their input. The input is out of "
                 "time order: {}, or raise --lateness.\n",
                 late, seen, config.window.allowed_lateness_s,
                 config.sources.until_eof ? "drop --keep-file-order so the files are sorted first"
                                          : "sort it by time (or read it with --until-eof, which "
                                            "sorts)");
    }
  }

  // ---- sinks ---------------------------------------------------------------------------------

  // Pushes what was just written to the dashboard's live stream (after the write, so a page that
  // reloads on the event finds the row in the store).
  void publish_live(const SinkBatch& b) {
    if (!dashboard) return;
    LiveHub& hub = dashboard->hub();
    fan_out_results(b, WindowRows::kAll,
                    [&hub](ResultChannel channel, std::string_view, std::string& json) {
                      hub.publish(live_event_name(channel), std::move(json));
                      return true;
                    });
  }

  void publish_stats(const StatsRates& rates) {
    if (!dashboard) return;
    dashboard->hub().publish("stats", stats_json(metrics, rates, clock.now().value(),
                                                 raw.size() + enriched.size() + to_sink.size()));
  }

  // Everything before the checkpoint must be durable before the checkpoint is: the store commits
  // per write, the lake closes its open files, the dead letters are flushed.
  void write_checkpoint(const std::string& bytes, bool flush_store = true) {
    if (auto err = commit_file_checkpoint(
            checkpoint_path, bytes, flush_store ? store.get() : nullptr, dead, lake, metrics)) {
      fail_sink(*err);
    }
  }

  // Records the first write failure and stops the pipeline. Later batches are not written (and
  // not reported: after a full disk each would fail the same way), so the store and the lake end
  // at a consistent point and the run says once what failed.
  void fail_sink(const std::string& what) {
    {
      std::lock_guard lock(failure_mu);
      if (sink_failure.empty()) sink_failure = what;
    }
    sink_error.store(true);
    stop_flag.store(true);
  }

  void sink_thread() {
    while (auto batch = to_sink.pop()) {
      if (sink_error.load()) continue;  // drained, not written
      try {
        write_sink_batch(*store, *batch, metrics);
        publish_live(*batch);
        // Webhooks after the store, so a receiver that looks the alert up finds it.
        if (notifier) notifier->publish(batch->alerts);
        if (lake) {
          // The lake has its own thread: Parquet encoding runs beside the store's writes. The
          // checkpoint travels with the lake's data, so it is written after both.
          LakeBatch lb = take_lake_rows(*batch);
          to_lake.push(lb);
          continue;
        }
        if (!batch->checkpoint.empty()) write_checkpoint(batch->checkpoint);
      } catch (const std::exception& e) {
        // A sink that cannot write must not lose data silently: stop the pipeline loudly.
        metrics.serving_errors.fetch_add(1, std::memory_order_relaxed);
        fail_sink(fmt::format("writing the serving store failed: {}", e.what()));
      }
    }
    to_lake.close();
    try {
      store->flush();
    } catch (const std::exception& e) {
      fail_sink(fmt::format("closing the serving store failed: {}", e.what()));
    }
    if (notifier) notifier->close();  // drains the webhook queues (bounded wait)
  }

  void lake_thread() {
    while (auto batch = to_lake.pop()) {
      if (sink_error.load()) continue;  // drained, not written
      try {
        append_to_lake(*lake, *batch, metrics);
        // The store has committed everything before this checkpoint (each write is a
        // transaction); the lake closes its files inside write_checkpoint.
        if (!batch->checkpoint.empty()) write_checkpoint(batch->checkpoint, /*flush_store=*/false);
      } catch (const std::exception& e) {
        metrics.lake_errors.fetch_add(1, std::memory_order_relaxed);
        fail_sink(fmt::format("writing the lake failed: {}", e.what()));
      }
    }
    try {
      // With an S3 lake this also waits for the uploads.
      if (!lake_sink->close()) fail_sink("closing the lake failed (see above)");
    } catch (const std::exception& e) {
      fail_sink(fmt::format("closing the lake failed: {}", e.what()));
    }
  }

  const Config& config;
  const Clock& clock;
  PipelineMetrics& metrics;
  std::atomic<bool>& stop_flag;
  BoundedQueue<RawBatch> raw;
  BoundedQueue<EnrichedBatch> enriched;
  BoundedQueue<SinkBatch> to_sink;
  BoundedQueue<LakeBatch> to_lake;
  DeadLetterWriter dead;
  std::unique_ptr<SentimentStack> sentiment;
  std::unique_ptr<ServingStore> store;
  std::unique_ptr<LakeSink> lake_sink;
  LakeWriter* lake = nullptr;               // lake_sink's writer
  std::unique_ptr<AlertNotifier> notifier;  // null without [[alerts.webhooks]]
  std::unique_ptr<PipelineMetricsSource> metrics_source;
  std::unique_ptr<DashboardService> dashboard;
  WindowStage windows;
  TriggerSchedule checkpoints;  // when the window thread next puts a checkpoint in the sink batch
  bool warned_replay = false;
  std::atomic<bool> input_error{false};
  std::atomic<bool> sink_error{false};
  std::mutex failure_mu;
  std::string sink_failure;  // the first write failure (guarded by failure_mu)
  std::atomic<bool> windows_finished{false};
  // Checkpoints (file mode).
  std::string checkpoint_path;
  int64_t resume_posts = 0, resume_bars = 0;  // first offsets to read
  int64_t posts_next = 0, bars_next = 0;      // first offsets not yet in the windows
  bool posts_done = false, bars_done = false;
  bool finished_cleanly = false;
  bool resumed = false;
  // The posts file's format, resolved once ("auto" may look at the file), and the input layout
  // checkpoints record.
  const PostFileFormat posts_format_ = posts_format(config);
  const std::string input_layout_ = input_layout(config, posts_format_);
  // What the sources read: the input files, or their sorted copies (sort_inputs()).
  std::string posts_path = config.sources.posts_file;
  PostFileFormat posts_read_format = posts_format_;
  std::string bars_path = config.sources.bars_file;
  std::vector<std::string> sorted_copies;  // removed when the run finishes cleanly
  int64_t time_shift_ms = 0;               // --rebase-time
  std::optional<int64_t> first_record_ms;  // earliest first record of the files (not resumed)
  // Replay pacing (pace()).
  std::mutex pace_mu;
  bool pace_started = false;
  int64_t pace_origin_event_ms = 0;
  int64_t pace_origin_wall_ms = 0;
};

namespace {

// Event time of the first record of a JSON-lines file that decodes (looking at most at 10,000
// lines).
std::optional<int64_t> first_event_time(const std::string& path, Stream stream) {
  LineReader reader;
  if (reader.open(path)) return std::nullopt;
  LineTime line_time(stream);
  Line line;
  for (int i = 0; i < 10000 && reader.next(line) == ReadStatus::kLine; ++i) {
    if (const auto t = line_time(line, PartitionId(0))) return t->value();
  }
  return std::nullopt;
}

// Event time of the first post of a tweet dataset (looking at most at 10,000 records).
std::optional<int64_t> first_dataset_time(const std::string& path, PostFileFormat format,
                                          const Clock& clock) {
  PostReplayOptions o;
  o.format = format;
  o.speed = 0;
  PostReplay replay(o, clock);
  if (replay.open(path)) return std::nullopt;
  Post post;
  DeadLetter letter;
  for (int i = 0; i < 10000; ++i) {
    const ReplayStatus st = replay.next(post, letter);
    if (st == ReplayStatus::kPost) return post.created_at.value();
    if (st != ReplayStatus::kDeadLetter) break;
  }
  return std::nullopt;
}

// Time of the first minute bar fanned out of a daily candle file.
std::optional<int64_t> first_daily_bar_time(const std::string& path, uint64_t seed) {
  DailyCandleFanoutOptions o;
  o.seed = seed;
  DailyCandleFanout fanout(o);
  std::vector<Bar> minute;
  if (fanout.load_csv(path) || !fanout.next_minute(minute) || minute.empty()) return std::nullopt;
  return minute.front().ts.value();
}

}  // namespace

EmbeddedPipeline::EmbeddedPipeline(Config config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {
  check_config(config_);
  prepare_output_dir(config_);
  // A checkpoint left by an interrupted run of the same inputs means: continue, and append to its
  // dead-letter file instead of truncating it.
  const std::string ckpt = config_.checkpoint_path();
  const bool resuming = !ckpt.empty() && std::filesystem::exists(ckpt);
  impl_ = std::make_unique<Impl>(config_, clock_, metrics_, stop_, resuming);
  impl_->checkpoint_path = ckpt;
  impl_->resumed = impl_->restore_checkpoint();
  if (impl_->resumed) {
    fmt::print(stderr,
               "stockpulse: resuming from checkpoint {} (posts from record {}, bars from {})\n",
               ckpt, impl_->resume_posts, impl_->resume_bars);
  }
  impl_->sentiment = std::make_unique<SentimentStack>(config_.sentiment, config_.sources.symbols);
  PipelineSinks sinks = open_pipeline_sinks(config_, clock_);
  impl_->store = std::move(sinks.store);
  impl_->lake_sink = std::move(sinks.lake_sink);
  impl_->lake = sinks.lake;
  if (!config_.alerts.webhooks.empty()) {
    AlertNotifier::Options o;
    o.notify = config_.alerts.notify;
    o.dead_letter_path = config_.alert_dead_letter_path();
    o.delivery_log_path = config_.alert_delivery_log_path();
    o.drain_timeout = std::chrono::seconds(config_.alerts.notify.drain_timeout_s);
    impl_->notifier = std::make_unique<AlertNotifier>(config_.alerts.webhooks, o);
  }
  const std::string url = config_.serving_url();
  if (config_.serve.dashboard && url != "none") {
    Impl* im = impl_.get();
    impl_->metrics_source = std::make_unique<PipelineMetricsSource>(
        metrics_,
        [im] {
          return std::array<size_t, 3>{im->raw.size(), im->enriched.size(), im->to_sink.size()};
        },
        impl_->notifier.get());
    const DashboardOptions d = dashboard_options(config_, config_.serve.listen);
    impl_->dashboard = start_dashboard(d, url, impl_->metrics_source.get());
  }
}

EmbeddedPipeline::~EmbeddedPipeline() = default;

std::string EmbeddedPipeline::sink_failure() const {
  std::lock_guard lock(impl_->failure_mu);
  return impl_->sink_failure;
}

std::string EmbeddedPipeline::checkpoint_path() const {
  return impl_->checkpoint_path;
}

std::string EmbeddedPipeline::dashboard_url() const {
  return impl_->dashboard ? impl_->dashboard->url() : std::string();
}

int EmbeddedPipeline::run() {
  Impl& im = *impl_;
  // The inputs sorted by event time (file mode), inside run() so Ctrl-C stops the sort too.
  if (!im.sort_inputs()) {
    if (im.input_error.load()) return 1;
    fmt::print(stderr,
               "stockpulse: stopped while sorting the input by event time; nothing was processed "
               "yet: run the same command again to start over\n");
    return 0;
  }
  if ((config_.sources.rebase_time || config_.sources.replay_speed > 0) && impl_->file_mode() &&
      !impl_->resumed) {
    // One shift for both files, from the earliest first record, so posts and bars stay aligned.
    std::optional<int64_t> t0;
    const auto earliest = [&t0](std::optional<int64_t> t) {
      if (t) t0 = t0 ? std::min(*t0, *t) : *t;
    };
    const std::string& posts = impl_->posts_path;
    const std::string& bars = impl_->bars_path;
    if (!posts.empty() && posts != "-") {
      const PostFileFormat format = impl_->posts_read_format;
      earliest(format == PostFileFormat::kJsonLines ? first_event_time(posts, Stream::kPosts)
                                                    : first_dataset_time(posts, format, clock_));
    }
    if (!bars.empty() && bars != "-") {
      earliest(config_.daily_bars() ? first_daily_bar_time(bars, config_.run.seed)
                                    : first_event_time(bars, Stream::kBars));
    }
    impl_->first_record_ms = t0;
    if (t0 && config_.sources.rebase_time) {
      impl_->time_shift_ms = clock_.now().value() - *t0;
      fmt::print(stderr, "stockpulse: --rebase-time: {} maps to now (shift {} s)\n",
                 format_iso8601(EventTime(*t0)), impl_->time_shift_ms / 1000);
    }
  }
  const int64_t workers =
      config_.pipeline.workers > 0
          ? config_.pipeline.workers
          : std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()));

  std::vector<std::jthread> sources;
  if (config_.sources.replay_speed > 0 && im.first_record_ms) {
    im.start_pacing(*im.first_record_ms);
  }
  if (im.file_mode()) {
    const std::string& posts = im.posts_path;
    const std::string& bars = im.bars_path;
    if (!posts.empty()) {
      const PostFileFormat format = im.posts_read_format;
      if (format == PostFileFormat::kJsonLines) {
        sources.emplace_back([&] { im.read_file(posts, Stream::kPosts, PartitionId(0)); });
      } else {
        sources.emplace_back([&im, &posts, format] { im.read_post_dataset(posts, format); });
      }
    }
    if (!bars.empty()) {
      if (config_.daily_bars()) {
        sources.emplace_back([&] { im.read_daily_bars(bars); });
      } else {
        sources.emplace_back([&] { im.read_file(bars, Stream::kBars, PartitionId(1)); });
      }
    }
  } else {
    sources.emplace_back([&] { im.run_synthetic(); });
  }
  std::vector<std::jthread> enrichers;
  for (int64_t i = 0; i < workers; ++i) enrichers.emplace_back([&] { im.enrich_worker(); });
  std::jthread windows([&] { im.window_thread(); });
  std::jthread sink([&] { im.sink_thread(); });
  std::jthread lake_writer([&] {
    if (im.lake) im.lake_thread();
  });

  // The stage threads stop by themselves at end of input; a duration or Ctrl-C stops the sources.
  std::jthread closer([&] {
    for (auto& s : sources) s.join();
    im.raw.close();
    for (auto& e : enrichers) e.join();
    im.enriched.close();
  });
  ControlLoop loop;
  loop.period = std::chrono::milliseconds(20);
  loop.duration_s = config_.run.duration_s;
  loop.finished = [&im] { return im.windows_finished.load(); };
  loop.on_rates = [&](const StatsRates& rates) {
    im.publish_stats(rates);
    if (config_.run.progress) fmt::print(stderr, "{}\n", im.progress_line(rates));
  };
  run_control_loop(loop, metrics_, stop_);
  closer.join();
  windows.join();
  sink.join();
  lake_writer.join();
  im.dead.flush();
  const bool failed = im.input_error.load() || im.sink_error.load();
  // A finished run needs no checkpoint: running it again starts from the beginning.
  if (!failed && im.finished_cleanly && !im.checkpoint_path.empty()) {
    std::filesystem::remove(im.checkpoint_path);
  }
  // The sorted copies serve only this run (and its resumption).
  if (!failed && im.finished_cleanly) {
    std::error_code ec;
    for (const auto& copy : im.sorted_copies) {
      std::filesystem::remove(copy, ec);
      std::filesystem::remove(copy + ".source", ec);
    }
    if (!im.sorted_copies.empty()) {
      std::filesystem::remove(std::filesystem::path(im.sorted_copies.front()).parent_path(), ec);
    }
  }
  return failed ? 1 : 0;
}

}  // namespace stockpulse
