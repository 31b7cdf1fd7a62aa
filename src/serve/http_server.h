#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "serve/symbols_query.h"

namespace stockpulse {

class LiveHub;
class MetricsSource;
class ServingReader;

struct HttpServerOptions {
  // host:port; host is an IPv4/IPv6 literal ("[::1]:8080") or "localhost". Port 0 picks a free
  // port (see HttpServer::port()).
  std::string listen = "127.0.0.1:8080";
  // The built front end (web/dist). Empty or missing: the API works, "/" explains how to build it.
  std::string web_root;
  // The JSON file `stockpulse backtest --json FILE` writes, served as /api/backtest (read on each
  // request, so a re-run shows without a restart; at most kMaxBacktestBytes). Empty: 404.
  std::string backtest_file;
  // Required when `listen` is not a loopback address: /api/... and /metrics then need
  // "Authorization: Bearer <token>" (or ?access_token= on /api/stream, which EventSource needs).
  std::string token;
  // With no token: Host names accepted besides the loopback ones (localhost, 127.x.x.x, [::1]),
  // e.g. the machine's name when a proxy forwards to it. Without this check a web page could
  // reach the unauthenticated loopback server through DNS rebinding.
  std::vector<std::string> allowed_hosts;
  // The dashboard's watch-list and badge count, echoed by /api/symbols.
  SymbolsView symbols_view;
  int threads = 2;
  // Open connections in all and per source address. When a cap is reached, an idle or partly
  // read connection is evicted for the newcomer, unauthorized ones first (ConnectionLimiter).
  size_t max_connections = 256;
  size_t max_connections_per_client = 64;
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 4 * 1024;  // every route is GET; a body is only tolerated, never read
  // A request's headers and body must arrive within header_timeout of its first byte (of the
  // connection's start for the first request): slow senders are closed.
  std::chrono::milliseconds header_timeout{10'000};
  // A keep-alive connection waits this long for its next request.
  std::chrono::milliseconds idle_timeout{30'000};
  // Every write (a response, or a chunk of an event stream) must finish within this; a client
  // that does not read is closed (abortively, so no unsent data holds the socket).
  std::chrono::milliseconds write_timeout{15'000};
  std::chrono::milliseconds sse_keepalive{15'000};
};

// The dashboard's HTTP server (Boost.Beast over Asio): the REST query API over a ServingReader,
// Server-Sent Events of a LiveHub on /api/stream, /metrics in Prometheus text format, /healthz,
// and the static front end. Routes and their parameters are in src/serve/README.md.
//
// Security: binds 127.0.0.1 by default. A non-loopback address requires a token (the constructor
// throws without one) and prints a warning. Without a token, only loopback Host names (and
// allowed_hosts) are answered (DNS rebinding); HTTP/1.1 requests without Host are 400. Request
// headers are bounded (431), bodies too (413); connections are capped in all and per client,
// idle and slow ones evicted first (ConnectionLimiter); reads and writes have deadlines; HEAD
// answers carry no body; and every response carries nosniff, a same-origin CSP, no-referrer and
// DENY framing.
//
// Lifecycle: the constructor validates the options (throwing std::runtime_error on a bad listen
// address or a missing token); start() binds and starts `threads` I/O threads (throws if the
// address cannot be bound); stop() (or the destructor) closes every connection and joins them.
// The reader, hub and metrics source must outlive the server.
// Thread-safety: start()/stop()/port() from one controlling thread; requests are served on the
// I/O threads.
class HttpServer {
 public:
  static constexpr size_t kMaxBacktestBytes = 8 << 20;
  HttpServer(HttpServerOptions options, ServingReader& reader, LiveHub& hub,
             const MetricsSource* metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();
  // The bound port (the chosen one when listening on port 0); 0 before start().
  int port() const;
  bool loopback_only() const;

  struct Impl;  // implementation detail (Beast types stay out of this header)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace stockpulse
