#include "pipeline/kafka_processor.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/kafka_partition_reader.h"
#include "bus/kafka/kafka_producer.h"
#include "common/time_format.h"
#include "pipeline/control_loop.h"
#include "pipeline/dead_letter_writer.h"
#include "pipeline/enricher.h"
#include "pipeline/keyed_record.h"
#include "pipeline/lake_batch.h"
#include "pipeline/lake_sink.h"
#include "pipeline/pipeline_sinks.h"
#include "pipeline/pipeline_stats.h"
#include "pipeline/result_fanout.h"
#include "pipeline/sentiment_stack.h"
#include "pipeline/sink_batch_writer.h"
#include "pipeline/trigger_protocol.h"
#include "pipeline/trigger_schedule.h"
#include "pipeline/window_stage.h"
#include "sink/lake_writer.h"
#include "sink/serving_store.h"
#include "window/checkpoint_codec.h"

namespace stockpulse {

namespace {

constexpr size_t kRecordPadding = 64;  // >= SIMDJSON_PADDING
constexpr size_t kSnapshotChunkBytes = 512 * 1024;
constexpr uint32_t kStateMagic = 0x53504b53;  // "SKPS"
constexpr uint32_t kStateVersion = 2;         // 2: watermark trackers
constexpr uint32_t kChunkMagic = 0x4b4e4843;  // "CHNK"
constexpr auto kKafkaTimeout = std::chrono::seconds(30);

using SteadyClock = std::chrono::steady_clock;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

// Which input a keyed record came from, for recognising re-sent records: (stream, partition).
using SourceKey = std::pair<uint8_t, int32_t>;
// The last applied (source offset, sub) of a source.
using SourceMark = std::pair<int64_t, uint32_t>;

// Everything one keyed partition needs: its window stage, the keyed offset it has applied up to,
// and how far it has applied each source.
struct PartitionState {
  PartitionState(const Config& c, const Clock& clock, PipelineMetrics& m)
      : stage(c, clock, m, WindowStage::Options{.market_wide_fear_greed = false}) {}
  WindowStage stage;
  int64_t next_offset = -1;  // -1: nothing applied yet
  std::map<SourceKey, SourceMark> applied;
  bool first_commit_reported = false;  // not saved: per member, for the log
};

std::string encode_state(const PartitionState& s) {
  std::string out;
  CheckpointWriter w(out);
  w.put<uint32_t>(kStateMagic);
  w.put<uint32_t>(kStateVersion);
  w.put<int64_t>(s.next_offset);
  w.put<uint32_t>(static_cast<uint32_t>(s.applied.size()));
  for (const auto& [key, mark] : s.applied) {
    w.put<uint8_t>(key.first);
    w.put<int32_t>(key.second);
    w.put<int64_t>(mark.first);
    w.put<uint32_t>(mark.second);
  }
  std::string engine_s, engine_m, signals, watermarks;
  s.stage.save(engine_s, engine_m, signals, watermarks);
  w.put_bytes(engine_s);
  w.put_bytes(engine_m);
  w.put_bytes(signals);
  w.put_bytes(watermarks);
  w.seal(0);
  return out;
}

bool decode_state(std::string_view in, PartitionState& s) {
  if (in.size() < 8) return false;
  const std::string_view body = in.substr(0, in.size() - 8);
  uint64_t sum = 0;
  std::memcpy(&sum, in.data() + body.size(), 8);
  if (checkpoint_checksum(body) != sum) return false;
  CheckpointReader r(body);
  if (r.get<uint32_t>() != kStateMagic || r.get<uint32_t>() != kStateVersion) return false;
  s.next_offset = r.get<int64_t>();
  const uint32_t n = r.get<uint32_t>();
  if (!r.ok() || n > r.remaining() / 17) return false;
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t stream = r.get<uint8_t>();
    const int32_t partition = r.get<int32_t>();
    const int64_t offset = r.get<int64_t>();
    const uint32_t sub = r.get<uint32_t>();
    s.applied[{stream, partition}] = {offset, sub};
  }
  const std::string_view engine_s = r.get_bytes();
  const std::string_view engine_m = r.get_bytes();
  const std::string_view signals = r.get_bytes();
  const std::string_view watermarks = r.get_bytes();
  if (!r.ok() || r.remaining() != 0) return false;
  return s.stage.restore(engine_s, engine_m, signals, watermarks);
}

// Where a snapshot lies in the state topic, carried as the committed offset's metadata:
// "stockpulse-snapshot 1 <id> <state partition> <offset>,<offset>,..." (one offset per chunk).
struct SnapshotRef {
  uint64_t id = 0;
  int32_t partition = 0;
  std::vector<int64_t> offsets;

