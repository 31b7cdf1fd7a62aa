// libFuzzer target: arbitrary bytes sent to a real HttpServer (the dashboard's, on 127.0.0.1, one
// I/O thread, short timeouts) over a fresh connection, write side closed after them; the answer
// is read until the server closes (or 250 ms of silence: an event stream). So Beast's request
// parser, the Host check, routing, every route's query parsing and the store queries all see the
// input. Findings: a crash or sanitizer report in the server, an answer that is not HTTP/1.x, a
// 500 (the server failed on its own data), or file descriptors piling up (connections the server
// never closes). The store holds an hour of seeded rows for three symbols.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "serve/http_server.h"
#include "serve/live_hub.h"
#include "serve/metrics_source.h"
#include "serve/sqlite_serving_reader.h"
#include "serve/tests/seed_data.h"
#include "sink/serving_store.h"

using namespace stockpulse;
namespace fs = std::filesystem;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

class NoMetrics : public MetricsSource {
 public:
  void write_prometheus(std::string& out) const override { out += "fuzz_up 1\n"; }
};

struct Server {
  fs::path dir;
  std::unique_ptr<SqliteServingReader> reader;
  LiveHub hub;
  NoMetrics metrics;
  std::unique_ptr<HttpServer> server;

  Server() {
    dir = fs::temp_directory_path() / ("stockpulse-http-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(dir / "dist");
    std::ofstream(dir / "dist" / "index.html") << "<!doctype html><title>fuzz</title>";
    const std::string db = (dir / "serving.db").string();
    {
      auto store = open_serving_store("sqlite:" + db);
      const EventTime origin = *parse_iso8601("2024-05-01T13:30:00Z");
      std::vector<Bar> bars;
      std::vector<MarketWindowRow> trends;
      std::vector<SentimentWindowRow> sentiment;
      std::vector<AlertRow> alerts;
      const char* symbols[] = {"AAPL", "NVDA", "BRK.B"};
      for (size_t i = 0; i < 3; ++i) {
        for (int m = 0; m < 60; ++m) {
          auto row = testing::seed_minute(symbols[i], i, origin, m);
          bars.push_back(row.bar);
          trends.push_back(row.trend);
          sentiment.push_back(row.sentiment);
          if (m % 10 == 3) alerts.push_back(testing::seed_alert(symbols[i], origin, m));
        }
      }
      sentiment.push_back(testing::seed_minute("*", 5, origin, 59).sentiment);
      store->write_bars(bars);
      store->write_market_windows(trends);
      store->write_sentiment_windows(sentiment);
      store->write_alerts(alerts);
      store->flush();
    }
    reader = std::make_unique<SqliteServingReader>(db);
    HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.web_root = (dir / "dist").string();
    options.threads = 1;
    options.header_timeout = std::chrono::milliseconds(1000);
    options.idle_timeout = std::chrono::milliseconds(500);
    options.write_timeout = std::chrono::milliseconds(1000);
    options.sse_keepalive = std::chrono::milliseconds(100);
    server = std::make_unique<HttpServer>(options, *reader, hub, &metrics);
    server->start();
  }
  ~Server() {
    server.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

int open_fds() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

std::string exchange(int port, std::string_view bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed early (a 4xx on the first bytes): fine
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  char buf[16384];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 250) <= 0) break;  // silence: an open event stream
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    if (answer.size() < (1u << 20)) answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server server;
  static int baseline_fds = open_fds();
  static uint64_t runs = 0;
  const std::string answer =
      exchange(server.server->port(), std::string_view(reinterpret_cast<const char*>(data), size));
  if (!answer.empty()) {
    // The server answers in the request's version (an HTTP/1.0 request gets "HTTP/1.0 ...").
    check(answer.rfind("HTTP/1.1 ", 0) == 0 || answer.rfind("HTTP/1.0 ", 0) == 0);
    // Every status line of the (possibly pipelined) answers: no 500.
    for (size_t at = 0; (at = answer.find("HTTP/1.", at)) != std::string::npos; at += 7) {
      if ((at == 0 || answer.compare(at - 2, 2, "\r\n") == 0) && at + 12 <= answer.size()) {
        check(answer.compare(at + 9, 3, "500") != 0);
      }
    }
  }
  // The server closes what it is done with: descriptors stay near where they started (the cap on
  // connections is 256; a leak grows without bound).
  if (++runs % 256 == 0) check(open_fds() < baseline_fds + 300);
  return 0;
}
