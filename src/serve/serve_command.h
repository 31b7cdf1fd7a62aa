#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "serve/http_server.h"
#include "serve/live_hub.h"
#include "serve/symbols_query.h"

namespace stockpulse {

// `stockpulse serve`: the dashboard and query API over an existing serving store (SQLite file, or
// the ClickHouse database scale-out processors write), without a pipeline. The page stays live
// because a StorePoller publishes changed windows every second. Follows src/app/commands.h:
// registers the subcommand on construction; execute() runs until SIGINT/SIGTERM and returns the
// exit code (0 ok, 2 start-up error).
class ServeCommand {
 public:
  explicit ServeCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  std::string serving_ = "sqlite:stockpulse.db";
  std::string listen_ = "127.0.0.1:8080";
  std::string web_root_;
  std::string backtest_file_;
  int poll_ms_ = 1000;
  std::vector<std::string> allowed_hosts_;
  std::string watch_list_csv_;
  int badges_ = SymbolsView::kDefaultBadges;
  // Limits, defaults from HttpServerOptions / LiveHubOptions.
  size_t max_connections_ = HttpServerOptions{}.max_connections;
  size_t max_connections_per_client_ = HttpServerOptions{}.max_connections_per_client;
  int64_t header_timeout_ms_ = HttpServerOptions{}.header_timeout.count();
  int64_t idle_timeout_ms_ = HttpServerOptions{}.idle_timeout.count();
  int64_t write_timeout_ms_ = HttpServerOptions{}.write_timeout.count();
  size_t max_live_subscribers_ = LiveHubOptions{}.max_subscribers;
  size_t max_live_subscribers_per_client_ = LiveHubOptions{}.max_subscribers_per_client;
};

}  // namespace stockpulse
