#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace stockpulse {

// Configuration and counters of BufferedServingStore (buffered_serving_store.h), in their own
// header so open_serving_store() can take them without pulling in the store.

struct BufferOptions {
  // The buffer holds at most this many rows / estimated bytes of writes not yet delivered; a
  // write that does not fit blocks until the store took enough (a single batch larger than the
  // bound is admitted alone into an empty buffer).
  uint64_t max_rows = 1'000'000;
  uint64_t max_bytes = 256ull << 20;
  // Back-off between attempts of a failed delivery: doubles from initial to max.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // Queued writes of the same table are delivered as one batch of up to this many rows, so a
  // backlog (after an outage, or while the store is slower than the pipeline) drains in few
  // large requests.
  // 16,384: ClickHouse 18.16 takes posts fastest in inserts of about this size (546k posts/s
  // at 16,384 vs 394k at 50,000 on the 2-core box; bench/sink_throughput.sh).
  uint64_t merge_rows = 16'384;
  // Attempts per batch before it is given up (counted in rows_dropped, error kept in
  // last_error); 0 = never give up, the default: the pipeline slows down rather than drops.
  uint64_t max_attempts = 0;
  // How long the destructor keeps delivering what is buffered before giving up.
  std::chrono::milliseconds close_timeout{30000};
  // Called (from the delivery thread) with each delivery error, e.g. to log it.
  std::function<void(const std::string&)> on_error;
};

// What a BufferedServingStore has done, for /metrics.
struct BufferedStoreCounters {
  uint64_t rows_written = 0;     // delivered to the inner store
  uint64_t batches_written = 0;  // inner write_* calls that succeeded
  uint64_t errors = 0;           // inner calls that failed
  uint64_t retries = 0;          // attempts after a failure
  uint64_t buffered_rows = 0;    // accepted, not yet delivered (including the batch in flight)
  uint64_t buffered_bytes = 0;   // estimate of the same
  uint64_t blocked_writes = 0;   // write_* calls that had to wait for space
  uint64_t rows_dropped = 0;     // given up after max_attempts (0 unless max_attempts is set)
};

}  // namespace stockpulse
