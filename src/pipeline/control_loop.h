#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "pipeline/pipeline_metrics.h"
#include "pipeline/pipeline_stats.h"

namespace stockpulse {

// The driver's control loop, on the thread that started the stages: every `period` until
// `finished()` says the stages are done, it stops the run once `duration_s` (> 0) has passed
// since the loop started, and about once a second hands the post and bar rates to `on_rates`
// (progress line, dashboard stats). Stopping is the stages' business: the loop only sets `stop`.
struct ControlLoop {
  std::chrono::milliseconds period{20};
  int64_t duration_s = 0;  // 0: no time limit
  std::function<bool()> finished;
  std::function<void(const StatsRates&)> on_rates;
};
void run_control_loop(const ControlLoop& loop, const PipelineMetrics& metrics,
                      std::atomic<bool>& stop);

}  // namespace stockpulse
