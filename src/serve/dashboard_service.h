#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "serve/http_server.h"
#include "serve/live_hub.h"

namespace stockpulse {

class MetricsSource;
class ServingReader;
class StorePoller;

struct DashboardOptions {
  HttpServerOptions http;  // web_root empty: default_web_root()
  LiveHubOptions hub;
  // Poll the store for changed windows and publish them (for `stockpulse serve`, where no
  // pipeline publishes). `stockpulse run` leaves it off and publishes from its sink thread.
  bool poll_store = false;
  std::chrono::milliseconds poll_interval{1000};
};

// The dashboard in one object: a read-only ServingReader on the serving store (SQLite or
// ClickHouse, by URL), a LiveHub, the HttpServer, and (optionally) a StorePoller.
//
// Lifecycle: made running by start_dashboard(); destroying it stops the server and the poller.
// Thread-safety: hub() is thread-safe (publish from any thread); port() is constant once started.
class DashboardService {
 public:
  // `store`: a serving-store URL for open_serving_reader() ("sqlite:PATH",
  // "clickhouse://HOST:PORT/DB") or a bare SQLite file path.
  DashboardService(const DashboardOptions& options, const std::string& store,
                   const MetricsSource* metrics);
  ~DashboardService();
  DashboardService(const DashboardService&) = delete;
  DashboardService& operator=(const DashboardService&) = delete;

  LiveHub& hub() { return hub_; }
  int port() const;
  // The address to print for users: http://127.0.0.1:PORT/
  std::string url() const;

 private:
  std::string host_;
  LiveHub hub_;
  std::unique_ptr<ServingReader> reader_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<StorePoller> poller_;
};

// Opens the store read-only and starts serving. `store` is a serving-store URL ("sqlite:PATH",
// "clickhouse://[USER[:PASSWORD]@]HOST:PORT/DB", credentials also from CLICKHOUSE_USER /
// CLICKHOUSE_PASSWORD) or a bare SQLite file path. Throws std::runtime_error on start-up errors
// (no such store, server unreachable, port in use, non-loopback address without a token).
std::unique_ptr<DashboardService> start_dashboard(const DashboardOptions& options,
                                                  const std::string& store,
                                                  const MetricsSource* metrics);

// web/dist of the source tree this binary was built from (a compile definition), where
// scripts/setup.sh builds the front end.
std::string default_web_root();

// "sqlite:PATH" or "sqlite://PATH" -> PATH; anything else throws std::runtime_error. Kept for
// callers written when the dashboard read SQLite only: start_dashboard() takes the URL itself.
std::string sqlite_path_from_url(const std::string& url);

}  // namespace stockpulse
