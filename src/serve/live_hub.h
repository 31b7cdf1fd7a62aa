#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stockpulse {

// One subscriber's queue of Server-Sent-Events frames, filled by LiveHub::publish() and drained by
// the connection that streams it. The buffer is bounded: when a publish would push it past its
// limit, the subscription is marked dropped instead (the slow client is disconnected and can
// reconnect; the publisher never waits for it).
//
// Lifecycle: created by LiveHub::subscribe(); the connection calls set_notify() once, then take()
// whenever notified, and brackets each socket write with write_started() / write_finished() so
// the hub can tell a stalled client (a write that does not complete) from a slow publisher;
// LiveHub::unsubscribe() (or the destructor of the hub) detaches it.
// Thread-safety: all members are thread-safe. The notify callback is called by the publishing
// thread, with no lock held, only when the buffer goes from empty to non-empty or the
// subscription is dropped; it must not block (post to an executor).
class LiveSubscription {
 public:
  using Clock = std::chrono::steady_clock;

  LiveSubscription(size_t max_buffered_bytes, std::string client)
      : max_buffered_bytes_(max_buffered_bytes), client_(std::move(client)) {}

  void set_notify(std::function<void()> notify);
  // Moves every buffered frame to the end of `out`. Returns false once the subscription was
  // dropped (the caller should close the stream; `out` is left unchanged then).
  bool take(std::string& out);
  bool dropped() const { return dropped_.load(std::memory_order_acquire); }
  size_t buffered_bytes() const;
  const std::string& client() const { return client_; }

  // The connection began / finished writing to its socket. A write still pending
  // LiveHubOptions::evict_stalled_after later marks a stalled client.
  void write_started(Clock::time_point now = Clock::now());
  void write_finished();
  // When the pending write started; nullopt when none is pending.
  std::optional<Clock::time_point> write_pending_since() const;

 private:
  friend class LiveHub;
  // Marks the subscription dropped and wakes its connection (which then closes).
  void drop();
  // Appends a frame; returns false (and marks the subscription dropped) if it does not fit.
  bool offer(std::string_view frame);
  void notify();

  const size_t max_buffered_bytes_;
  const std::string client_;
  std::atomic<int64_t> write_started_ns_{0};  // 0: no write pending
  mutable std::mutex mutex_;
  std::string buffer_;
  std::function<void()> notify_;
  std::atomic<bool> dropped_{false};
};

struct LiveHubOptions {
  size_t max_buffered_bytes = 4 << 20;  // per subscriber; a client this far behind is dropped
  size_t max_subscribers = 64;
  size_t max_subscribers_per_client = 16;  // per source address
  // When the subscriber cap is reached, a subscriber whose socket write has been pending this
  // long (a client that stopped reading) is dropped to make room for the new one.
  std::chrono::milliseconds evict_stalled_after{2000};
};

// Fans live events out to every subscriber as Server-Sent-Events frames ("event: NAME\ndata:
// JSON\n\n"). The pipeline's sink thread publishes "sentiment", "trend", "alert" and "stats"
// events; each /api/stream connection is one subscriber.
//
// Lifecycle: construct, then publish() and subscribe()/unsubscribe() at any time from any thread.
// Thread-safety: thread-safe. publish() formats the frame once and copies it into each
// subscriber's buffer under short locks; it never blocks on a client and never does I/O.
class LiveHub {
 public:
  explicit LiveHub(LiveHubOptions options = {});
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  // `event` is the SSE event name (letters, digits, '_' and '-'); `json` one JSON value. Newlines
  // inside `json` are split into several `data:` lines, which SSE joins back with '\n'.
  void publish(std::string_view event, std::string json);

  // A new subscriber from `client` (its source address; "" for none). When max_subscribers are
  // connected, the subscriber stalled longest (see evict_stalled_after) is dropped to make room;
  // when `client` has max_subscribers_per_client, its own stalled longest. nullptr when there is
  // none.
  std::shared_ptr<LiveSubscription> subscribe(const std::string& client = "");
  void unsubscribe(const std::shared_ptr<LiveSubscription>& subscription);

  size_t subscriber_count() const;
  uint64_t events_published() const { return published_.load(std::memory_order_relaxed); }
  // Subscribers dropped for falling behind or for a stalled write.
  uint64_t subscribers_dropped() const { return dropped_.load(std::memory_order_relaxed); }

  // The SSE frame publish() sends for (event, json); exposed for tests and keep-alives.
  static std::string format_frame(std::string_view event, std::string_view json);

 private:
  const LiveHubOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<LiveSubscription>> subscribers_;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace stockpulse
