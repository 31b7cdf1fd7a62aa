#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/named_type.h"

namespace stockpulse {

// Computes the pipeline watermark from the event times seen on each input partition
// (DESIGN.md §5).
//
// Per partition the watermark is (max event time seen - allowed lateness). The pipeline
// watermark is the minimum of that over the *active* partitions, where a partition stops being
// active when
//   - end_of_input() was called for it (a finished file or generator), or
//   - no event arrived on it for idle_timeout_ms of processing time (an idle Kafka partition);
//     it becomes active again with its next event.
// When no partition is active (all idle or finished) the watermark is the maximum over all
// partitions, so a finished run can close every window that its data allows.
// Watermarks never go backwards: a value below the previous result (a new partition joining
// behind, an idle partition waking up) is clamped to the previous result.
//
// Lifecycle: one tracker per pipeline, fed by the thread that hands events to the window engine.
// Thread-safety: none; use from one thread (watermark() is const but remembers its last result).
class WatermarkTracker {
 public:
  explicit WatermarkTracker(int64_t allowed_lateness_ms = 600000, int64_t idle_timeout_ms = 30000);

  // An event with event time t arrived on partition p at processing time now. Late events may be
  // observed too: they never lower anything.
  void observe(PartitionId p, EventTime t, ProcessingTime now);

  // Partition p has no more input. It stops holding the watermark back; a later observe() on it
  // makes it active again.
  void end_of_input(PartitionId p);

  // The current watermark, nullopt before the first event.
  std::optional<EventTime> watermark(ProcessingTime now) const;

  int64_t allowed_lateness_ms() const { return allowed_lateness_ms_; }
  int64_t idle_timeout_ms() const { return idle_timeout_ms_; }

  // Number of partitions that would hold the watermark back at processing time now.
  size_t active_partitions(ProcessingTime now) const;

 private:
  struct PartitionState {
    PartitionId id;
    int64_t max_event_ms;
    int64_t last_seen_ms;  // processing time of the last event
    bool finished;
  };

  bool is_active(const PartitionState& s, ProcessingTime now) const;
  PartitionState* find(PartitionId p);

  int64_t allowed_lateness_ms_;
  int64_t idle_timeout_ms_;
  // A handful of partitions per pipeline: a vector beats a hash map here.
  std::vector<PartitionState> partitions_;
  mutable std::optional<int64_t> last_;  // what watermark() last returned, for monotonicity
};

}  // namespace stockpulse
