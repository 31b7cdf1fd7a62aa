#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "common/named_type.h"
#include "window/checkpoint_codec.h"
#include "window/key_table.h"
#include "window/pane_ring.h"
#include "window/window_spec.h"

namespace stockpulse {

// One emitted window of one key. `key` points into the engine and stays valid for the engine's
// lifetime (keys are never removed).
template <class Agg>
struct WindowResult {
  std::string_view key;
  EventTime start;
  EventTime end;
  Agg agg;
};

// Event-time windows per key over a mergeable aggregate (docs/design.md §5; see README.md here).
//
// Agg must be default-constructible (Agg{} is the empty aggregate), trivially copyable (panes
// are checkpointed byte for byte) and have `void merge(const Agg&)` that combines two partial
// aggregates (associative; the engine merges panes in ascending time order).
//
// Panes: an accepted event updates exactly one pane (slide-sized) of its key; a window is the
// merge of its size/slide consecutive panes, computed when it is emitted.
//
// Watermark and lateness: the engine keeps the highest watermark it was given. An event with
// time < watermark is late: rejected, counted, nothing changes. Every window whose end <=
// watermark is final; advance_watermark() emits each final window that holds at least one event
// exactly once and frees the panes no open window needs. Hence accepted events always land in
// windows that are still open.
//
// Emission order, everywhere: by key (byte-wise lexicographic), then by window start.
//
// Memory: per key one PaneRing covering Options::ring_panes panes (by default the next power of
// two >= 2 * (size + lateness) / slide) whose slots are allocated on demand (a key holds slots
// only for the span of panes its open events need, none between its events), plus overflow panes
// only for events outside the ring's range (far ahead of or behind the rest of their key); keys
// are capped by Options::max_keys.
//
// Lifecycle: construct with Options (throws std::invalid_argument on an invalid spec: a start-up
// error); add events, advance the watermark, emit updates on each trigger, flush at end of
// input. save()/restore() checkpoint the whole state.
// Thread-safety: none; one engine belongs to one thread (shard by key for more cores).
template <class Agg>
class WindowEngine {
  static_assert(std::is_default_constructible_v<Agg>, "Agg must be default-constructible");
  static_assert(std::is_trivially_copyable_v<Agg>, "Agg must be trivially copyable (checkpoints)");
  static_assert(
      requires(Agg a, const Agg b) { a.merge(b); }, "Agg needs void merge(const Agg&)");

 public:
  enum class AddStatus {
    kAccepted,    // the event updated one pane
    kLate,        // t < watermark: rejected (dead-letter as `late`)
    kKeyLimit,    // a new key beyond Options::max_keys: rejected (dead-letter as `key_limit`)
    kOutOfRange,  // |t| > 2^62 ms, beyond any real clock: rejected (dead-letter as bad timestamp)
  };

  struct Options {
    WindowSpec spec;
    size_t max_keys = 100000;
    // Expected distance between the newest events and the watermark; sizes the pane rings.
    int64_t allowed_lateness_ms = 600000;
    // Panes per key ring; 0 = derive from spec and allowed_lateness_ms. Rounded up to a power of
    // two.
    uint32_t ring_panes = 0;
  };

  // Event times and watermarks are clamped to +-2^62 ms (about 146 million years) so that pane
  // arithmetic can never overflow.
  static constexpr int64_t kMaxTimeMs = int64_t{1} << 62;

  explicit WindowEngine(Options options) : options_(options) {
    if (auto err = validate(options_.spec)) throw std::invalid_argument(*err);
    k_ = options_.spec.panes_per_window();
    slide_ = options_.spec.slide_ms;
    uint64_t want = options_.ring_panes;
    if (want == 0) {
      const int64_t lateness = std::max<int64_t>(0, options_.allowed_lateness_ms);
      want = 2 * static_cast<uint64_t>(k_ + (lateness + slide_ - 1) / slide_ + 1);
    }
    want = std::clamp<uint64_t>(want, 2, uint64_t{1} << 20);
    ring_panes_ = 1;
    while (ring_panes_ < want) ring_panes_ <<= 1;
  }

  // Adds one event: calls update(Agg&) on the pane of key that contains t, unless the event is
  // rejected (see AddStatus; a rejected event changes nothing but a counter).
  template <class F>
  AddStatus add(std::string_view key, EventTime t, F&& update) {
    return add(key, hash_key(key), t, std::forward<F>(update));
  }

