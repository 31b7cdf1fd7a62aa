#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "common/dead_letter.h"

namespace stockpulse {

// Counters of a running pipeline, read by the progress line and the final summary.
// Every stage adds to them with relaxed atomics; readers may see a slightly stale mix.
struct PipelineMetrics {
  std::atomic<uint64_t> posts_read{0};
  std::atomic<uint64_t> bars_read{0};
  std::atomic<uint64_t> posts_scored{0};
  std::atomic<uint64_t> bars_decoded{0};
  std::atomic<uint64_t> ticker_mentions{0};
  std::atomic<uint64_t> sentiment_windows_final{0};
  std::atomic<uint64_t> market_windows_final{0};
  std::atomic<uint64_t> window_updates{0};
  std::atomic<uint64_t> rows_written{0};
  std::atomic<uint64_t> lake_files{0};
  std::atomic<uint64_t> alerts{0};
  std::atomic<uint64_t> checkpoints{0};
  std::atomic<uint64_t> dead_letters{0};
  std::array<std::atomic<uint64_t>, 9> dead_by_reason{};  // indexed by DeadLetterReason
  std::atomic<int64_t> watermark_ms{INT64_MIN};

  void count_dead(DeadLetterReason r) {
    dead_letters.fetch_add(1, std::memory_order_relaxed);
    dead_by_reason[static_cast<size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t late() const { return dead_by_reason[static_cast<size_t>(DeadLetterReason::kLate)]; }
};

}  // namespace stockpulse