  std::string format() const {
    std::string s = fmt::format("stockpulse-snapshot 1 {} {} ", id, partition);
    for (size_t i = 0; i < offsets.size(); ++i) {
      if (i) s += ',';
      s += std::to_string(offsets[i]);
    }
    return s;
  }

  static std::optional<SnapshotRef> parse(const std::string& text) {
    std::istringstream in(text);
    std::string magic, list;
    int version = 0;
    SnapshotRef r;
    if (!(in >> magic >> version >> r.id >> r.partition >> list)) return std::nullopt;
    if (magic != "stockpulse-snapshot" || version != 1) return std::nullopt;
    size_t start = 0;
    while (start < list.size()) {
      size_t end = list.find(',', start);
      if (end == std::string::npos) end = list.size();
      int64_t v = 0;
      auto [p, ec] = std::from_chars(list.data() + start, list.data() + end, v);
      if (ec != std::errc() || p != list.data() + end) return std::nullopt;
      r.offsets.push_back(v);
      start = end + 1;
    }
    if (r.offsets.empty()) return std::nullopt;
    return r;
  }
};

std::string chunk_header(uint64_t id, uint32_t index, uint32_t count) {
  std::string out;
  CheckpointWriter w(out);
  w.put<uint32_t>(kChunkMagic);
  w.put<uint64_t>(id);
  w.put<uint32_t>(index);
  w.put<uint32_t>(count);
  return out;
}
constexpr size_t kChunkHeaderBytes = 20;

}  // namespace

struct KafkaProcessor::Impl {
  Impl(const Config& c, const ProcessOptions& o, const Clock& clk, PipelineMetrics& m,
       std::atomic<bool>& stop)
      : config(c), options(o), clock(clk), metrics(m), stop_flag(stop) {}

  // ---- ingest stage --------------------------------------------------------------------------

  void ingest_thread() {
    KafkaConsumerOptions co;
    co.connection = options.connection;
    co.group_id = options.group + "-ingest";
    co.topics = {options.posts_topic, options.bars_topic};
    co.on_revoked = [this](std::span<const TopicPartition> parts, bool lost) {
      // Everything handed to the keyed topic so far is committed before the partitions go, so
      // their next owner starts where this member stopped.
      if (!lost && !failed.load()) commit_ingest(&parts);
      for (const auto& tp : parts) ingest_positions.erase({tp.topic, tp.partition.value()});
    };
    auto partitions_of_keyed = ingest_producer->partition_count(options.keyed_topic, kKafkaTimeout);
    if (!partitions_of_keyed.ok()) return fail("ingest: " + partitions_of_keyed.error());
    keyed_partitions = partitions_of_keyed.value();
    auto consumer = KafkaConsumer::create(std::move(co));
    if (!consumer.ok()) return fail("ingest: " + consumer.error());
    ingest_consumer = consumer.value().get();
    Enricher enricher(config, *sentiment, 0);
    ConsumedBatch batch;
    RawBatch raw;
    EnrichedBatch out;
    std::vector<DeadLetter> letters;
    auto last_commit = SteadyClock::now();
    while (!stop_flag.load()) {
      auto n =
          consumer.value()->poll_batch(options.poll_batch, std::chrono::milliseconds(100), batch);
      if (!n.ok()) return fail("ingest: " + n.error());
      report_kafka_errors("ingest", batch.errors);
      if (n.value() > 0) last_ingest_ms.store(steady_ms());
      // Records of one partition are in offset order; partitions may interleave. Cut the batch
      // into runs of one (topic, partition) and enrich each run as one RawBatch.
      size_t i = 0;
      while (i < batch.records.size() && !failed.load()) {
        const ConsumedRecord& first = batch.records[i];
        const bool posts = batch.topic(first) == options.posts_topic;
        raw = RawBatch{};
        raw.stream = posts ? Stream::kPosts : Stream::kBars;
        raw.partition = first.partition;
        size_t j = i;
        for (; j < batch.records.size() && batch.records[j].topic_index == first.topic_index &&
               batch.records[j].partition == first.partition;
             ++j) {
          const ConsumedRecord& r = batch.records[j];
          const std::string_view value = batch.value(r);
          const size_t limit = static_cast<size_t>(config.sources.max_record_bytes);
          RawRecord rr;
          rr.offset = r.offset;
          rr.begin = static_cast<uint32_t>(raw.buffer.size());
          rr.size = static_cast<uint32_t>(std::min(value.size(), limit));
          rr.full_size = value.size();
          rr.too_large = value.size() > limit;
          raw.buffer.append(value.substr(0, rr.size));
          raw.buffer.push_back('\n');
          raw.records.push_back(rr);
          raw.end_offset = Offset(r.offset.value() + 1);
        }
        raw.buffer.append(kRecordPadding, ' ');
        (posts ? metrics.posts_read : metrics.bars_read)
            .fetch_add(raw.records.size(), std::memory_order_relaxed);
        out = EnrichedBatch{};
        letters.clear();
        enricher.process(raw, out, letters);
        if (!send_keyed(out) || !send_dead_letters(*ingest_producer, letters)) return;
        (posts ? metrics.posts_scored : metrics.bars_decoded)
            .fetch_add(posts ? out.posts.size() : out.bars.size(), std::memory_order_relaxed);
        ingest_positions[{std::string(batch.topic(first)), first.partition.value()}] =
            raw.end_offset.value();
        i = j;
      }
      if (SteadyClock::now() - last_commit >= std::chrono::seconds(1)) {
        if (!commit_ingest(nullptr)) return;
        last_commit = SteadyClock::now();
      }
    }
    commit_ingest(nullptr);
    if (auto r = consumer.value()->close(); !r.ok()) report_kafka_errors("ingest", {r.error()});
    ingest_consumer = nullptr;
  }

