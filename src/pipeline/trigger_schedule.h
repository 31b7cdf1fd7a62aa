#pragma once

#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace stockpulse {

// When the next periodic step of the pipeline is due (the trigger that emits window updates and
// rolls the lake, or the next checkpoint), on the injected Clock, so tests drive it with a
// SimulatedClock instead of sleeping (docs/design.md §5).
//
// Lifecycle: the first step is due `interval` after construction; restart() after each step
// schedules the next one `interval` after the clock's time then.
// Thread-safety: none; one thread (the driver's window thread) owns it.
class TriggerSchedule {
 public:
  TriggerSchedule(const Clock& clock, std::chrono::milliseconds interval)
      : clock_(clock),
        interval_ms_(interval.count()),
        next_ms_(clock.now().value() + interval_ms_) {}

  // Whether the clock has reached the next step.
  bool due() const { return clock_.now().value() >= next_ms_; }
  // The next step `interval` from now.
  void restart() { next_ms_ = clock_.now().value() + interval_ms_; }
  int64_t next_ms() const { return next_ms_; }

 private:
  const Clock& clock_;
  int64_t interval_ms_;
  int64_t next_ms_;
};

}  // namespace stockpulse