  // The same with the key's hash computed once by the caller (e.g. kept next to a symbol that
  // is looked up many times). key_hash must be hash_key(key).
  template <class F>
  AddStatus add(std::string_view key, uint64_t key_hash, EventTime t, F&& update) {
    const int64_t tm = t.value();
    if (tm > kMaxTimeMs || tm < -kMaxTimeMs) {
      ++out_of_range_;
      return AddStatus::kOutOfRange;
    }
    if (tm < watermark_) {
      ++late_;
      return AddStatus::kLate;
    }
    const uint64_t h = key_hash;
    uint32_t index;
    if (auto found = keys_.find(key, h)) {
      index = *found;
    } else {
      if (keys_.size() >= options_.max_keys) {
        ++key_limit_;
        return AddStatus::kKeyLimit;
      }
      index = keys_.insert(key, h);
      rings_.emplace_back(ring_panes_);
      dirty_listed_.push_back(0);
      sorted_valid_ = false;
    }
    auto& slot = rings_[index].live_slot(floor_div(tm, slide_), lowest_open_pane());
    update(slot.agg);
    slot.dirty = 1;
    if (!dirty_listed_[index]) {
      dirty_listed_[index] = 1;
      dirty_keys_.push_back(index);
    }
    return AddStatus::kAccepted;
  }

  // Raises the watermark to wm (a lower value is ignored), then passes every window with
  // end <= wm that holds an event and was not emitted before to on_final(const
  // WindowResult<Agg>&), and frees the panes that no open window needs.
  template <class F>
  void advance_watermark(EventTime wm, F&& on_final) {
    const int64_t w = std::clamp(wm.value(), -kMaxTimeMs, kMaxTimeMs);
    if (w <= watermark_) return;
    watermark_ = w;
    // Window s is final when its end (s + k) * slide <= wm. Ends are multiples of the slide,
    // so nothing happens until the watermark crosses a slide boundary: most calls stop here.
    const int64_t new_last_final = floor_div(w, slide_) - k_;
    if (new_last_final <= last_final_) return;
    const int64_t first = last_final_ == kNone ? kNone : last_final_ + 1;
    for (uint32_t index : sorted_keys()) {
      PaneRing<Agg>& ring = rings_[index];
      if (ring.live_panes() == 0) continue;
      emit_windows(index, first, new_last_final, /*only_dirty=*/false, on_final);
      // Pane p is in windows p-k+1 .. p: once window p is final the pane is no longer needed.
      ring.free_through(new_last_final);
    }
    last_final_ = new_last_final;
  }

  // Update emit mode: passes every window that is not final yet and whose content changed since
  // the previous call to on_update(const WindowResult<Agg>&).
  template <class F>
  void emit_updates(F&& on_update) {
    if (dirty_keys_.empty()) return;
    std::sort(dirty_keys_.begin(), dirty_keys_.end(),
              [&](uint32_t a, uint32_t b) { return keys_.key(a) < keys_.key(b); });
    const int64_t first = last_final_ == kNone ? kNone : last_final_ + 1;
    for (uint32_t index : dirty_keys_) {
      emit_windows(index, first, kNoLimit, /*only_dirty=*/true, on_update);
      rings_[index].clear_dirty();
      dirty_listed_[index] = 0;
    }
    dirty_keys_.clear();
  }

  // End of input: passes every window that holds an event and is not final yet to on_final,
  // then empties the state. The watermark moves to the end of the last window emitted, so an
  // event added afterwards can never re-open a window already emitted as final.
  template <class F>
  void flush(F&& on_final) {
    const int64_t first = last_final_ == kNone ? kNone : last_final_ + 1;
    int64_t last_emitted = kNone;
    for (uint32_t index : sorted_keys()) {
      if (rings_[index].live_panes() == 0) continue;
      emit_windows(index, first, kNoLimit, /*only_dirty=*/false, [&](const WindowResult<Agg>& r) {
        last_emitted = std::max(last_emitted, floor_div(r.start.value(), slide_));
        on_final(r);
      });
      rings_[index].clear();
    }
    for (uint32_t index : dirty_keys_) dirty_listed_[index] = 0;
    dirty_keys_.clear();
    if (last_emitted != kNone) {
      // Window last_emitted ends at (last_emitted + k) * slide.
      last_final_ = std::max(last_final_, last_emitted);
      watermark_ = std::max(watermark_, (last_emitted + k_) * slide_);
    }
  }

  static uint64_t hash_key(std::string_view key) { return KeyTable::hash(key); }

  // The engine's watermark, nullopt before the first advance_watermark().
  std::optional<EventTime> watermark() const {
    if (watermark_ == kNone) return std::nullopt;
    return EventTime(watermark_);
  }

  const Options& options() const { return options_; }
  uint32_t ring_panes() const { return ring_panes_; }
  size_t key_count() const { return keys_.size(); }
  // Live panes (panes holding at least one event) over all keys.
  size_t pane_count() const {
    size_t n = 0;
    for (const auto& r : rings_) n += r.live_panes();
    return n;
  }
  // Live panes held outside the rings (see PaneRing).
  size_t overflow_pane_count() const {
    size_t n = 0;
    for (const auto& r : rings_) n += r.overflow_panes();
    return n;
  }
  uint64_t late_count() const { return late_; }
  uint64_t key_limit_count() const { return key_limit_; }
  uint64_t out_of_range_count() const { return out_of_range_; }

