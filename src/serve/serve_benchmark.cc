// Benchmarks of the live path: LiveHub::publish() fan-out cost, and the delay from publish() to
// the event's bytes arriving at an SSE client over loopback TCP through HttpServer (p50/p99
// reported as counters, in microseconds).
#include <benchmark/benchmark.h>

#include <utility>

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "serve/http_server.h"
#include "serve/live_hub.h"
#include "serve/sqlite_serving_reader.h"
#include "serve/tests/test_support.h"
#include "sink/serving_store.h"

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
  net::write(socket, net::buffer(std::string("GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n")));
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

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