  // The scored post itself goes to the keyed partition of its source partition (so one member
  // at a time archives each source partition, and lake files named by source offsets stay
  // unique); its window contributions go by key: the overall score to "*", each ticker's score to
  // the ticker. Contributions carry no text: they only feed windows. Bars go to their symbol.
  bool send_keyed(EnrichedBatch& out) {
    KeyedRecord k;
    for (ScoredPost& p : out.posts) {
      k.kind = KeyedRecord::Kind::kPost;
      k.sub = 0;
      k.post = p;
      const int32_t home = p.post.position.partition.value() % keyed_partitions;
      if (!produce_keyed(p.tickers.empty() ? p.post.id : p.tickers[0].symbol, k, home)) {
        return false;
      }
      k.kind = KeyedRecord::Kind::kMention;
      k.post.post.text.clear();
      k.post.post.user.clear();
      k.post.tickers.assign(1, TickerSentiment{kMarketKey, p.overall});
      k.sub = 1;
      if (!produce_keyed(kMarketKey, k)) return false;
      for (size_t t = 0; t < p.tickers.size(); ++t) {
        k.sub = static_cast<uint32_t>(t + 2);
        k.post.tickers.assign(1, p.tickers[t]);
        if (!produce_keyed(p.tickers[t].symbol, k)) return false;
      }
    }
    k.kind = KeyedRecord::Kind::kBar;
    k.sub = 0;
    k.post = ScoredPost{};
    for (Bar& b : out.bars) {
      k.bar = std::move(b);
      if (!produce_keyed(k.bar.symbol, k)) return false;
    }
    return true;
  }

  bool produce_keyed(const std::string& key, const KeyedRecord& k,
                     int32_t partition = RD_KAFKA_PARTITION_UA) {
    keyed_buffer.clear();
    encode_keyed(k, keyed_buffer);
    auto r = ingest_producer->produce(options.keyed_topic, key, keyed_buffer, partition);
    if (!r.ok()) {
      fail("ingest: " + r.error());
      return false;
    }
    return true;
  }

  // Commits the ingest positions (of `only`, or of every partition) once the keyed topic has
  // every message made from them.
  bool commit_ingest(const std::span<const TopicPartition>* only) {
    if (ingest_consumer == nullptr || ingest_positions.empty()) return true;
    if (!delivered_all(*ingest_producer, ingest_failures)) {
      fail(
          fmt::format("ingest: the keyed topic did not acknowledge every message ({}); not "
                      "committing, a restart re-reads them",
                      ingest_producer->counts().last_failure));
      return false;
    }
    for (const auto& [tp, next] : ingest_positions) {
      if (only != nullptr && std::none_of(only->begin(), only->end(), [&](const TopicPartition& p) {
            return p.topic == tp.first && p.partition.value() == tp.second;
          })) {
        continue;
      }
      auto r = ingest_consumer->commit(tp.first, PartitionId(tp.second), Offset(next),
                                       only ? CommitMode::kSync : CommitMode::kAsync);
      if (!r.ok()) report_kafka_errors("ingest", {r.error()});
    }
    return true;
  }

