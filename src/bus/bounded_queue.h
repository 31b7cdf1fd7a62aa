#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace stockpulse {

// A bounded multi-producer, multi-consumer FIFO between two pipeline stages.
//
// push() blocks while the queue is full: a slow stage slows its producers down instead of letting
// memory grow (back-pressure). Stages pass batches (a std::vector of records), so one lock
// round-trip moves hundreds of records.
//
// Lifecycle: producers push until they are done and then call close(); consumers pop until pop()
// returns nullopt (closed and drained). Thread-safe.
template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Blocks while full. Returns false (and drops nothing: the item stays with the caller) if the
  // queue was closed.
  bool push(T& item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    if (items_.size() > high_water_) high_water_ = items_.size();
    lock.unlock();
    not_empty_.notify_one();
    return true;
  }
  bool push(T&& item) { return push(item); }

  // Blocks until an item arrives or the queue is closed and empty.
  std::optional<T> pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    return take(lock);
  }

  // Waits at most `timeout`; nullopt on time-out or when closed and empty (see closed_and_empty).
  template <class Duration>
  std::optional<T> pop_for(Duration timeout) {
    std::unique_lock lock(mu_);
    not_empty_.wait_for(lock, timeout, [&] { return !items_.empty() || closed_; });
    return take(lock);
  }

  // No more pushes; pending items can still be popped.
  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  bool closed_and_empty() const {
    std::lock_guard lock(mu_);
    return closed_ && items_.empty();
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }
  size_t high_water_mark() const {
    std::lock_guard lock(mu_);
    return high_water_;
  }

 private:
  std::optional<T> take(std::unique_lock<std::mutex>& lock) {
    if (items_.empty()) return std::nullopt;
    std::optional<T> out(std::move(items_.front()));
    items_.pop_front();
    lock.unlock();
    not_full_.notify_one();
    return out;
  }

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
  size_t high_water_ = 0;
};

}  // namespace stockpulse
