#pragma once

#include <atomic>
#include <chrono>

#include "common/named_type.h"

namespace stockpulse {

// The source of processing time. Everything that reads "now" (triggers, idle-partition timeouts,
// progress lines, time rebasing) goes through a Clock so tests can run on simulated time.
// Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual ProcessingTime now() const = 0;
};

// Wall-clock time.
class SystemClock final : public Clock {
 public:
  ProcessingTime now() const override {
    using namespace std::chrono;
    return ProcessingTime(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  }
};

// Time that moves only when a test says so. Thread-safe.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(int64_t start_ms = 0) : now_ms_(start_ms) {}
  ProcessingTime now() const override { return ProcessingTime(now_ms_.load()); }
  void set(int64_t ms) { now_ms_.store(ms); }
  void advance(int64_t ms) { now_ms_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace stockpulse