  // ---- windows stage -------------------------------------------------------------------------

  void windows_thread() {
    KafkaConsumerOptions co;
    co.connection = options.connection;
    co.group_id = options.group + "-windows";
    co.topics = {options.keyed_topic};
    co.on_assigned = [this](std::span<const TopicPartition> parts) {
      for (const auto& tp : parts) assign_partition(tp.partition);
    };
    co.on_revoked = [this](std::span<const TopicPartition> parts, bool lost) {
      // The rows of these partitions go out and their state is snapshotted before another member
      // takes them; a lost partition (session timed out) is already someone else's.
      std::vector<int32_t> ids;
      for (const auto& tp : parts) ids.push_back(tp.partition.value());
      // After a failure nothing more is committed: the last good snapshot stays the one to use.
      if (!lost && !failed.load()) checkpoint(ids);
      for (int32_t id : ids) partitions.erase(id);
    };
    auto consumer = KafkaConsumer::create(std::move(co));
    if (!consumer.ok()) return fail("windows: " + consumer.error());
    windows_consumer = consumer.value().get();
    ConsumedBatch batch;
    std::vector<DeadLetter> letters;
    TriggerSchedule trigger(clock, std::chrono::milliseconds(config.run.trigger_interval_ms));
    TriggerSchedule checkpoints(clock, options.checkpoint_interval);
    bool idle_exit = false;
    while (!stop_flag.load() && !failed.load()) {
      auto n =
          consumer.value()->poll_batch(options.poll_batch, std::chrono::milliseconds(50), batch);
      if (!n.ok()) return fail("windows: " + n.error());
      report_kafka_errors("windows", batch.errors);
      if (n.value() > 0) last_windows_ms.store(steady_ms());
      letters.clear();
      touched.clear();
      for (const ConsumedRecord& r : batch.records) apply(batch, r, letters);
      std::sort(touched.begin(), touched.end());
      touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
      for (int32_t id : touched) {
        if (auto it = partitions.find(id); it != partitions.end()) {
          it->second->stage.advance_watermarks(sink);
        }
      }
      if (!send_dead_letters(*windows_producer, letters)) return;
      partition_count.store(partitions.size());
      const bool checkpoint_due = checkpoints.due();
      if (fire_trigger_if_due(trigger, stages(), sink)) {
        trigger.restart();
        if (!write_sinks()) return;
      }
      if (checkpoint_due) {
        if (!checkpoint(assigned_ids())) return;
        checkpoints.restart();
      }
      if (options.exit_when_idle.count() > 0) {
        const int64_t last = std::max({last_ingest_ms.load(), last_windows_ms.load(), started_ms});
        if (steady_ms() - last >= options.exit_when_idle.count()) {
          idle_exit = true;
          break;
        }
      }
    }
    if (idle_exit && !failed.load()) {
      // No input for a while: end of input, as in file mode. Every open window goes out final.
      fmt::print(stderr, "stockpulse: no input for {} s: emitting every open window and stopping\n",
                 options.exit_when_idle.count() / 1000.0);
      flush_end_of_input(stages(), sink);
    }
    if (!failed.load()) checkpoint(assigned_ids());
    stop_flag.store(true);
    // Leaving the group revokes every partition (on_revoked checkpoints them once more, which is
    // cheap when nothing changed) so the other members take over at once.
    if (auto r = consumer.value()->close(); !r.ok()) report_kafka_errors("windows", {r.error()});
    windows_consumer = nullptr;
  }

  // The window stages of the assigned partitions, for the trigger protocol.
  std::vector<WindowStage*> stages() {
    std::vector<WindowStage*> out;
    out.reserve(partitions.size());
    for (auto& [id, st] : partitions) out.push_back(&st->stage);
    return out;
  }

  std::vector<int32_t> assigned_ids() const {
    std::vector<int32_t> ids;
    for (const auto& [id, st] : partitions) ids.push_back(id);
    return ids;
  }

