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
// The common case lives in a ring of at most `capacity` slots (a power of two) covering panes
// [lo, lo + capacity): slot p & (storage - 1). The ring moves forward when the engine frees
// panes behind the watermark, so in a well-behaved stream every event lands in the ring. Panes
// outside that range (an event far in the future of its key, or further back than the ring
// reaches) go to a sorted overflow map instead of being dropped or forcing the ring to grow:
// results stay exact, and the overflow panes move into the ring when it reaches them. The
// overflow holds only panes that have events, and it is freed by the watermark like the ring.
//
// Storage is sized to the data: a key starts with no slots, its storage covers only the span
// from its lowest to its highest live ring pane (a power of two, doubled when an event lands
// outside it, at most `capacity`), and storage that holds no live pane any more is released. So a
// key that saw one event a day costs a few dozen bytes between its events, and a busy key holds
// about as many slots as panes span its open windows plus the lateness. Which panes go to the
// overflow depends only on `capacity`, never on the storage held, so results, overflow counts and
// checkpoints are those of a ring of `capacity` slots.
//
// Invariants: no overflow pane lies in [lo, lo + capacity); every live ring pane lies in
// [live_lo, live_hi], inside [lo, lo + capacity), and live_hi - live_lo < storage.
//
// Lifecycle: owned by WindowEngine, one per key. Thread-safety: none.
template <class Agg>
class PaneRing {
 public:
  using Slot = PaneSlot<Agg>;

  explicit PaneRing(uint32_t capacity) : capacity_log2_(log2_of(capacity)) {}

  uint32_t capacity() const { return uint32_t{1} << capacity_log2_; }
  // Slots allocated now (0, or a power of two up to capacity()).
  uint32_t storage() const { return slots_ ? uint32_t{1} << storage_log2_ : 0; }

  // The slot of pane p, made live. lowest_open_pane is the lowest pane that can still receive
  // events (the watermark's pane); it only guides where an empty ring re-anchors.
  Slot& live_slot(int64_t p, int64_t lowest_open_pane) {
    if (ring_live_ == 0 && (p < lo_ || p > hi())) reanchor(p, lowest_open_pane);
    Slot* s;
    if (p >= lo_ && p <= hi()) {
      reserve(p);
      s = &slots_[static_cast<size_t>(p) & storage_mask()];
      if (!s->live) ++ring_live_;
    } else {
      if (!overflow_) overflow_ = std::make_unique<Overflow>();
      s = &(*overflow_)[p];
    }
    s->live = 1;
    return *s;
  }

  // Calls f(p, const Slot&) for every live pane in [from, to], in ascending p.
  template <class F>
  void for_each_live(int64_t from, int64_t to, F&& f) const {
    if (from > to) return;
    if (!overflow_ || overflow_->empty()) {
      for_each_live_in_ring(from, to, f);
      return;
    }
    auto it = overflow_->lower_bound(from);
    // Overflow panes below the ring come first, then the ring, then those above it.
    for (; it != overflow_->end() && it->first < lo_ && it->first <= to; ++it)
      f(it->first, it->second);
    for_each_live_in_ring(from, to, f);
    if (it != overflow_->end() && it->first <= hi()) it = overflow_->upper_bound(hi());
    for (; it != overflow_->end() && it->first <= to; ++it) f(it->first, it->second);
  }

  // Frees every pane p <= upto and moves the ring forward past it.
  void free_through(int64_t upto) {
    if (overflow_) {
      overflow_->erase(overflow_->begin(), overflow_->upper_bound(upto));
      if (overflow_->empty()) overflow_.reset();
    }
    if (upto < lo_) return;
    if (ring_live_ != 0 && upto >= live_lo_) {
      const int64_t b = upto < live_hi_ ? upto : live_hi_;
      for (int64_t p = live_lo_; p <= b; ++p) {
        Slot& s = slots_[static_cast<size_t>(p) & storage_mask()];
        if (s.live) --ring_live_;
        s = Slot{};
      }
      live_lo_ = b + 1;
    }
    lo_ = upto + 1;
    if (ring_live_ == 0) slots_.reset();
    pull_overflow_into_ring();
  }

  // Clears the dirty marks of all panes.
  void clear_dirty() {
    for (uint32_t i = 0; i < storage(); ++i) slots_[i].dirty = 0;
    if (overflow_) {
      for (auto& [p, s] : *overflow_) s.dirty = 0;
    }
  }

