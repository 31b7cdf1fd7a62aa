#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "app/config.h"
#include "bus/kafka/kafka_config.h"
#include "common/clock.h"
#include "pipeline/pipeline_metrics.h"

namespace stockpulse {

// Topic names and timings of `stockpulse process`.
struct ProcessOptions {
  KafkaConnection connection;
  std::string group = "stockpulse";
  std::string posts_topic = "tweets";
  std::string bars_topic = "stock-prices";
  // Internal: scored posts and bars re-keyed by window key (see keyed_record.h).
  std::string keyed_topic = "stockpulse-keyed";
  // Internal: snapshots of each keyed partition's window state.
  std::string state_topic = "stockpulse-state";
  // Results (final rows, JSON as the query API writes them) and rejected records.
  std::string sentiment_topic = "stockpulse-sentiment-windows";
  std::string trends_topic = "stockpulse-market-trends";
  std::string alerts_topic = "stockpulse-alerts";
  std::string dead_letter_topic = "stockpulse-dead-letters";
  // How often window state is snapshotted and offsets committed.
  std::chrono::milliseconds checkpoint_interval{5000};
  // 0: run until stopped. Otherwise stop once neither stage has seen input for this long, emitting
  // every open window as final (like the end of input in file mode): for batch runs and tests.
  std::chrono::milliseconds exit_when_idle{0};
  size_t poll_batch = 4096;
};

// One member of a stockpulse processing group on Kafka (docs/design.md §8). It runs two stages,
// each a consumer-group member of its own group:
//
//   tweets, stock-prices ──► ingest (group <group>-ingest): decode, score, split each post by
//                            window key ──► keyed topic (key "*" / ticker / symbol)
//   keyed topic ──► windows (group <group>-windows): per assigned partition, a WindowStage
//                   (windows, watermarks, analytics) ──► serving store, lake, result topics
//
// Re-keying puts every window key and the bars of its symbol in exactly one keyed partition, so
// state is per partition and complete: when a rebalance moves a partition, its state moves with
// it. State survives crashes through snapshots: every checkpoint_interval the windows stage writes
// its rows to the sinks, snapshots each partition's WindowStage to the state topic and commits the
// partition's offset with the snapshot's location as offset metadata. A member that gets the
// partition (after a crash, a rebalance or a restart) restores the snapshot and re-reads from the
// committed offset; the sinks are idempotent (upserts by key; lake files named by input offsets),
// so the serving tables equal those of a run without the failure. The ingest stage commits only
// what the keyed topic has acknowledged; what it re-sends after a crash carries the same source
// position and `sub` number, and the windows stage drops it as already applied.
//
// Result topics and the dead-letter topic are at-least-once: after a crash they may repeat rows,
// which consumers deduplicate by key. The whole-market Fear & Greed row ("*") is not computed here:
// no partition sees every symbol.
//
// Lifecycle: construct (opens the stores, connects: throws std::runtime_error on start-up errors),
// run() once; request_stop() from any thread (signal handler) makes run() leave cleanly: it writes
// and commits what it has, and leaves the groups so others take over at once.
class KafkaProcessor {
 public:
  KafkaProcessor(Config config, ProcessOptions options, const Clock& clock);
  ~KafkaProcessor();
  KafkaProcessor(const KafkaProcessor&) = delete;
  KafkaProcessor& operator=(const KafkaProcessor&) = delete;

  // Returns the exit code: 0 on a clean stop, 1 when a stage failed.
  int run();
  void request_stop() { stop_.store(true); }

  const PipelineMetrics& metrics() const { return metrics_; }
  // Called once a second from run()'s thread with the dashboard's "stats" event JSON
  // (stats_json in pipeline_stats.h). Set before run().
  void set_stats_listener(std::function<void(const std::string&)> on_stats) {
    on_stats_ = std::move(on_stats);
  }

 private:
  struct Impl;
  Config config_;
  ProcessOptions options_;
  const Clock& clock_;
  PipelineMetrics metrics_;
  std::atomic<bool> stop_{false};
  std::function<void(const std::string&)> on_stats_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stockpulse
