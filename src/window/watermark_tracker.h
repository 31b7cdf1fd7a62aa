#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/named_type.h"

namespace stockpulse {

// Computes the pipeline watermark from the event times seen on each input partition
// (docs/design.md §5).
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
// Lateness is decided per record (is_late): an event is late when its time is below the
// watermark of its own partition after the previous record of that partition (max event time
// so far - allowed lateness), or below the pipeline watermark last handed out (windows up to it
// may already be final; this only differs from the first rule when an idle or finished partition
// wakes up behind the others). So with a caller that raises its engine's watermark after every
// record, which records are late depends only on the order of the records in each partition,
// never on how they were batched.
//
// Lifecycle: one tracker per pipeline, fed by the thread that hands events to the window engine.
// Thread-safety: none; use from one thread (watermark() is const but remembers its last result).
class WatermarkTracker {
 public:
  explicit WatermarkTracker(int64_t allowed_lateness_ms = 600000, int64_t idle_timeout_ms = 30000);

  // An event with event time t arrived on partition p at processing time now. Late events may be
  // observed too: they never lower anything.
  void observe(PartitionId p, EventTime t, ProcessingTime now);

  // True when an event at t on partition p is late under the rule above. Call before observe().
  bool is_late(PartitionId p, EventTime t) const;

  // Partition p has no more input. It stops holding the watermark back; a later observe() on it
  // makes it active again.
  void end_of_input(PartitionId p);

  // The current watermark, nullopt before the first event.
  std::optional<EventTime> watermark(ProcessingTime now) const;

  int64_t allowed_lateness_ms() const { return allowed_lateness_ms_; }
  int64_t idle_timeout_ms() const { return idle_timeout_ms_; }

  // True when partitions were seen and every one of them had end_of_input() since its last event.
  bool all_finished() const;

  // Number of partitions that would hold the watermark back at processing time now.
  size_t active_partitions(ProcessingTime now) const;

  // Checkpoint of every partition's maximum event time and finished mark, and of the last
  // watermark handed out, appended to out. Processing times are not saved: restore() treats every
  // restored partition as last seen at `now`.
  void save(std::string& out) const;
  // Replaces the state with a checkpoint made by save(); false (state untouched) when in is not
  // an intact checkpoint of a tracker with the same allowed lateness.
  bool restore(std::string_view in, ProcessingTime now);

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
