#include "window/watermark_tracker.h"

#include <algorithm>
#include <limits>

#include "window/checkpoint_codec.h"

namespace stockpulse {

namespace {

constexpr uint32_t kMagic = 0x54575053;  // "SPWT"
constexpr uint32_t kVersion = 1;

// max_event - lateness, saturating instead of overflowing for event times near INT64_MIN.
int64_t behind(int64_t max_event, int64_t lateness) {
  return max_event < std::numeric_limits<int64_t>::min() + lateness
             ? std::numeric_limits<int64_t>::min()
             : max_event - lateness;
}

}  // namespace

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

bool WatermarkTracker::is_late(PartitionId p, EventTime t) const {
  const int64_t tm = t.value();
  if (last_ && tm < *last_) return true;
  for (const auto& s : partitions_) {
    if (s.id == p) return tm < behind(s.max_event_ms, allowed_lateness_ms_);
  }
  return false;
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

bool WatermarkTracker::all_finished() const {
  return !partitions_.empty() && std::all_of(partitions_.begin(), partitions_.end(),
                                             [](const auto& s) { return s.finished; });
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
  int64_t wm = behind(any_active ? min_active : max_all, allowed_lateness_ms_);
  if (last_ && wm < *last_) wm = *last_;
  last_ = wm;
  return EventTime(wm);
}

void WatermarkTracker::save(std::string& out) const {
  const size_t begin = out.size();
  CheckpointWriter w(out);
  w.put<uint32_t>(kMagic);
  w.put<uint32_t>(kVersion);
  w.put<int64_t>(allowed_lateness_ms_);
  w.put<uint8_t>(last_ ? 1 : 0);
  w.put<int64_t>(last_.value_or(0));
  w.put<uint32_t>(static_cast<uint32_t>(partitions_.size()));
  for (const auto& s : partitions_) {
    w.put<int32_t>(s.id.value());
    w.put<int64_t>(s.max_event_ms);
    w.put<uint8_t>(s.finished ? 1 : 0);
  }
  w.seal(begin);
}

bool WatermarkTracker::restore(std::string_view in, ProcessingTime now) {
  const auto body = checked_body(in);
  if (!body) return false;
  CheckpointReader r(*body);
  if (r.get<uint32_t>() != kMagic || r.get<uint32_t>() != kVersion) return false;
  if (r.get<int64_t>() != allowed_lateness_ms_) return false;
  const uint8_t has_last = r.get<uint8_t>();
  const int64_t last = r.get<int64_t>();
  const uint32_t n = r.get<uint32_t>();
  // Each partition takes 13 bytes: reject absurd counts before allocating.
  if (!r.ok() || has_last > 1 || n > r.remaining() / 13) return false;
  std::vector<PartitionState> partitions;
  partitions.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const PartitionId id(r.get<int32_t>());
    const int64_t max_event = r.get<int64_t>();
    const uint8_t finished = r.get<uint8_t>();
    if (!r.ok() || finished > 1) return false;
    for (const auto& s : partitions) {
      if (s.id == id) return false;
    }
    partitions.push_back({id, max_event, now.value(), finished == 1});
  }
  if (!r.ok() || r.remaining() != 0) return false;
  partitions_ = std::move(partitions);
  last_ = has_last ? std::optional<int64_t>(last) : std::nullopt;
  return true;
}

}  // namespace stockpulse
