#include "pipeline/control_loop.h"

#include <thread>

namespace stockpulse {

void run_control_loop(const ControlLoop& loop, const PipelineMetrics& metrics,
                      std::atomic<bool>& stop) {
  const auto started = std::chrono::steady_clock::now();
  StatsTicker ticker(metrics, started);
  while (!loop.finished()) {
    std::this_thread::sleep_for(loop.period);
    const auto now = std::chrono::steady_clock::now();
    if (loop.duration_s > 0 && now - started >= std::chrono::seconds(loop.duration_s)) {
      stop.store(true);
    }
    if (const auto rates = ticker.tick(now)) {
      if (loop.on_rates) loop.on_rates(*rates);
    }
  }
}

}  // namespace stockpulse
