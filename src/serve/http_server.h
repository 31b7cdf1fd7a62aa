#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

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
  // Required when `listen` is not a loopback address: /api/... and /metrics then need
  // "Authorization: Bearer <token>" (or ?access_token= on /api/stream, which EventSource needs).
  std::string token;
  int threads = 2;
  size_t max_connections = 256;
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 4 * 1024;  // every route is GET; a body is only tolerated, never read
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds sse_keepalive{15'000};
};

// The dashboard's HTTP server (Boost.Beast over Asio): the REST query API over a ServingReader,
// Server-Sent Events of a LiveHub on /api/stream, /metrics in Prometheus text format, /healthz,
// and the static front end. Routes and their parameters are in src/serve/README.md.
//
// Security: binds 127.0.0.1 by default. A non-loopback address requires a token (the constructor
// throws without one) and prints a warning. Request headers are bounded (431), bodies too (413),
// connections are capped (further ones are closed at once), idle connections time out, and every
// response carries nosniff, a same-origin CSP, no-referrer and DENY framing.
//
// Lifecycle: the constructor validates the options (throwing std::runtime_error on a bad listen
// address or a missing token); start() binds and starts `threads` I/O threads (throws if the
// address cannot be bound); stop() (or the destructor) closes every connection and joins them.
// The reader, hub and metrics source must outlive the server.
// Thread-safety: start()/stop()/port() from one controlling thread; requests are served on the
// I/O threads.
class HttpServer {
 public:
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
