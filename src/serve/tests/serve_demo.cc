// sp_serve_demo: a dashboard over a generated serving store, with live events.
//
//   sp_serve_demo [--dir DIR] [--listen 127.0.0.1:0] [--web-root PATH] [--interval-ms 500]
//                 [--seconds N] [--many-symbols N] [--symbols A,B]
//
// Fills DIR/serving.db (a temp folder by default) with two hours of minute bars, windows and
// alerts for four symbols ending now, starts the dashboard, prints "PORT <n>" on stdout, then
// every interval writes one more minute per symbol to the store and publishes it on the live hub
// as the pipeline would ("trend", "sentiment", sometimes "alert", and "stats" once a second).
// The browser test and front-end work use it; it is not part of the product.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "backtest/backtest.h"
#include "backtest/backtest_source.h"
#include "serve/dashboard_service.h"
#include "serve/metrics_source.h"
#include "serve/row_json.h"
#include "serve/tests/seed_data.h"
#include "sink/serving_store.h"

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

class DemoMetrics : public stockpulse::MetricsSource {
 public:
  std::atomic<uint64_t> posts{0};
  std::atomic<uint64_t> bars{0};
  void write_prometheus(std::string& out) const override {
    out += fmt::format(
        "# HELP stockpulse_demo_posts_total Posts the demo pretends to have read.\n"
        "# TYPE stockpulse_demo_posts_total counter\n"
        "stockpulse_demo_posts_total {}\n"
        "# HELP stockpulse_demo_bars_total Bars the demo wrote.\n"
        "# TYPE stockpulse_demo_bars_total counter\n"
        "stockpulse_demo_bars_total {}\n",
        posts.load(), bars.load());
  }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace stockpulse;
  namespace fs = std::filesystem;
  std::string dir, listen = "127.0.0.1:0", web_root;
  int interval_ms = 500;
  double seconds = 0;
  int many_symbols = 0;  // extra symbols, as a real dataset's thousands of cashtags
  std::vector<std::string> watch_list;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--dir") {
      dir = value;
    } else if (flag == "--listen") {
      listen = value;
    } else if (flag == "--web-root") {
      web_root = value;
    } else if (flag == "--interval-ms") {
      interval_ms = std::stoi(value);
    } else if (flag == "--seconds") {
      seconds = std::stod(value);
    } else if (flag == "--many-symbols") {
      many_symbols = std::stoi(value);
    } else if (flag == "--symbols") {
      for (size_t pos = 0; pos <= value.size();) {
        const size_t comma = std::min(value.find(',', pos), value.size());
        if (comma > pos) watch_list.push_back(value.substr(pos, comma - pos));
        pos = comma + 1;
      }
    } else {
      fmt::print(stderr, "unknown flag {}\n", flag);
      return 2;
    }
  }
  bool own_dir = false;
  if (dir.empty()) {
    dir = (fs::temp_directory_path() / fmt::format("sp_serve_demo_{}", ::getpid())).string();
    own_dir = true;
  }
  fs::create_directories(dir);
  const std::string db = (fs::path(dir) / "serving.db").string();
  fs::remove(db);
  fs::remove(db + "-wal");
  fs::remove(db + "-shm");

  const std::vector<std::string> symbols = {"AAPL", "NVDA", "TSLA", "MSFT"};
  constexpr int kHistoryMinutes = 120;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const EventTime origin(now_ms - now_ms % kMillisPerMinute - kHistoryMinutes * kMillisPerMinute);
  auto store = open_serving_store("sqlite:" + db);
  DemoMetrics metrics;
  auto write_minute = [&](int64_t m, std::vector<MarketWindowRow>& trends,
                          std::vector<SentimentWindowRow>& sentiment,
                          std::vector<AlertRow>& alerts) {
    std::vector<Bar> bars;
    for (size_t i = 0; i < symbols.size(); ++i) {
      auto row = testing::seed_minute(symbols[i], i, origin, m);
      // A written minute's windows are complete: final, as the pipeline emits them (the
      // backtest reads final windows only); the partial edge windows below stay updates.
      row.trend.is_final = true;
      row.sentiment.is_final = true;
      bars.push_back(row.bar);
      trends.push_back(row.trend);
      sentiment.push_back(row.sentiment);
      if (m % 7 == static_cast<int64_t>(i))
        alerts.push_back(testing::seed_alert(symbols[i], origin, m));
      // The partial windows past minute m, as a sliding-window pipeline emits them each minute.
      for (auto& w : testing::seed_edge_windows(symbols[i], i, origin, m)) {
        trends.push_back(w.trend);
        sentiment.push_back(w.sentiment);
      }
    }
    for (auto& w : testing::seed_edge_windows("*", 7, origin, m)) {
      sentiment.push_back(w.sentiment);
    }
    sentiment.push_back(testing::seed_minute("*", 7, origin, m).sentiment);
    store->write_bars(bars);
    store->write_market_windows(trends);
    store->write_sentiment_windows(sentiment);
    store->write_alerts(alerts);
    metrics.bars += bars.size();
    metrics.posts += static_cast<uint64_t>(sentiment.back().tweet_count);
  };
  for (int64_t m = 0; m < kHistoryMinutes; ++m) {
    std::vector<MarketWindowRow> t;
    std::vector<SentimentWindowRow> s;
    std::vector<AlertRow> a;
    write_minute(m, t, s, a);
  }
  // Many symbols, most with one window of a few posts and no prices; X0000..X0004 are the most
  // mentioned of all but have no prices, X0005 is the most mentioned with prices.
  if (many_symbols > 0) {
    std::vector<SentimentWindowRow> sentiment;
    std::vector<Bar> bars;
    for (int i = 0; i < many_symbols; ++i) {
      const std::string symbol = fmt::format("X{:04}", i);
      auto row =
          testing::seed_minute(symbol, static_cast<size_t>(i % 50), origin, kHistoryMinutes - 1);
      row.sentiment.tweet_count = i < 5 ? 1'000'000 - i : i == 5 ? 500'000 : 1 + (i * 7) % 5;
      sentiment.push_back(row.sentiment);
      if (i == 5 || i % 400 == 7) bars.push_back(row.bar);
    }
    store->write_sentiment_windows(sentiment);
    store->write_bars(bars);
  }
  store->flush();

  // The backtest panel's file: `stockpulse backtest --json` over the history just written.
  const std::string backtest_file = (fs::path(dir) / "backtest.json").string();
  {
    auto rows = read_backtest_rows(db, 10'000'000);
    if (!rows.ok()) throw std::runtime_error("backtest: " + rows.error());
    BacktestOptions bt;
    for (const char* h : {"1m", "5m", "15m", "1h"}) bt.horizons.push_back(*parse_horizon(h));
    auto report = run_backtest(build_backtest_input(std::move(rows.value()), {}), bt);
    if (!report.ok()) throw std::runtime_error("backtest: " + report.error());
    std::ofstream(backtest_file) << backtest_json(report.value());
  }

  DashboardOptions options;
  options.http.symbols_view.watch_list = watch_list;
  options.http.listen = listen;
  options.http.web_root = web_root;
  options.http.backtest_file = backtest_file;
  auto dashboard = start_dashboard(options, db, &metrics);
  std::printf("PORT %d\n", dashboard->port());
  std::fflush(stdout);
  fmt::print(stderr, "sp_serve_demo: {} (store {})\n", dashboard->url(), db);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto started = std::chrono::steady_clock::now();
  auto last_stats = started;
  uint64_t posts_at_last_stats = metrics.posts;
  for (int64_t m = kHistoryMinutes; !g_stop; ++m) {
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    if (seconds > 0 &&
        std::chrono::steady_clock::now() - started > std::chrono::duration<double>(seconds)) {
      break;
    }
    std::vector<MarketWindowRow> trends;
    std::vector<SentimentWindowRow> sentiment;
    std::vector<AlertRow> alerts;
    write_minute(m, trends, sentiment, alerts);
    for (const auto& r : trends) {
      std::string json;
      append_json(r, json);
      dashboard->hub().publish("trend", std::move(json));
    }
    for (const auto& r : sentiment) {
      std::string json;
      append_json(r, json);
      dashboard->hub().publish("sentiment", std::move(json));
    }
    for (const auto& r : alerts) {
      std::string json;
      append_json(r, json);
      dashboard->hub().publish("alert", std::move(json));
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_stats >= std::chrono::seconds(1)) {
      const double dt = std::chrono::duration<double>(now - last_stats).count();
      const uint64_t posts = metrics.posts;
      dashboard->hub().publish(
          "stats",
          fmt::format("{{\"posts_total\":{},\"bars_total\":{},\"posts_per_second\":{:.1f},"
                      "\"late_total\":{},\"dead_letters_total\":{},\"watermark_lag_ms\":{},"
                      "\"queue_depth\":{}}}",
                      posts, metrics.bars.load(),
                      static_cast<double>(posts - posts_at_last_stats) / dt, m / 3, m / 5,
                      600000 + (m % 5) * 1000, m % 17));
      posts_at_last_stats = posts;
      last_stats = now;
    }
  }
  dashboard.reset();
  store.reset();
  if (own_dir) fs::remove_all(dir);
  return 0;
}
