// Benchmarks of the live path: LiveHub::publish() fan-out cost, and the delay from publish() to
// the event's bytes arriving at an SSE client over loopback TCP through HttpServer (p50/p99
// reported as counters, in microseconds). And the read path: one API document from each
// ServingReader (SQLite file; ClickHouse started here from src/sink/tests/clickhouse_server.h)
// over the same rows.
#include <benchmark/benchmark.h>

#include <utility>

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "serve/clickhouse_serving_reader.h"
#include "serve/http_server.h"
#include "serve/live_hub.h"
#include "serve/sqlite_serving_reader.h"
#include "serve/tests/seed_data.h"
#include "serve/tests/test_support.h"
#include "sink/clickhouse_serving_store.h"
#include "sink/serving_store.h"
#include "sink/tests/clickhouse_server.h"

namespace stockpulse {
namespace {

const std::string kTrendJson =
    R"({"symbol":"AAPL","window_start":"2024-05-01T14:30:00.000Z","window_end":"2024-05-01T14:35:00.000Z","bar_count":5,"open":189.1,"high":190.2,"low":188.7,"close":189.9,"total_volume":51234,"avg_close":189.5,"max_close":189.9,"min_close":189.0,"volatility":0.31,"avg_volume":10246.8,"avg_vwap":189.4,"vwap_deviation_pct":0.26,"buy_pressure":0.6,"avg_pct_change":0.08,"price_range":0.9,"trend_signal":"BULLISH","is_final":false})";

// publish() with N subscribers that drain their buffers between iterations (no I/O).
void BM_PublishFanout(benchmark::State& state) {
  LiveHub hub;
  std::vector<std::shared_ptr<LiveSubscription>> subs;
  for (int i = 0; i < state.range(0); ++i) subs.push_back(hub.subscribe());
  std::string sink;
  for (auto _ : state) {
    hub.publish("trend", kTrendJson);
    state.PauseTiming();
    for (auto& s : subs) {
      sink.clear();
      s->take(sink);
    }
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PublishFanout)->Arg(1)->Arg(16)->Arg(64);

// publish() -> bytes received by an SSE client on loopback, one event at a time.
void BM_PublishToSseClient(benchmark::State& state) {
  namespace net = boost::asio;
  testing::TempDir dir;
  const std::string db = (dir.path() / "s.db").string();
  open_serving_store("sqlite:" + db);
  SqliteServingReader reader(db);
  LiveHub hub;
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  HttpServer server(options, reader, hub, nullptr);
  server.start();
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server.port())});
  socket.set_option(net::ip::tcp::no_delay(true));
  net::write(socket,
             net::buffer(std::string("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")));
  while (hub.subscriber_count() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::array<char, 65536> buf;
  std::string received;
  // Skip the response head and greeting.
  while (received.find(": connected\n\n") == std::string::npos) {
    received.append(buf.data(), socket.read_some(net::buffer(buf)));
  }
  std::vector<double> micros;
  for (auto _ : state) {
    received.clear();
    const auto t0 = std::chrono::steady_clock::now();
    hub.publish("trend", kTrendJson);
    while (received.size() < 2 || received.compare(received.size() - 2, 2, "\n\n") != 0) {
      received.append(buf.data(), socket.read_some(net::buffer(buf)));
    }
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) { return micros[static_cast<size_t>(p * (micros.size() - 1))]; };
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PublishToSseClient)->UseRealTime();

// The same rows (4 symbols x 240 minutes of bars and 5-minute windows, the "*" market row,
// alerts) in a SQLite file and a ClickHouse database, both written by the sink's stores, and a
// reader on each. Built on first use, torn down at exit.
struct ReadStores {
  testing::TempDir dir;
  std::unique_ptr<testing::ClickHouseServer> server;
  std::unique_ptr<ServingReader> sqlite;
  std::unique_ptr<ServingReader> clickhouse;
  std::string error;

  ReadStores() {
    const EventTime origin(1714570200000);  // 2024-05-01T13:30:00Z
    const std::vector<std::string> symbols = {"AAPL", "MSFT", "NVDA", "TSLA"};
    std::vector<Bar> bars;
    std::vector<MarketWindowRow> trends;
    std::vector<SentimentWindowRow> sentiment;
    std::vector<AlertRow> alerts;
    for (size_t i = 0; i < symbols.size(); ++i) {
      for (int m = 0; m < 240; ++m) {
        auto row = testing::seed_minute(symbols[i], i, origin, m);
        bars.push_back(row.bar);
        trends.push_back(row.trend);
        sentiment.push_back(row.sentiment);
        if (m % 7 == 3) alerts.push_back(testing::seed_alert(symbols[i], origin, m));
      }
    }
    for (int m = 0; m < 240; ++m)
      sentiment.push_back(testing::seed_minute("*", 9, origin, m).sentiment);
    auto write = [&](ServingStore& store) {
      store.write_bars(bars);
      store.write_market_windows(trends);
      store.write_sentiment_windows(sentiment);
      store.write_alerts(alerts);
      store.flush();
    };
    const std::string db = (dir.path() / "s.db").string();
    write(*open_serving_store("sqlite:" + db));
    sqlite = std::make_unique<SqliteServingReader>(db);
    server = std::make_unique<testing::ClickHouseServer>(dir.path() / "clickhouse");
    if (auto e = server->start()) {
      error = "cannot start clickhouse-server: " + *e;
      return;
    }
    ClickHouseServingStore store(ClickHouseOptions::from_url(server->url("bench")));
    write(store);
    clickhouse = std::make_unique<ClickHouseServingReader>(server->url("bench"));
  }
};

ReadStores& read_stores() {
  static ReadStores stores;
  return stores;
}

// Arg 0: SQLite, 1: ClickHouse. Each route as the dashboard calls it on page load.
template <int kRoute>
void BM_ReadRoute(benchmark::State& state) {
  ReadStores& stores = read_stores();
  ServingReader* reader = state.range(0) ? stores.clickhouse.get() : stores.sqlite.get();
  if (!reader) {
    state.SkipWithError(stores.error.c_str());
    return;
  }
  ApiQuery q;
  q.symbol = "NVDA";
  q.limit = 240;
  size_t bytes = 0;
  for (auto _ : state) {
    ServingReader::Json r = Err(ReadError{ReadErrorCode::kInternal, ""});
    if constexpr (kRoute == 0) r = reader->symbols();
    if constexpr (kRoute == 1) r = reader->trends(q);
    if constexpr (kRoute == 2) r = reader->candles(q);
    if constexpr (kRoute == 3) r = reader->fear_greed(ApiQuery{});
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    bytes += r.value().size();
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel(state.range(0) ? "clickhouse" : "sqlite");
}
BENCHMARK_TEMPLATE(BM_ReadRoute, 0)->Name("BM_ReadSymbols")->Arg(0)->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_ReadRoute, 1)->Name("BM_ReadTrends240")->Arg(0)->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_ReadRoute, 2)->Name("BM_ReadCandles240")->Arg(0)->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_ReadRoute, 3)
    ->Name("BM_ReadFearGreedComputed")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime();

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
