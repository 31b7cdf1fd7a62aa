#include "window/watermark_tracker.h"

#include <algorithm>
#include <limits>

namespace stockpulse {

WatermarkTracker::WatermarkTracker(int64_t allowed_lateness_ms, int64_t idle_timeout_ms)
    : allowed_lateness_ms_(std::max<int64_t>(0, allowed_lateness_ms)),
      idle_timeout_ms_(idle_timeout_ms) {}

WatermarkTracker::PartitionState* WatermarkTracker::find(PartitionId p) {
  for (auto& s : partitions_) {
    if (s.id == p) return &s;
  }
  return nullptr;
}

void WatermarkTracker::observe(PartitionId p, EventTime t, ProcessingTime now) {
  PartitionState* s = find(p);
  if (s == nullptr) {
    partitions_.push_back({p, t.value(), now.value(), false});
    return;
  }
  s->max_event_ms = std::max(s->max_event_ms, t.value());
  s->last_seen_ms = now.value();
  s->finished = false;
}

void WatermarkTracker::end_of_input(PartitionId p) {
  if (PartitionState* s = find(p)) s->finished = true;
}

bool WatermarkTracker::is_active(const PartitionState& s, ProcessingTime now) const {
  if (s.finished) return false;
  // A processing clock that steps backwards (NTP) must not make a partition look idle, hence
  // the subtraction rather than comparing absolute deadlines.
  return idle_timeout_ms_ <= 0 || now.value() - s.last_seen_ms < idle_timeout_ms_;
}

size_t WatermarkTracker::active_partitions(ProcessingTime now) const {
  return static_cast<size_t>(std::count_if(partitions_.begin(), partitions_.end(),
                                           [&](const auto& s) { return is_active(s, now); }));
}

std::optional<EventTime> WatermarkTracker::watermark(ProcessingTime now) const {
  if (partitions_.empty()) return std::nullopt;
  int64_t min_active = std::numeric_limits<int64_t>::max();
  int64_t max_all = std::numeric_limits<int64_t>::min();
  bool any_active = false;
  for (const auto& s : partitions_) {
    max_all = std::max(max_all, s.max_event_ms);
    if (is_active(s, now)) {
      any_active = true;
      min_active = std::min(min_active, s.max_event_ms);
    }
  }
  int64_t max_event = any_active ? min_active : max_all;
  // Saturate instead of overflowing for event times near INT64_MIN.
  int64_t wm = max_event < std::numeric_limits<int64_t>::min() + allowed_lateness_ms_
                   ? std::numeric_limits<int64_t>::min()
                   : max_event - allowed_lateness_ms_;
  if (last_ && wm < *last_) wm = *last_;
  last_ = wm;
  return EventTime(wm);
}

}  // namespace stockpulse
