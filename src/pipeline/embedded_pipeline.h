#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "app/config.h"
#include "common/clock.h"
#include "pipeline/pipeline_metrics.h"

namespace stockpulse {

// The whole pipeline in one process (`stockpulse run`):
//
//   source threads ──RawBatch──► enrich workers ──EnrichedBatch──► window thread ──SinkBatch──►
//   sink thread (file readers or             (decode, score,                  (event-time windows,
//   (SQLite serving
//    synthetic generator)         tickers; dead letters)           watermarks, analytics) store,
//    Parquet lake)
//
// Every arrow is a BoundedQueue, so a slow stage slows its producers instead of growing memory.
// Enrich workers run in parallel; batches carry a per-stream sequence number and the window thread
// restores their order, so file mode gives the same results on every run.
//
// Lifecycle: construct (opens the stores: throws std::runtime_error on start-up errors), then
// run() once from one thread. request_stop() may be called from any thread (Ctrl-C).
class EmbeddedPipeline {
 public:
  EmbeddedPipeline(Config config, const Clock& clock);
  ~EmbeddedPipeline();
  EmbeddedPipeline(const EmbeddedPipeline&) = delete;
  EmbeddedPipeline& operator=(const EmbeddedPipeline&) = delete;

  // Runs until the input ends (file mode with until_eof), the duration passes, or a stop is
  // requested; then drains every queue, emits every open window as final and closes the sinks.
  // Returns the process exit code.
  int run();
  void request_stop() { stop_.store(true); }

  const PipelineMetrics& metrics() const { return metrics_; }
  // "http://127.0.0.1:8080/" while the dashboard runs; empty when it is off.
  std::string dashboard_url() const;
  // After run(): why writing results failed (the first error of the serving store, the lake or
  // the checkpoint, e.g. a full disk), or "" when no write failed. Once a write fails the
  // pipeline stops and writes nothing more, so this is the one error to report.
  std::string sink_failure() const;
  // The checkpoint file of this run ("" when it has none) and whether one was written.
  std::string checkpoint_path() const;

 private:
  struct Impl;
  Config config_;
  const Clock& clock_;
  PipelineMetrics metrics_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<Impl> impl_;
};

}  // namespace stockpulse