  // Bytes held by the engine (keys, hash index, rings, overflow panes, scratch buffers).
  size_t memory_bytes() const {
    size_t bytes = sizeof(*this) + keys_.memory_bytes() +
                   rings_.capacity() * sizeof(PaneRing<Agg>) + dirty_listed_.capacity() +
                   dirty_keys_.capacity() * sizeof(uint32_t) +
                   sorted_.capacity() * sizeof(uint32_t) + scratch_.capacity() * sizeof(LivePane);
    for (const auto& r : rings_) bytes += r.memory_bytes() - sizeof(PaneRing<Agg>);
    return bytes;
  }

  // Checkpoint of the whole state (watermark, keys, live panes with their dirty marks, which
  // windows were already emitted final, counters), appended to out. Format in README.md.
  void save(std::string& out) const;
  // Replaces the state with a checkpoint made by save() of an engine with the same spec and Agg.
  // Returns false, leaving the engine untouched, if in is corrupted, truncated, of another
  // version, spec or aggregate type.
  bool restore(std::string_view in);

 private:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();
  static constexpr uint32_t kMagic = 0x45575053;  // "SPWE"
  static constexpr uint32_t kVersion = 1;

  struct LivePane {
    int64_t p;
    const PaneSlot<Agg>* slot;
  };

  int64_t lowest_open_pane() const {
    return watermark_ == kNone ? kNone : floor_div(watermark_, slide_);
  }

  const std::vector<uint32_t>& sorted_keys() {
    if (!sorted_valid_) {
      // Only the keys added since the last call are sorted, then merged in: with many keys
      // arriving a few at a time (a long tail of cashtags), re-sorting all of them at every
      // slide would cost n log n per slide. Keys are never removed, so sorted_ holds exactly
      // the indices below its size.
      const auto by_key = [&](uint32_t a, uint32_t b) { return keys_.key(a) < keys_.key(b); };
      const size_t old_size = sorted_.size();
      sorted_.resize(keys_.size());
      for (size_t i = old_size; i < sorted_.size(); ++i) sorted_[i] = static_cast<uint32_t>(i);
      std::sort(sorted_.begin() + static_cast<std::ptrdiff_t>(old_size), sorted_.end(), by_key);
      std::inplace_merge(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(old_size),
                         sorted_.end(), by_key);
      sorted_valid_ = true;
    }
    return sorted_;
  }

  // Emits, in start order, every window s of key `index` with first <= s <= last that contains
  // a live pane (only_dirty: a dirty pane).
  template <class F>
  void emit_windows(uint32_t index, int64_t first, int64_t last, bool only_dirty, F&& emit) {
    const PaneRing<Agg>& ring = rings_[index];
    scratch_.clear();
    // Windows first..last are made of panes first .. last + k - 1.
    const int64_t to = last == kNoLimit ? kNoLimit : last + k_ - 1;
    ring.for_each_live(first, to, [&](int64_t p, const PaneSlot<Agg>& s) {
      scratch_.push_back({p, &s});
    });
    WindowResult<Agg> result{keys_.key(index), EventTime(0), EventTime(0), Agg{}};
    int64_t next_s = first;  // windows below next_s are done
    size_t j = 0;            // first scratch pane with p >= s
    for (const LivePane& lp : scratch_) {
      if (only_dirty && !lp.slot->dirty) continue;
      const int64_t s_begin = std::max(lp.p - k_ + 1, next_s);
      const int64_t s_end = std::min(lp.p, last);
      for (int64_t s = s_begin; s <= s_end; ++s) {
        while (j < scratch_.size() && scratch_[j].p < s) ++j;
        Agg agg{};
        for (size_t i = j; i < scratch_.size() && scratch_[i].p < s + k_; ++i) {
          agg.merge(scratch_[i].slot->agg);
        }
        result.start = EventTime(s * slide_);
        result.end = EventTime((s + k_) * slide_);
        result.agg = agg;
        emit(static_cast<const WindowResult<Agg>&>(result));
      }
      if (s_end >= s_begin) next_s = s_end + 1;
    }
  }

