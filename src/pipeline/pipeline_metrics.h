#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/dead_letter.h"

namespace stockpulse {

// Upper bounds (seconds) of the serving-store write latency histogram.
inline constexpr std::array<double, 8> kSinkLatencyBuckets{0.001, 0.005, 0.01, 0.05,
                                                           0.1,   0.5,   1.0,  5.0};

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
  std::array<std::atomic<uint64_t>, kDeadLetterReasonCount>
      dead_by_reason{};  // indexed by DeadLetterReason
  std::atomic<int64_t> watermark_ms{INT64_MIN};
  // The sources' clock, against which the watermark lags: the wall clock, except for paced
  // synthetic sources and paced replays, whose event time reads event_origin at the wall time
  // `origin` and runs `speed` times faster from there. Set with set_event_clock().
  std::atomic<int64_t> event_clock_origin_ms{INT64_MIN};  // INT64_MIN: the wall clock
  std::atomic<int64_t> event_clock_event_origin_ms{0};
  std::atomic<double> event_clock_speed{1.0};
  // Serving-store writes: one observation per sink batch.
  std::atomic<uint64_t> sink_writes{0};
  std::atomic<uint64_t> sink_write_micros{0};
  std::array<std::atomic<uint64_t>, kSinkLatencyBuckets.size()> sink_latency_buckets{};
  std::atomic<uint64_t> serving_errors{0};
  std::atomic<uint64_t> lake_errors{0};
  // Bytes the lake writer's stagings hold (LakeWriter::memory_bytes), set by the lake's thread.
  std::atomic<uint64_t> lake_memory_bytes{0};

  void count_dead(DeadLetterReason r) {
    dead_letters.fetch_add(1, std::memory_order_relaxed);
    dead_by_reason[static_cast<size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }
  void observe_sink_write(std::chrono::microseconds took) {
    const double s = static_cast<double>(took.count()) / 1e6;
    for (size_t i = 0; i < kSinkLatencyBuckets.size(); ++i) {
      if (s <= kSinkLatencyBuckets[i]) {
        sink_latency_buckets[i].fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
    sink_writes.fetch_add(1, std::memory_order_relaxed);
    sink_write_micros.fetch_add(static_cast<uint64_t>(took.count()), std::memory_order_relaxed);
  }
  uint64_t late() const { return dead_by_reason[static_cast<size_t>(DeadLetterReason::kLate)]; }
  // Once, before readers may look: the origin is stored last (release) and read first (acquire),
  // so a reader that sees it sees the event origin and speed too.
  void set_event_clock(int64_t wall_origin_ms, int64_t event_origin_ms, double speed) {
    event_clock_event_origin_ms.store(event_origin_ms, std::memory_order_relaxed);
    event_clock_speed.store(speed, std::memory_order_relaxed);
    event_clock_origin_ms.store(wall_origin_ms, std::memory_order_release);
  }
  // The sources' event-time now for a wall clock reading, minus the watermark; INT64_MIN while
  // there is no watermark. It is at least the allowed lateness once data flows, and grows when
  // processing falls behind the sources (or when the input is older than now).
  int64_t watermark_lag_ms(int64_t wall_now_ms) const {
    const int64_t wm = watermark_ms.load(std::memory_order_relaxed);
    if (wm == INT64_MIN) return INT64_MIN;
    int64_t now = wall_now_ms;
    if (const int64_t origin = event_clock_origin_ms.load(std::memory_order_acquire);
        origin != INT64_MIN) {
      now = event_clock_event_origin_ms.load(std::memory_order_relaxed) +
            static_cast<int64_t>(static_cast<double>(wall_now_ms - origin) *
                                 event_clock_speed.load(std::memory_order_relaxed));
    }
    return now - wm;
  }
};

}  // namespace stockpulse
