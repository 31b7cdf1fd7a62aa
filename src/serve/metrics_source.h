#pragma once

#include <string>

namespace stockpulse {

// Something that can describe itself in the Prometheus text exposition format (version 0.0.4):
// `# HELP` / `# TYPE` lines and samples, each line ending in '\n'. The pipeline implements it for
// its counters (events per stage, late and dead-letter counts, queue depths, watermark lag, sink
// latency); the HTTP server appends its own process and live-push metrics after it on /metrics.
// Implementations must be thread-safe: write_prometheus() is called from server threads while the
// pipeline runs.
class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  virtual void write_prometheus(std::string& out) const = 0;
};

}  // namespace stockpulse
