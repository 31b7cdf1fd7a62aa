#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

namespace stockpulse {

class LiveHub;
class ServingReader;

// Keeps the dashboard live in `stockpulse serve`, where no pipeline publishes: every interval it
// asks the store whether a writer committed (ServingReader::change_token(): SQLite's PRAGMA
// data_version, ClickHouse's newest parts) and, if so, re-reads the windows near the newest
// window_end of each table and the alerts after the last one it saw, and publishes to the hub
// only the rows whose JSON changed ("sentiment", "trend", "alert" events). An update therefore
// reaches the browser within about one interval of its commit. Works on any ServingReader.
//
// Lifecycle: starts its thread on construction, stops and joins in the destructor.
// Thread-safety: owns its thread; the reader and hub it uses are thread-safe and must outlive it.
class StorePoller {
 public:
  // Windows whose window_end is this close to the newest are compared each poll.
  static constexpr int64_t kLookbackMs = 10 * 60 * 1000;

  StorePoller(ServingReader& reader, LiveHub& hub, std::chrono::milliseconds interval);
  ~StorePoller();
  StorePoller(const StorePoller&) = delete;
  StorePoller& operator=(const StorePoller&) = delete;

  // One poll, on the caller's thread; returns the number of events published. For tests.
  int poll_once();

 private:
  void run();

  ServingReader& reader_;
  LiveHub& hub_;
  const std::chrono::milliseconds interval_;
  std::mutex poll_mutex_;  // poll_once() from a test and the thread must not interleave
  std::optional<std::string> last_token_;
  std::string last_alert_ts_;
  bool first_poll_ = true;
  std::unordered_map<std::string, std::string> published_;  // row key -> JSON last published
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stockpulse