  void clear() {
    slots_.reset();
    overflow_.reset();
    ring_live_ = 0;
  }

  size_t live_panes() const { return ring_live_ + overflow_panes(); }
  size_t overflow_panes() const { return overflow_ ? overflow_->size() : 0; }
  int64_t lo() const { return lo_; }

  size_t memory_bytes() const {
    // A std::map node is the value plus three pointers and a colour word.
    return sizeof(*this) + storage() * sizeof(Slot) +
           (overflow_
                ? sizeof(Overflow) + overflow_->size() *
                                         (sizeof(typename Overflow::value_type) + 4 * sizeof(void*))
                : 0);
  }

 private:
  using Overflow = std::map<int64_t, Slot>;

  static uint8_t log2_of(uint32_t capacity) {
    uint8_t n = 0;
    while ((uint32_t{1} << n) < capacity) ++n;
    return n;
  }

  int64_t hi() const { return lo_ + static_cast<int64_t>(capacity()) - 1; }
  size_t storage_mask() const { return (size_t{1} << storage_log2_) - 1; }
  // Makes the storage hold pane p (in the ring's range) next to the live panes, growing it and
  // moving the live panes to their slots in the larger storage when the span needs it.
  void reserve(int64_t p) {
    if (!slots_ || ring_live_ == 0) {
      if (!slots_) {
        slots_ = std::make_unique<Slot[]>(1);
        storage_log2_ = 0;
      }
      live_lo_ = live_hi_ = p;
      return;
    }
    const int64_t new_lo = p < live_lo_ ? p : live_lo_;
    const int64_t new_hi = p > live_hi_ ? p : live_hi_;
    const uint64_t need = static_cast<uint64_t>(new_hi - new_lo) + 1;
    if (need > storage()) {
      uint8_t log2 = storage_log2_;
      while ((uint64_t{1} << log2) < need) ++log2;
      auto bigger = std::make_unique<Slot[]>(size_t{1} << log2);
      const size_t mask = (size_t{1} << log2) - 1;
      for (int64_t q = live_lo_; q <= live_hi_; ++q) {
        const Slot& s = slots_[static_cast<size_t>(q) & storage_mask()];
        if (s.live) bigger[static_cast<size_t>(q) & mask] = s;
      }
      slots_ = std::move(bigger);
      storage_log2_ = log2;
    }
    live_lo_ = new_lo;
    live_hi_ = new_hi;
  }

  template <class F>
  void for_each_live_in_ring(int64_t from, int64_t to, F& f) const {
    if (ring_live_ == 0) return;
    const int64_t a = from > live_lo_ ? from : live_lo_;
    const int64_t b = to < live_hi_ ? to : live_hi_;
    for (int64_t p = a; p <= b; ++p) {
      const Slot& s = slots_[static_cast<size_t>(p) & storage_mask()];
      if (s.live) f(p, s);
    }
  }

  // Only called when the ring is empty, so any position is free to choose. Leave room behind p
  // for out-of-order events (half the ring), but nothing below the watermark's pane, where no
  // event can arrive any more.
  void reanchor(int64_t p, int64_t lowest_open_pane) {
    int64_t lo = p - static_cast<int64_t>(capacity() / 2);
    if (lo < lowest_open_pane && lowest_open_pane <= p) lo = lowest_open_pane;
    lo_ = lo;
    // Empty storage anchored elsewhere would alias: start over from none.
    slots_.reset();
    pull_overflow_into_ring();
  }

  void pull_overflow_into_ring() {
    if (!overflow_) return;
    auto it = overflow_->lower_bound(lo_);
    while (it != overflow_->end() && it->first <= hi()) {
      reserve(it->first);
      Slot& s = slots_[static_cast<size_t>(it->first) & storage_mask()];
      s = it->second;
      ++ring_live_;
      it = overflow_->erase(it);
    }
    if (overflow_->empty()) overflow_.reset();
  }

  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<Overflow> overflow_;  // allocated only while it holds panes
  int64_t lo_ = 0;
  int64_t live_lo_ = 0;  // span of the live ring panes, when ring_live_ > 0
  int64_t live_hi_ = -1;
  uint32_t ring_live_ = 0;
  uint8_t capacity_log2_;
  uint8_t storage_log2_ = 0;
};

}  // namespace stockpulse
