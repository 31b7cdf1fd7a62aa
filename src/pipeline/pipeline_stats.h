#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "pipeline/pipeline_metrics.h"

namespace stockpulse {

// Rates of a running pipeline over the last reporting interval.
struct StatsRates {
  double posts_per_s = 0;
  double bars_per_s = 0;
};

// The once-a-second heartbeat of `run` and `process`: tick() from the control loop as often as
// it likes; it answers the post and bar rates since the previous answer once at least
// `interval` has passed, for the progress line and the dashboard's "stats" event.
// Thread-safety: one thread calls tick(); the metrics it reads are atomics.
class StatsTicker {
 public:
  using Clock = std::chrono::steady_clock;
  StatsTicker(const PipelineMetrics& metrics, Clock::time_point start,
              Clock::duration interval = std::chrono::seconds(1))
      : metrics_(metrics), last_(start), interval_(interval) {}

  std::optional<StatsRates> tick(Clock::time_point now);

 private:
  const PipelineMetrics& metrics_;
  Clock::time_point last_;
  Clock::duration interval_;
  uint64_t last_posts_ = 0;
  uint64_t last_bars_ = 0;
};

// The dashboard's "stats" event (web/src/main.ts shows every key): posts_per_second,
// posts_total, bars_total, late_total, dead_letters_total, watermark_lag_ms (null before the
// first watermark) and, when the pipeline has internal queues, queue_depth.
std::string stats_json(const PipelineMetrics& metrics, const StatsRates& rates, int64_t wall_now_ms,
                       std::optional<size_t> queue_depth);

}  // namespace stockpulse
