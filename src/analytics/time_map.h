#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace stockpulse {

// A small ordered map from a time (or minute index) to a value, kept as one sorted vector of
// pairs: the per-symbol histories of the analytics (a few dozen entries, nearly always appended
// at the end and trimmed at the front) cost sizeof(pair) per entry instead of a std::map node
// (value plus 32 bytes of tree links, rounded up by malloc), and one allocation per symbol
// instead of one per entry. The subset of std::map's interface the analytics use; iterators are
// invalidated by any insertion or erasure.
//
// Lifecycle: value type. Thread-safety: none.
template <class V>
class TimeMap {
 public:
  using value_type = std::pair<int64_t, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;
  using reverse_iterator = typename std::vector<value_type>::reverse_iterator;
  using const_reverse_iterator = typename std::vector<value_type>::const_reverse_iterator;

  // The value at t, value-initialised and inserted in order if absent.
  V& operator[](int64_t t) {
    if (entries_.empty() || entries_.back().first < t) return entries_.emplace_back(t, V{}).second;
    auto it = lower_bound(t);
    if (it == entries_.end() || it->first != t) it = entries_.insert(it, value_type(t, V{}));
    return it->second;
  }
  // Inserts (t, v) if t is absent; `hint` is ignored (kept for std::map's spelling).
  iterator emplace_hint(const_iterator /*hint*/, int64_t t, const V& v) {
    if (entries_.empty() || entries_.back().first < t) {
      entries_.emplace_back(t, v);
      return entries_.end() - 1;
    }
    auto it = lower_bound(t);
    if (it != entries_.end() && it->first == t) return it;
    return entries_.insert(it, value_type(t, v));
  }

  iterator find(int64_t t) {
    auto it = lower_bound(t);
    return it != entries_.end() && it->first == t ? it : entries_.end();
  }
  const_iterator find(int64_t t) const {
    auto it = lower_bound(t);
    return it != entries_.end() && it->first == t ? it : entries_.end();
  }
  iterator lower_bound(int64_t t) {
    return std::lower_bound(entries_.begin(), entries_.end(), t,
                            [](const value_type& e, int64_t x) { return e.first < x; });
  }
  const_iterator lower_bound(int64_t t) const {
    return std::lower_bound(entries_.begin(), entries_.end(), t,
                            [](const value_type& e, int64_t x) { return e.first < x; });
  }
  iterator erase(const_iterator first, const_iterator last) { return entries_.erase(first, last); }
  // Keeps the newest `keep` entries.
  void trim_front(size_t keep) {
    if (entries_.size() > keep) {
      entries_.erase(entries_.begin(), entries_.end() - static_cast<std::ptrdiff_t>(keep));
    }
  }

  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  reverse_iterator rbegin() { return entries_.rbegin(); }
  reverse_iterator rend() { return entries_.rend(); }
  const_reverse_iterator rbegin() const { return entries_.rbegin(); }
  const_reverse_iterator rend() const { return entries_.rend(); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<value_type> entries_;
};

}  // namespace stockpulse
