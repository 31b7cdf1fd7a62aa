#include "serve/serve_command.h"

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "serve/dashboard_service.h"
#include "sink/clickhouse_client.h"

namespace stockpulse {

ServeCommand::ServeCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "serve",
      "Serve the dashboard, the query API (/api/...), /metrics and /healthz over an existing\n"
      "serving store, e.g. one written by `stockpulse run`. Changed windows are pushed live.");
  cmd_->add_option("--serving", serving_,
                   "Serving store: sqlite:PATH or clickhouse://HOST:PORT/DB (user and password\n"
                   "from CLICKHOUSE_USER / CLICKHOUSE_PASSWORD) [sqlite:stockpulse.db]");
  cmd_->add_option("--listen", listen_,
                   "HOST:PORT [127.0.0.1:8080]; beyond loopback needs STOCKPULSE_TOKEN");
  cmd_->add_option("--web-root", web_root_, "Built front end [web/dist of the source tree]");
  cmd_->add_option("--backtest", backtest_file_,
                   "Serve this `stockpulse backtest --json` file as /api/backtest");
  cmd_->add_option("--poll-ms", poll_ms_, "How often to look for store changes [1000]")
      ->check(CLI::Range(50, 60000));
  cmd_->add_option("--allowed-host", allowed_hosts_,
                   "Without STOCKPULSE_TOKEN, a Host name answered besides localhost, 127.x.x.x\n"
                   "and [::1] (repeatable; other names get 400: DNS rebinding)");
  cmd_->add_option("--symbols", watch_list_csv_,
                   "Watch-list of the dashboard, comma-separated (AAPL,TSLA): its badges, and\n"
                   "the first symbols of /api/symbols?sort=activity [none: the most active]");
  cmd_->add_option("--badges", badges_,
                   "Badges shown without a watch-list: the most active symbols [16]")
      ->check(CLI::Range(1, SymbolsView::kMaxBadges));
  cmd_->add_option("--max-connections", max_connections_,
                   "Open connections; at the cap idle ones are evicted, else refused [256]")
      ->check(CLI::Range(1, 100000));
  cmd_->add_option("--max-connections-per-client", max_connections_per_client_,
                   "Open connections per source address [64]")
      ->check(CLI::Range(1, 100000));
  cmd_->add_option("--header-timeout-ms", header_timeout_ms_,
                   "A request's headers must arrive within this [10000]")
      ->check(CLI::Range(100, 3600000));
  cmd_->add_option("--idle-timeout-ms", idle_timeout_ms_,
                   "Keep-alive wait for the next request [30000]")
      ->check(CLI::Range(100, 3600000));
  cmd_->add_option("--write-timeout-ms", write_timeout_ms_,
                   "Every response and event-stream write must finish within this [15000]")
      ->check(CLI::Range(100, 3600000));
  cmd_->add_option("--max-live-subscribers", max_live_subscribers_,
                   "/api/stream clients; when full, a stalled one is replaced, else 503 [64]")
      ->check(CLI::Range(1, 10000));
  cmd_->add_option("--max-live-subscribers-per-client", max_live_subscribers_per_client_,
                   "/api/stream clients per source address [16]")
      ->check(CLI::Range(1, 10000));
}

int ServeCommand::execute() {
  if (serving_.starts_with("sqlite:")) {
    const std::string path = sqlite_path_from_url(serving_);
    if (!std::filesystem::exists(path)) {
      throw std::runtime_error(
          fmt::format("--serving {}: no such file (run `stockpulse run --serving {}` first)",
                      serving_, serving_));
    }
  }
  DashboardOptions options;
  options.http.listen = listen_;
  options.http.web_root = web_root_;
  options.http.backtest_file = backtest_file_;
  if (const char* token = std::getenv("STOCKPULSE_TOKEN")) options.http.token = token;
  options.http.allowed_hosts = allowed_hosts_;
  {
    std::vector<std::string> symbols;
    size_t pos = 0;
    while (pos <= watch_list_csv_.size() && !watch_list_csv_.empty()) {
      size_t comma = watch_list_csv_.find(',', pos);
      if (comma == std::string::npos) comma = watch_list_csv_.size();
      std::string item = watch_list_csv_.substr(pos, comma - pos);
      while (!item.empty() && item.front() == ' ') item.erase(item.begin());
      while (!item.empty() && item.back() == ' ') item.pop_back();
      if (!item.empty()) symbols.push_back(std::move(item));
      pos = comma + 1;
    }
    auto watch = normalize_watch_list(symbols);
    if (!watch) throw std::runtime_error("--symbols: " + watch.error());
    options.http.symbols_view.watch_list = std::move(watch).value();
    options.http.symbols_view.badges = badges_;
  }
  options.http.max_connections = max_connections_;
  options.http.max_connections_per_client = max_connections_per_client_;
  options.http.header_timeout = std::chrono::milliseconds(header_timeout_ms_);
  options.http.idle_timeout = std::chrono::milliseconds(idle_timeout_ms_);
  options.http.write_timeout = std::chrono::milliseconds(write_timeout_ms_);
  options.hub.max_subscribers = max_live_subscribers_;
  options.hub.max_subscribers_per_client = max_live_subscribers_per_client_;
  options.poll_store = true;
  options.poll_interval = std::chrono::milliseconds(poll_ms_);

  // Block the stop signals before any thread starts, so only sigwait() below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto dashboard = start_dashboard(options, serving_, nullptr);
  const std::string web_root = web_root_.empty() ? default_web_root() : web_root_;
  // The URL is printed as given minus any password (user:password@ in it is allowed).
  const std::string shown = mask_url_password(serving_);
  fmt::print(stderr, "stockpulse serve: dashboard at {} (store {}, web root {})\n",
             dashboard->url(), shown, web_root);
  if (!std::filesystem::exists(std::filesystem::path(web_root) / "index.html")) {
    fmt::print(stderr,
               "warning: no index.html in {}: the API works, but run scripts/setup.sh to build the "
               "web front end\n",
               web_root);
  }
  int received = 0;
  sigwait(&signals, &received);
  fmt::print(stderr, "stockpulse serve: stopping\n");
  dashboard.reset();
  return 0;
}

}  // namespace stockpulse