  Options options_;
  int64_t k_;
  int64_t slide_;
  uint32_t ring_panes_;
  KeyTable keys_;
  std::vector<PaneRing<Agg>> rings_;   // by key index
  std::vector<uint8_t> dirty_listed_;  // by key index: in dirty_keys_
  std::vector<uint32_t> dirty_keys_;
  std::vector<uint32_t> sorted_;  // key indices in emission order
  bool sorted_valid_ = true;
  std::vector<LivePane> scratch_;
  int64_t watermark_ = kNone;
  int64_t last_final_ = kNone;  // windows s <= last_final_ are final (emitted or empty)
  uint64_t late_ = 0;
  uint64_t key_limit_ = 0;
  uint64_t out_of_range_ = 0;
};

template <class Agg>
void WindowEngine<Agg>::save(std::string& out) const {
  const size_t begin = out.size();
  CheckpointWriter w(out);
  w.put<uint32_t>(kMagic);
  w.put<uint32_t>(kVersion);
  w.put<uint32_t>(static_cast<uint32_t>(sizeof(Agg)));
  // Two aggregates of the same size must not be confused: record which type wrote the panes.
  w.put<uint64_t>(checkpoint_checksum(typeid(Agg).name()));
  w.put<int64_t>(options_.spec.size_ms);
  w.put<int64_t>(options_.spec.slide_ms);
  w.put<int64_t>(watermark_);
  w.put<int64_t>(last_final_);
  w.put<uint64_t>(late_);
  w.put<uint64_t>(key_limit_);
  w.put<uint64_t>(out_of_range_);
  w.put<uint32_t>(static_cast<uint32_t>(keys_.size()));
  for (uint32_t i = 0; i < keys_.size(); ++i) {
    w.put_bytes(keys_.key(i));
    w.put<uint32_t>(static_cast<uint32_t>(rings_[i].live_panes()));
    rings_[i].for_each_live(kNone, kNoLimit, [&](int64_t p, const PaneSlot<Agg>& s) {
      w.put<int64_t>(p);
      w.put<uint8_t>(s.dirty);
      w.put<Agg>(s.agg);
    });
  }
  w.seal(begin);
}

template <class Agg>
bool WindowEngine<Agg>::restore(std::string_view in) {
  const auto body = checked_body(in);
  if (!body) return false;
  CheckpointReader r(*body);
  if (r.get<uint32_t>() != kMagic || r.get<uint32_t>() != kVersion) return false;
  if (r.get<uint32_t>() != sizeof(Agg)) return false;
  if (r.get<uint64_t>() != checkpoint_checksum(typeid(Agg).name())) return false;
  WindowSpec spec;
  spec.size_ms = r.get<int64_t>();
  spec.slide_ms = r.get<int64_t>();
  if (!r.ok() || !(spec == options_.spec)) return false;

  // Decode into a fresh engine and swap it in only when everything checked out.
  WindowEngine fresh(options_);
  fresh.watermark_ = r.get<int64_t>();
  fresh.last_final_ = r.get<int64_t>();
  fresh.late_ = r.get<uint64_t>();
  fresh.key_limit_ = r.get<uint64_t>();
  fresh.out_of_range_ = r.get<uint64_t>();
  const uint32_t key_count = r.get<uint32_t>();
  if (!r.ok() || key_count > options_.max_keys) return false;
  if (fresh.watermark_ != kNone &&
      (fresh.watermark_ < -kMaxTimeMs || fresh.watermark_ > kMaxTimeMs)) {
    return false;
  }
  for (uint32_t i = 0; i < key_count && r.ok(); ++i) {
    const std::string_view key = r.get_bytes();
    const uint64_t h = KeyTable::hash(key);
    if (!r.ok() || fresh.keys_.find(key, h)) return false;
    fresh.keys_.insert(key, h);
    fresh.rings_.emplace_back(fresh.ring_panes_);
    fresh.dirty_listed_.push_back(0);
    const uint32_t panes = r.get<uint32_t>();
    // Each pane takes at least 9 + sizeof(Agg) bytes: reject absurd counts before looping.
    if (!r.ok() || panes > r.remaining() / (9 + sizeof(Agg))) return false;
    int64_t prev = kNone;
    for (uint32_t j = 0; j < panes; ++j) {
      const int64_t p = r.get<int64_t>();
      const uint8_t dirty = r.get<uint8_t>();
      const Agg agg = r.get<Agg>();
      // Panes come in ascending order, and never one that only final windows need.
      if (!r.ok() || p <= prev || p <= fresh.last_final_ || dirty > 1) return false;
      if (p > kMaxTimeMs / fresh.slide_ || p < -kMaxTimeMs / fresh.slide_ - 1) return false;
      prev = p;
      auto& slot = fresh.rings_[i].live_slot(p, fresh.lowest_open_pane());
      slot.agg = agg;
      slot.dirty = dirty;
      if (dirty && !fresh.dirty_listed_[i]) {
        fresh.dirty_listed_[i] = 1;
        fresh.dirty_keys_.push_back(i);
      }
    }
  }
  if (!r.ok() || r.remaining() != 0) return false;
  fresh.sorted_valid_ = false;
  *this = std::move(fresh);
  return true;
}

}  // namespace stockpulse
