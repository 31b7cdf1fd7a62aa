#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/events.h"

namespace stockpulse {

enum class AlpacaFeed : uint8_t { kIex, kSip };

enum class AlpacaState : uint8_t {
  kIdle,            // run() not called yet
  kConnecting,      // TCP, TLS and WebSocket handshakes
  kAuthenticating,  // waiting for "authenticated"
  kSubscribing,     // waiting for the subscription confirmation
  kStreaming,       // receiving bars
  kBackoff,         // waiting before the next connection attempt
  kFailed,          // stopped on a fatal error (wrong keys, rejected subscription)
  kStopped,         // stop() was called
};
const char* alpaca_state_name(AlpacaState s);

struct AlpacaStreamOptions {
  // Empty: wss://stream.data.alpaca.markets/v2/{iex|sip} by `feed`. Tests point it at a local
  // server (ws:// or wss://).
  std::string url;
  AlpacaFeed feed = AlpacaFeed::kIex;
  std::vector<std::string> symbols;
  // Empty: read from the environment (ALPACA_API_KEY / ALPACA_API_SECRET) when run() starts.
  std::string key;
  std::string secret;
  // Reconnect back-off: initial * 2^attempt, capped, times a random factor in [1 - jitter, 1 +
  // jitter].
  int64_t initial_backoff_ms = 1000;
  int64_t max_backoff_ms = 60000;
  double jitter = 0.25;
  // Handshakes must finish, and some frame (or pong) arrive, within these times.
  int64_t connect_timeout_ms = 10000;
  int64_t idle_timeout_ms = 90000;
  // TLS: PEM file of trusted CAs (empty: the system's). Certificates and host names are verified.
  std::string ca_file;
  PartitionId partition{1};
  uint64_t seed = 0;  // jitter RNG seed (0: from the clock)
};

// Counters and state for metrics; a consistent snapshot is not needed, each field is atomic.
struct AlpacaStats {
  AlpacaState state = AlpacaState::kIdle;
  bool connected = false;    // streaming right now
  uint64_t connections = 0;  // successful WebSocket handshakes
  uint64_t reconnects = 0;   // connection attempts after the first
  uint64_t messages = 0;     // text frames received
  uint64_t bars = 0;         // bars delivered
  uint64_t errors = 0;       // error messages from the server and failed connections
  uint64_t malformed = 0;    // frames or entries that could not be read
  std::string last_error;    // never contains the keys
};

// A client of Alpaca's market-data v2 WebSocket stream: connects (TLS, SNI, certificate and host
// name verification), authenticates, subscribes to minute bars of `symbols`, and hands every bar
// to `on_bar`. On a dropped connection, a timeout or a transient server error it reconnects with
// exponential back-off and jitter and subscribes again. Wrong keys (402) or a rejected
// subscription (405 symbol limit, 409 insufficient subscription, 410 invalid feed) are
// configuration errors: run() returns them instead of hammering the server. Malformed messages
// are counted and skipped. The keys never appear in errors or stats.
//
// Lifecycle: construct, run() on a thread of its own (it returns after stop() or a fatal error),
// stop() from any thread. Thread-safety: stop() and stats() are thread-safe; on_bar is called on
// the run() thread.
class AlpacaStream {
 public:
  using BarHandler = std::function<void(Bar&&)>;

  AlpacaStream(AlpacaStreamOptions options, BarHandler on_bar);
  ~AlpacaStream();
  AlpacaStream(const AlpacaStream&) = delete;
  AlpacaStream& operator=(const AlpacaStream&) = delete;

  // Blocks until stop() (returns nullopt) or a fatal error (returns its message).
  std::optional<std::string> run();
  void stop();
  AlpacaStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stockpulse
