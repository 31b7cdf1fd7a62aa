#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

namespace stockpulse {

// One pane of one key: the partial aggregate of the events whose time falls in the pane.
// `live` says the pane holds at least one event; `dirty` that it changed since the last
// update emission. A pane that is not live holds Agg{}.
template <class Agg>
struct PaneSlot {
  Agg agg{};
  uint8_t live = 0;
  uint8_t dirty = 0;
};

// The open panes of one key, indexed by pane number p (pane p covers
// [p * slide, (p + 1) * slide)).
//
// The common case lives in a fixed ring of `capacity` slots (a power of two) covering panes
// [lo, lo + capacity): slot p & (capacity - 1). The ring moves forward when the engine frees
// panes behind the watermark, so in a well-behaved stream every event lands in the ring with no
// allocation. Panes outside that range (an event far in the future of its key, or further back
// than the ring reaches) go to a sorted overflow map instead of being dropped or forcing the
// ring to grow: results stay exact, and the overflow panes move into the ring when it reaches
// them. The overflow holds only panes that have events, and it is freed by the watermark like
// the ring.
//
// Invariant: no overflow pane lies in [lo, lo + capacity).
//
// Lifecycle: owned by WindowEngine, one per key. Thread-safety: none.
template <class Agg>
class PaneRing {
 public:
  using Slot = PaneSlot<Agg>;

  explicit PaneRing(uint32_t capacity)
      : slots_(std::make_unique<Slot[]>(capacity)), mask_(capacity - 1) {}

  uint32_t capacity() const { return mask_ + 1; }

  // The slot of pane p, made live. lowest_open_pane is the lowest pane that can still receive
  // events (the watermark's pane); it only guides where an empty ring re-anchors.
  Slot& live_slot(int64_t p, int64_t lowest_open_pane) {
    if (ring_live_ == 0 && (p < lo_ || p > hi())) reanchor(p, lowest_open_pane);
    Slot* s;
    if (p >= lo_ && p <= hi()) {
      s = &slots_[static_cast<size_t>(p) & mask_];
      if (!s->live) ++ring_live_;
    } else {
      s = &overflow_[p];
    }
    s->live = 1;
    return *s;
  }

  // Calls f(p, const Slot&) for every live pane in [from, to], in ascending p.
  template <class F>
  void for_each_live(int64_t from, int64_t to, F&& f) const {
    if (from > to) return;
    auto it = overflow_.lower_bound(from);
    // Overflow panes below the ring come first, then the ring, then those above it.
    for (; it != overflow_.end() && it->first < lo_ && it->first <= to; ++it)
      f(it->first, it->second);
    if (ring_live_ != 0) {
      const int64_t a = from > lo_ ? from : lo_;
      const int64_t b = to < hi() ? to : hi();
      for (int64_t p = a; p <= b; ++p) {
        const Slot& s = slots_[static_cast<size_t>(p) & mask_];
        if (s.live) f(p, s);
      }
    }
    if (it != overflow_.end() && it->first <= hi()) it = overflow_.upper_bound(hi());
    for (; it != overflow_.end() && it->first <= to; ++it) f(it->first, it->second);
  }

  // Frees every pane p <= upto and moves the ring forward past it.
  void free_through(int64_t upto) {
    if (!overflow_.empty()) overflow_.erase(overflow_.begin(), overflow_.upper_bound(upto));
    if (upto < lo_) return;
    if (ring_live_ != 0) {
      const int64_t b = upto < hi() ? upto : hi();
      for (int64_t p = lo_; p <= b; ++p) {
        Slot& s = slots_[static_cast<size_t>(p) & mask_];
        if (s.live) --ring_live_;
        s = Slot{};
      }
    }
    lo_ = upto + 1;
    pull_overflow_into_ring();
  }

  // Clears the dirty marks of all panes.
  void clear_dirty() {
    for (uint32_t i = 0; i <= mask_; ++i) slots_[i].dirty = 0;
    for (auto& [p, s] : overflow_) s.dirty = 0;
  }

  void clear() {
    for (uint32_t i = 0; i <= mask_; ++i) slots_[i] = Slot{};
    overflow_.clear();
    ring_live_ = 0;
  }

  size_t live_panes() const { return ring_live_ + overflow_.size(); }
  size_t overflow_panes() const { return overflow_.size(); }
  int64_t lo() const { return lo_; }

  size_t memory_bytes() const {
    // A std::map node is the value plus three pointers and a colour word.
    return sizeof(*this) + capacity() * sizeof(Slot) +
           overflow_.size() * (sizeof(std::pair<const int64_t, Slot>) + 4 * sizeof(void*));
  }

 private:
  int64_t hi() const { return lo_ + static_cast<int64_t>(mask_); }

  // Only called when the ring is empty, so any position is free to choose. Leave room behind p
  // for out-of-order events (half the ring), but nothing below the watermark's pane, where no
  // event can arrive any more.
  void reanchor(int64_t p, int64_t lowest_open_pane) {
    int64_t lo = p - static_cast<int64_t>(capacity() / 2);
    if (lo < lowest_open_pane && lowest_open_pane <= p) lo = lowest_open_pane;
    lo_ = lo;
    pull_overflow_into_ring();
  }

  void pull_overflow_into_ring() {
    if (overflow_.empty()) return;
    auto it = overflow_.lower_bound(lo_);
    while (it != overflow_.end() && it->first <= hi()) {
      Slot& s = slots_[static_cast<size_t>(it->first) & mask_];
      s = it->second;
      ++ring_live_;
      it = overflow_.erase(it);
    }
  }

  std::unique_ptr<Slot[]> slots_;
  uint32_t mask_;
  uint32_t ring_live_ = 0;
  int64_t lo_ = 0;
  std::map<int64_t, Slot> overflow_;
};

}  // namespace stockpulse
