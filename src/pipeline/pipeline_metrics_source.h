#pragma once

#include <array>
#include <functional>
#include <string>

#include "pipeline/pipeline_metrics.h"
#include "serve/metrics_source.h"

namespace stockpulse {

// The pipeline's counters in Prometheus text format, for /metrics of `run` and `process`: events
// in and out per stage, dead letters by reason, queue depths, watermark lag, and the serving
// store's write latency (histogram) and errors.
// Thread-safety: write_prometheus() may run on any thread; it only reads atomics and calls
// `depths`, which must be thread-safe.
class PipelineMetricsSource final : public MetricsSource {
 public:
  // raw, enriched, sink; empty when the pipeline has no such queues (then no queue gauge)
  using Depths = std::function<std::array<size_t, 3>()>;
  // `extra` (may be null), e.g. the alert webhooks' counters, is appended after the pipeline's.
  PipelineMetricsSource(const PipelineMetrics& m, Depths depths,
                        const MetricsSource* extra = nullptr)
      : m_(m), depths_(std::move(depths)), extra_(extra) {}

  void write_prometheus(std::string& out) const override;

 private:
  const PipelineMetrics& m_;
  Depths depths_;
  const MetricsSource* extra_;
};

}  // namespace stockpulse