  void apply(const ConsumedBatch& batch, const ConsumedRecord& r,
             std::vector<DeadLetter>& letters) {
    const int32_t id = r.partition.value();
    auto it = partitions.find(id);
    if (it == partitions.end()) {
      // Records arrive only for assigned partitions; one without state was assigned while its
      // snapshot could not be read, and is skipped (the failure stops the processor).
      return;
    }
    PartitionState& st = *it->second;
    if (r.offset.value() < st.next_offset) return;  // applied before the snapshot
    st.next_offset = r.offset.value() + 1;
    std::optional<KeyedRecord> k = decode_keyed(batch.value(r));
    if (!k) {
      DeadLetter d;
      d.stream = options.keyed_topic;
      d.partition = r.partition;
      d.offset = r.offset;
      d.reason = DeadLetterReason::kMalformedJson;
      d.detail = "not a stockpulse keyed record (of this version)";
      d.payload_size = r.value_size;
      d.payload = std::string(batch.value(r).substr(0, kMaxDeadLetterPayload));
      letters.push_back(std::move(d));
      return;
    }
    const bool bar = k->kind == KeyedRecord::Kind::kBar;
    const SourcePosition pos = bar ? k->bar.position : k->post.post.position;
    const SourceKey source{static_cast<uint8_t>(bar ? Stream::kBars : Stream::kPosts),
                           pos.partition.value()};
    const SourceMark mark{pos.offset.value(), k->sub};
    auto [applied, fresh] = st.applied.try_emplace(source, mark);
    if (!fresh) {
      // The ingest stage re-sent what it made before a crash: same position, already applied.
      if (mark <= applied->second) {
        ++duplicates_skipped;
        return;
      }
      applied->second = mark;
    }
    if (touched.empty() || touched.back() != id) touched.push_back(id);
    switch (k->kind) {
      case KeyedRecord::Kind::kPost:
        sink.posts.push_back(std::move(k->post));
        break;
      case KeyedRecord::Kind::kMention:
        if (!k->post.tickers.empty()) {
          st.stage.add_mention(k->post.tickers[0].symbol, k->post.tickers[0].scores.compound,
                               k->post.post, sink, letters);
        }
        break;
      case KeyedRecord::Kind::kBar:
        st.stage.add_bar(k->bar, sink, letters);
        break;
    }
  }

  // A partition arrives: restore its snapshot, or start it empty when the group never committed
  // it. A committed offset whose snapshot cannot be read stops the processor: starting empty there
  // would overwrite complete windows with partial ones.
  void assign_partition(PartitionId p) {
    auto st = std::make_unique<PartitionState>(config, clock, metrics);
    auto committed =
        windows_consumer->committed_with_metadata(options.keyed_topic, p, kKafkaTimeout);
    if (!committed.ok()) return fail("windows: " + committed.error());
    if (committed.value().offset) {
      const auto ref = SnapshotRef::parse(committed.value().metadata);
      if (!ref) {
        return fail(fmt::format(
            "windows: {} [{}] has a committed offset but no stockpulse snapshot (metadata '{}'): "
            "was the group id used by something else?",
            options.keyed_topic, p.value(), committed.value().metadata.substr(0, 80)));
      }
      auto bytes = read_snapshot(*ref);
      if (!bytes) return;
      if (!decode_state(*bytes, *st)) {
        return fail(
            fmt::format("windows: the snapshot of {} [{}] does not match this "
                        "configuration (window spec?) or is damaged",
                        options.keyed_topic, p.value()));
      }
      if (st->next_offset != committed.value().offset->value()) {
        // The snapshot says where its state ends; read on from exactly there.
        auto r =
            windows_consumer->seek(options.keyed_topic, p, Offset(st->next_offset), kKafkaTimeout);
        if (!r.ok()) return fail("windows: " + r.error());
      }
      ++metrics_restored;
      fmt::print(stderr, "stockpulse: {} [{}] restored from its snapshot at offset {}\n",
                 options.keyed_topic, p.value(), st->next_offset);
    }
    partitions[p.value()] = std::move(st);
  }

