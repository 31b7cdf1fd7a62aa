#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace stockpulse {

struct ConnectionLimits {
  size_t max_connections = 256;            // open connections in all
  size_t max_connections_per_client = 64;  // open connections from one source address
};

// What a connection is doing, which decides whether it may be evicted to make room.
enum class ConnectionState {
  kWaiting,    // no byte of the next request yet (a new or an idle keep-alive connection)
  kReading,    // part of a request has arrived
  kServing,    // a request is being answered (bounded by the write timeout)
  kStreaming,  // an event stream (bounded by the live hub and the write timeout)
};

// The HTTP server's connection table: caps the open connections in all and per source address
// (client), and when a cap is reached makes room by evicting the most expendable connection
// that is not being served, instead of refusing the newcomer. The order of eviction:
//   1. untrusted connections (none of their requests was authorized yet: idle sockets, slow
//      senders) waiting or reading;
//   2. trusted connections waiting for their next request (idle keep-alive);
//   3. trusted connections in the middle of a request;
// within each, one of the client holding the most connections, the one in its state longest.
// Connections being served or streaming are never evicted. So idle or slow sockets, however
// many, cannot keep a client with a real request out, and authorized clients are evicted only
// after every unauthorized one is gone. A newcomer is refused only when every connection that
// counts against the full cap is being served or streaming.
//
// Lifecycle: admit() each accepted connection, report its state changes, release() it when it
// closes. An evicted connection's slot is freed at once; its `evict` callback must close it
// (asynchronously: it is called from admit() on the accepting thread), and its later release()
// is a no-op.
// Thread-safety: thread-safe; callbacks are called without the lock held.
class ConnectionLimiter {
 public:
  using Id = uint64_t;
  using Clock = std::chrono::steady_clock;

  explicit ConnectionLimiter(ConnectionLimits limits) : limits_(limits) {}

  // Returns the new connection's id, or 0 when no room can be made (close the socket).
  Id admit(const std::string& client, std::function<void()> evict);
  void set_state(Id id, ConnectionState state);
  // One of the connection's requests was authorized (a token matched, or no token is needed and
  // the request's Host was acceptable).
  void set_trusted(Id id);
  void release(Id id);

  size_t open() const;
  size_t open_from(const std::string& client) const;
  uint64_t rejected() const;
  uint64_t evicted() const;

 private:
  struct Entry {
    std::string client;
    ConnectionState state = ConnectionState::kWaiting;
    bool trusted = false;
    Clock::time_point since;  // when `state` was entered
    std::function<void()> evict;
  };
  // The entry to evict among those `eligible` accepts, or end().
  std::map<Id, Entry>::iterator pick_victim(const std::function<bool(const Entry&)>& eligible);
  void erase(std::map<Id, Entry>::iterator it);

  const ConnectionLimits limits_;
  mutable std::mutex mutex_;
  std::map<Id, Entry> entries_;
  std::map<std::string, size_t> per_client_;
  Id next_id_ = 1;
  uint64_t rejected_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace stockpulse
