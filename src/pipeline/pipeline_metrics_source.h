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
  PipelineMetricsSource(const PipelineMetrics& m, Depths depths)
      : m_(m), depths_(std::move(depths)) {}

  void write_prometheus(std::string& out) const override;

 private:
  const PipelineMetrics& m_;
  Depths depths_;
};

}  // namespace stockpulse