  std::optional<std::string> read_snapshot(const SnapshotRef& ref) {
    if (!reader) {
      auto r = KafkaPartitionReader::create(options.connection);
      if (!r.ok()) {
        fail("windows: " + r.error());
        return std::nullopt;
      }
      reader = std::move(r.value());
    }
    const auto [lo, hi] = std::minmax_element(ref.offsets.begin(), ref.offsets.end());
    auto msgs = reader->read(options.state_topic, PartitionId(ref.partition), Offset(*lo),
                             static_cast<size_t>(*hi - *lo + 1), kKafkaTimeout);
    if (!msgs.ok()) {
      fail("windows: reading a snapshot: " + msgs.error());
      return std::nullopt;
    }
    std::string bytes;
    for (size_t i = 0; i < ref.offsets.size(); ++i) {
      const std::string& m = msgs.value()[static_cast<size_t>(ref.offsets[i] - *lo)];
      CheckpointReader r(m);
      if (m.size() < kChunkHeaderBytes || r.get<uint32_t>() != kChunkMagic ||
          r.get<uint64_t>() != ref.id || r.get<uint32_t>() != i ||
          r.get<uint32_t>() != ref.offsets.size()) {
        fail(
            fmt::format("windows: snapshot chunk at {} [{}] offset {} is not the one the "
                        "committed offset names",
                        options.state_topic, ref.partition, ref.offsets[i]));
        return std::nullopt;
      }
      bytes.append(m, kChunkHeaderBytes);
    }
    return bytes;
  }

