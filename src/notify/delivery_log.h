#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace stockpulse {

// The alerts a webhook has delivered, as (webhook name, idempotency key) lines in a file, so a
// restarted pipeline that raises an alert again (it resumes from a checkpoint taken before the
// alert was delivered) does not deliver it twice. Remembers the newest max_keys keys (oldest
// forgotten first); at open, a file with more than twice that many lines is rewritten with the
// newest max_keys, so the file stays bounded too.
//
// Lifecycle: open() reads the file (a missing file is empty); record() appends and flushes one
// line. Thread-safety: all methods may be called from any thread.
class DeliveryLog {
 public:
  // Throws std::runtime_error when the file cannot be opened for appending.
  DeliveryLog(std::string path, size_t max_keys);
  ~DeliveryLog();
  DeliveryLog(const DeliveryLog&) = delete;
  DeliveryLog& operator=(const DeliveryLog&) = delete;

  bool delivered(std::string_view webhook, std::string_view key) const;
  void record(std::string_view webhook, std::string_view key);
  size_t size() const;

 private:
  void remember(std::string entry);

  std::string path_;
  size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> keys_;  // "webhook\tkey"
  std::deque<std::string> order_;         // oldest first
  std::FILE* file_ = nullptr;
};

}  // namespace stockpulse