  // Writes every row, then snapshots the given partitions and commits their offsets with the
  // snapshots' locations. Order matters: a committed offset promises that every row made from the
  // records before it is stored, so rows first, snapshot second, commit last.
  bool checkpoint(const std::vector<int32_t>& ids) {
    if (!write_sinks()) return false;
    try {
      store->flush();
    } catch (const std::exception& e) {
      metrics.serving_errors.fetch_add(1, std::memory_order_relaxed);
      fail(fmt::format("windows: flushing the serving store failed: {}", e.what()));
      return false;
    }
    if (lake) {
      if (auto err = close_lake_for_checkpoint(*lake)) {
        metrics.lake_errors.fetch_add(1, std::memory_order_relaxed);
        fmt::print(stderr, "warning: lake files could not be written ({}); checkpoint skipped\n",
                   *err);
        return true;  // retried at the next checkpoint; nothing is committed meanwhile
      }
    }
    struct Pending {
      int32_t id;
      int64_t next_offset;
      uint64_t snapshot_id;
      std::vector<std::unique_ptr<DeliveryReceipt>> receipts;
    };
    std::vector<Pending> pending;
    for (int32_t id : ids) {
      auto it = partitions.find(id);
      if (it == partitions.end() || it->second->next_offset < 0) continue;
      const std::string bytes = encode_state(*it->second);
      Pending p{id, it->second->next_offset, rng(), {}};
      const std::string key = fmt::format("{}/{}/{}", options.group, options.keyed_topic, id);
      const uint32_t count =
          static_cast<uint32_t>((bytes.size() + kSnapshotChunkBytes - 1) / kSnapshotChunkBytes);
      for (uint32_t c = 0; c < count; ++c) {
        std::string msg = chunk_header(p.snapshot_id, c, count);
        msg.append(bytes, c * kSnapshotChunkBytes, kSnapshotChunkBytes);
        p.receipts.push_back(std::make_unique<DeliveryReceipt>());
        // Every chunk of a partition's snapshots goes to one state partition (by key).
        auto r = windows_producer->produce(options.state_topic, key, msg, RD_KAFKA_PARTITION_UA,
                                           p.receipts.back().get());
        if (!r.ok()) {
          fail("windows: writing a snapshot: " + r.error());
          return false;
        }
      }
      pending.push_back(std::move(p));
    }
    if (!delivered_all(*windows_producer, windows_failures)) {
      fail(fmt::format("windows: results or snapshots were not acknowledged ({}); not committing",
                       windows_producer->counts().last_failure));
      return false;
    }
    for (Pending& p : pending) {
      SnapshotRef ref;
      ref.id = p.snapshot_id;
      for (const auto& rc : p.receipts) {
        if (!rc->done || !rc->ok) {
          fail("windows: a snapshot chunk was not delivered: " + rc->error);
          return false;
        }
        ref.partition = rc->partition;
        ref.offsets.push_back(rc->offset);
      }
      auto r = windows_consumer->commit(options.keyed_topic, PartitionId(p.id),
                                        Offset(p.next_offset), CommitMode::kSync, ref.format());
      if (!r.ok()) {
        // Not fatal: the previous snapshot and offset stay valid, and the next checkpoint retries.
        report_kafka_errors("windows", {r.error()});
      } else if (auto it = partitions.find(p.id);
                 it != partitions.end() && !it->second->first_commit_reported) {
        it->second->first_commit_reported = true;
        fmt::print(stderr, "stockpulse: {} [{}] snapshot committed at offset {}\n",
                   options.keyed_topic, p.id, p.next_offset);
      }
    }
    metrics.checkpoints.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Rows to the serving store, the lake and the result topics.
  bool write_sinks() {
    SinkBatch& b = sink;
    try {
      write_sink_batch(*store, b, metrics);
    } catch (const std::exception& e) {
      metrics.serving_errors.fetch_add(1, std::memory_order_relaxed);
      fail(fmt::format("windows: writing the serving store failed: {}", e.what()));
      return false;
    }
    const bool sent =
        fan_out_results(b, WindowRows::kFinalOnly,
                        [&](ResultChannel channel, std::string_view key, const std::string& json) {
                          auto r = windows_producer->produce(result_topic(channel), key, json);
                          if (!r.ok()) fail("windows: " + r.error());
                          return r.ok();
                        });
    if (!sent) return false;
    if (lake) {
      try {
        append_to_lake(*lake, take_lake_rows(b), metrics);
      } catch (const std::exception& e) {
        metrics.lake_errors.fetch_add(1, std::memory_order_relaxed);
        fail(fmt::format("windows: writing the lake failed: {}", e.what()));
        return false;
      }
    }
    sink = SinkBatch{};
    return true;
  }

  const std::string& result_topic(ResultChannel channel) const {
    switch (channel) {
      case ResultChannel::kSentiment:
        return options.sentiment_topic;
      case ResultChannel::kTrend:
        return options.trends_topic;
      case ResultChannel::kAlert:
        return options.alerts_topic;
    }
    return options.alerts_topic;
  }

  // ---- shared --------------------------------------------------------------------------------

  bool send_dead_letters(KafkaProducer& producer, const std::vector<DeadLetter>& letters) {
    std::string json;
    for (const DeadLetter& d : letters) {
      metrics.count_dead(d.reason);
      json.clear();
      append_dead_letter_json(d, json);
      auto r = producer.produce(options.dead_letter_topic, d.stream, json);
      if (!r.ok()) {
        fail("dead letters: " + r.error());
        return false;
      }
    }
    return true;
  }

  // Waits until the producer has nothing in flight; true when nothing failed since the last call.
  bool delivered_all(KafkaProducer& producer, uint64_t& failures_seen) {
    producer.flush(kKafkaTimeout);
    const DeliveryCounts c = producer.counts();
    if (c.in_flight() != 0 || c.failed != failures_seen) {
      failures_seen = c.failed;
      return false;
    }
    return true;
  }

  void report_kafka_errors(const char* stage, const std::vector<std::string>& errors) {
    for (const auto& e : errors) {
      const int64_t now = steady_ms();
      // Broker outages produce a burst of the same error: say it once every few seconds.
      std::lock_guard lock(log_mu);
      if (e == last_error && now - last_error_ms < 5000) continue;
      last_error = e;
      last_error_ms = now;
      fmt::print(stderr, "stockpulse: {}: {}\n", stage, e);
    }
  }

  void fail(const std::string& why) {
    std::lock_guard lock(log_mu);
    fmt::print(stderr, "error: {}\n", why);
    failed.store(true);
    stop_flag.store(true);
  }

  std::string progress_line(double posts_per_s) const {
    return fmt::format(
        "posts/s {:>9.0f}  partitions {:>2}  windows final {:>7}  rows {:>9}  late {:>6}  "
        "dead-letter {:>6}  re-sent skipped {:>6}  checkpoints {}",
        posts_per_s, partition_count.load(),
        metrics.sentiment_windows_final.load() + metrics.market_windows_final.load(),
        metrics.rows_written.load(), metrics.late(), metrics.dead_letters.load(),
        duplicates_skipped.load(), metrics.checkpoints.load());
  }

  const Config& config;
  const ProcessOptions& options;
  const Clock& clock;
  PipelineMetrics& metrics;
  std::atomic<bool>& stop_flag;
  std::atomic<bool> failed{false};
  std::unique_ptr<SentimentStack> sentiment;
  std::unique_ptr<ServingStore> store;
  std::unique_ptr<LakeSink> lake_sink;
  LakeWriter* lake = nullptr;  // lake_sink's writer
  std::unique_ptr<KafkaProducer> ingest_producer;
  std::unique_ptr<KafkaProducer> windows_producer;
  std::unique_ptr<KafkaPartitionReader> reader;
  KafkaConsumer* ingest_consumer = nullptr;
  KafkaConsumer* windows_consumer = nullptr;
  // Ingest: next offset to commit per (topic, partition).
  std::map<std::pair<std::string, int32_t>, int64_t> ingest_positions;
  uint64_t ingest_failures = 0;
  uint64_t windows_failures = 0;
  std::string keyed_buffer;
  int32_t keyed_partitions = 1;
  // Windows: state per assigned keyed partition.
  std::unordered_map<int32_t, std::unique_ptr<PartitionState>> partitions;
  std::vector<int32_t> touched;
  SinkBatch sink;
  std::mt19937_64 rng{std::random_device{}()};
  std::atomic<uint64_t> duplicates_skipped{0};
  std::atomic<size_t> partition_count{0};
  uint64_t metrics_restored = 0;
  std::atomic<int64_t> last_ingest_ms{0};
  std::atomic<int64_t> last_windows_ms{0};
  int64_t started_ms = steady_ms();
  std::mutex log_mu;
  std::string last_error;
  int64_t last_error_ms = 0;
};

KafkaProcessor::KafkaProcessor(Config config, ProcessOptions options, const Clock& clock)
    : config_(std::move(config)), options_(std::move(options)), clock_(clock) {
  check_config(config_);
  if (options_.connection.brokers.empty()) {
    throw std::runtime_error("process needs the Kafka brokers (--kafka HOST:PORT[,...])");
  }
  impl_ = std::make_unique<Impl>(config_, options_, clock_, metrics_, stop_);
  impl_->sentiment = std::make_unique<SentimentStack>(config_.sentiment, config_.sources.symbols);
  PipelineSinks sinks = open_pipeline_sinks(config_, clock_);
  impl_->store = std::move(sinks.store);
  impl_->lake_sink = std::move(sinks.lake_sink);
  impl_->lake = sinks.lake;
  KafkaProducerOptions po;
  po.connection = options_.connection;
  // Internal topics and results are compressed unless the user says otherwise (their properties
  // come after this one): keyed records repeat symbols and field layouts.
  po.connection.properties.insert(po.connection.properties.begin(), {"compression.codec", "lz4"});
  for (auto* p : {&impl_->ingest_producer, &impl_->windows_producer}) {
    auto r = KafkaProducer::create(po);
    if (!r.ok()) throw std::runtime_error("cannot create a Kafka producer: " + r.error());
    *p = std::move(r.value());
  }
}

KafkaProcessor::~KafkaProcessor() = default;

int KafkaProcessor::run() {
  Impl& im = *impl_;
  std::jthread ingest([&] { im.ingest_thread(); });
  std::jthread windows([&] { im.windows_thread(); });
  ControlLoop loop;
  loop.period = std::chrono::milliseconds(50);
  loop.duration_s = config_.run.duration_s;
  loop.finished = [this] { return stop_.load(); };
  loop.on_rates = [&](const StatsRates& rates) {
    if (config_.run.progress) fmt::print(stderr, "{}\n", im.progress_line(rates.posts_per_s));
    // No internal queues: each stage reads from Kafka, whose lag is the backlog.
    if (on_stats_) on_stats_(stats_json(metrics_, rates, clock_.now().value(), std::nullopt));
  };
  run_control_loop(loop, metrics_, stop_);
  ingest.join();
  windows.join();
  if (im.lake_sink && !im.lake_sink->close()) im.failed.store(true);
  for (auto* p : {im.ingest_producer.get(), im.windows_producer.get()}) {
    if (!p->flush(kKafkaTimeout)) {
      fmt::print(stderr, "error: not every result or dead letter was delivered: {}\n",
                 p->counts().last_failure);
      im.failed.store(true);
    }
  }
  fmt::print(stderr,
             "stockpulse: processed {} posts and {} bars; {} windows final, {} rows written, {} "
             "dead letters, {} re-sent records skipped, {} partitions restored from snapshots\n",
             metrics_.posts_scored.load(), metrics_.bars_decoded.load(),
             metrics_.sentiment_windows_final.load() + metrics_.market_windows_final.load(),
             metrics_.rows_written.load(), metrics_.dead_letters.load(),
             im.duplicates_skipped.load(), im.metrics_restored);
  return im.failed.load() ? 1 : 0;
}

}  // namespace stockpulse
