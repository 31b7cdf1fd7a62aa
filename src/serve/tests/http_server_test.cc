#include "serve/http_server.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "serve/live_hub.h"
#include "serve/metrics_source.h"
#include "serve/sqlite_serving_reader.h"
#include "serve/tests/seed_data.h"
#include "serve/tests/test_support.h"
#include "sink/serving_store.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;
using testing::http_get;
using testing::raw_request;

const EventTime kOrigin = *parse_iso8601("2024-05-01T13:30:00Z");
constexpr int kMinutes = 90;
const std::vector<std::string> kSymbols = {"AAPL", "NVDA"};

class FakeMetrics : public MetricsSource {
 public:
  void write_prometheus(std::string& out) const override {
    out +=
        "# HELP stockpulse_posts_read_total Posts read.\n"
        "# TYPE stockpulse_posts_read_total counter\n"
        "stockpulse_posts_read_total 42\n";
  }
};

// A serving store written through the sink's own writer (same schema as the pipeline's), a
// server on a free port, and a web root with an index page.
class HttpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    db_path_ = (dir_->path() / "serving.db").string();
    auto store = open_serving_store("sqlite:" + db_path_);
    std::vector<Bar> bars;
    std::vector<MarketWindowRow> trends;
    std::vector<SentimentWindowRow> sentiment;
    std::vector<AlertRow> alerts;
    for (size_t i = 0; i < kSymbols.size(); ++i) {
      for (int m = 0; m < kMinutes; ++m) {
        auto row = testing::seed_minute(kSymbols[i], i, kOrigin, m);
        bars.push_back(row.bar);
        trends.push_back(row.trend);
        sentiment.push_back(row.sentiment);
        if (m % 10 == 3) alerts.push_back(testing::seed_alert(kSymbols[i], kOrigin, m));
      }
      // The partial windows a sliding-window pipeline holds past the newest minute.
      for (auto& w : testing::seed_edge_windows(kSymbols[i], i, kOrigin, kMinutes - 1)) {
        trends.push_back(w.trend);
        sentiment.push_back(w.sentiment);
      }
    }
    auto market = testing::seed_minute("*", 5, kOrigin, kMinutes - 1).sentiment;
    sentiment.push_back(market);
    for (auto& w : testing::seed_edge_windows("*", 5, kOrigin, kMinutes - 1)) {
      sentiment.push_back(w.sentiment);
    }
    store->write_bars(bars);
    store->write_market_windows(trends);
    store->write_sentiment_windows(sentiment);
    store->write_alerts(alerts);
    store->flush();
    fs::create_directories(dir_->path() / "dist" / "assets");
    std::ofstream(dir_->path() / "dist" / "index.html") << "<!doctype html><title>sp</title>";
    std::ofstream(dir_->path() / "dist" / "assets" / "app.css") << "body{}";
    std::ofstream(dir_->path() / "secret.txt") << "top secret";
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    reader_ = std::make_unique<SqliteServingReader>(db_path_);
    HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.web_root = (dir_->path() / "dist").string();
    options.sse_keepalive = std::chrono::milliseconds(200);
    options.token = token_;
    options.backtest_file = (dir_->path() / "backtest.json").string();
    server_ = std::make_unique<HttpServer>(options, *reader_, hub_, &metrics_);
    server_->start();
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }

  simdjson::dom::element get_json(const std::string& target, int expected_status = 200) {
    reply_ = http_get(port_, target);
    EXPECT_EQ(reply_.status, expected_status) << target << ": " << reply_.body;
    EXPECT_EQ(reply_.headers["content-type"], "application/json") << target;
    auto doc = parser_.parse(reply_.body);
    EXPECT_FALSE(doc.error()) << target << ": " << reply_.body;
    return doc.value_unsafe();
  }

  static inline testing::TempDir* dir_ = nullptr;
  static inline std::string db_path_;
  std::string token_;
  FakeMetrics metrics_;
  LiveHub hub_;
  std::unique_ptr<ServingReader> reader_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  testing::HttpReply reply_;
  simdjson::dom::parser parser_;
};

std::string iso_minute(int m) {
  return format_iso8601(EventTime(kOrigin.value() + m * kMillisPerMinute));
}

TEST_F(HttpServerTest, Symbols) {
  auto doc = get_json("/api/symbols");
  simdjson::dom::array symbols = doc["symbols"];
  ASSERT_EQ(symbols.size(), 2u);
  EXPECT_EQ(std::string_view(symbols.at(0)["symbol"]), "AAPL");
  EXPECT_EQ(std::string_view(symbols.at(1)["symbol"]), "NVDA");
  // NVDA's trend and sentiment are its trailing windows, the full windows of the last seeded
  // minute, not the newer partial ones that end in the future; its bar is the last one.
  const auto last = testing::seed_minute("NVDA", 1, kOrigin, kMinutes - 1);
  EXPECT_EQ(std::string_view(symbols.at(1)["trend"]["window_start"]),
            format_iso8601(last.trend.window_start));
  EXPECT_EQ(std::string_view(symbols.at(1)["trend"]["window_end"]),
            format_iso8601(last.trend.window_end));
  EXPECT_EQ(int64_t(symbols.at(1)["trend"]["bar_count"]), 5);
  EXPECT_DOUBLE_EQ(double(symbols.at(1)["trend"]["buy_pressure"]), last.trend.buy_pressure);
  EXPECT_EQ(std::string_view(symbols.at(1)["sentiment"]["window_end"]),
            format_iso8601(last.sentiment.window_end));
  EXPECT_DOUBLE_EQ(double(symbols.at(1)["trend"]["avg_close"]), last.trend.avg_close);
  EXPECT_EQ(std::string_view(symbols.at(1)["trend"]["trend_signal"]),
            trend_signal_name(last.trend.trend_signal));
  EXPECT_DOUBLE_EQ(double(symbols.at(1)["last_bar"]["close"]), last.bar.close);
  EXPECT_EQ(int64_t(symbols.at(1)["sentiment"]["tweet_count"]), last.sentiment.tweet_count);
  EXPECT_EQ(std::string_view(doc["market"]["symbol"]), "*");
  EXPECT_EQ(reply_.headers["x-content-type-options"], "nosniff");
  EXPECT_NE(reply_.headers["content-security-policy"].find("default-src 'self'"),
            std::string::npos);
}

TEST_F(HttpServerTest, SentimentRangeAndOrder) {
  // window_start in [minute 10 - 4, minute 20 - 4): ten windows.
  auto doc = get_json("/api/sentiment?symbol=aapl&from=" + iso_minute(6) + "&to=" + iso_minute(16));
  simdjson::dom::array rows = doc["rows"];
  ASSERT_EQ(rows.size(), 10u);
  std::string_view prev;
  for (auto row : rows) {
    std::string_view start = row["window_start"];
    EXPECT_GT(start, prev);
    prev = start;
    EXPECT_EQ(std::string_view(row["symbol"]), "AAPL");
  }
  const auto first = testing::seed_minute("AAPL", 0, kOrigin, 10);
  EXPECT_EQ(std::string_view(rows.at(0)["window_start"]),
            format_iso8601(first.sentiment.window_start));
  EXPECT_DOUBLE_EQ(double(rows.at(0)["sentiment_score_avg"]), first.sentiment.sentiment_score_avg);
  EXPECT_EQ(simdjson::dom::array(rows.at(0)["histogram"]).size(), 20u);
  EXPECT_EQ(bool(rows.at(0)["is_final"]), false);
  EXPECT_EQ(bool(doc["truncated"]), false);
}

TEST_F(HttpServerTest, LimitKeepsTheLatestRows) {
  auto doc = get_json("/api/trends?symbol=NVDA&limit=3");
  simdjson::dom::array rows = doc["rows"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(bool(doc["truncated"]), true);
  // The newest windows by start are the partial ones at the edge, oldest first.
  const auto edge = testing::seed_edge_windows("NVDA", 1, kOrigin, kMinutes - 1);
  for (size_t i = 0; i < 3; ++i) {
    const MarketWindowRow& want = edge[i + 1].trend;
    EXPECT_EQ(std::string_view(rows.at(i)["window_end"]), format_iso8601(want.window_end));
    EXPECT_EQ(int64_t(rows.at(i)["bar_count"]), want.bar_count);
    EXPECT_DOUBLE_EQ(double(rows.at(i)["avg_close"]), want.avg_close);
  }
}

TEST_F(HttpServerTest, LimitIsCapped) {
  auto doc = get_json("/api/trends?limit=1000000");
  EXPECT_EQ(int64_t(doc["limit"]), 5000);
  EXPECT_EQ(bool(doc["limit_capped"]), true);
  // Both symbols' windows (one a minute and four partial ones at the edge), in time order.
  EXPECT_EQ(simdjson::dom::array(doc["rows"]).size(), kSymbols.size() * (kMinutes + 4));
}

TEST_F(HttpServerTest, AllSymbolsIncludesTheMarketRow) {
  auto doc = get_json("/api/sentiment?limit=5000");
  // Per symbol a window a minute and four at the edge; the market ("*"): one, and its edge.
  EXPECT_EQ(simdjson::dom::array(doc["rows"]).size(), kSymbols.size() * (kMinutes + 4) + 1 + 4);
}

TEST_F(HttpServerTest, Candles) {
  auto doc = get_json("/api/candles?symbol=AAPL&from=" + iso_minute(30) + "&to=" + iso_minute(35));
  simdjson::dom::array rows = doc["rows"];
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(std::string_view(doc["symbol"]), "AAPL");
  for (int i = 0; i < 5; ++i) {
    const auto m = testing::seed_minute("AAPL", 0, kOrigin, 30 + i);
    EXPECT_EQ(std::string_view(rows.at(i)["ts"]), format_iso8601(m.bar.ts));
    EXPECT_DOUBLE_EQ(double(rows.at(i)["open"]), m.bar.open);
    EXPECT_DOUBLE_EQ(double(rows.at(i)["close"]), m.bar.close);
    EXPECT_DOUBLE_EQ(double(rows.at(i)["volume"]), m.bar.volume);
  }
  get_json("/api/candles", 400);
  EXPECT_NE(reply_.body.find("symbol"), std::string::npos);
}

TEST_F(HttpServerTest, IndicatorsMatchAnIndependentMovingAverage) {
  auto doc = get_json("/api/indicators?symbol=NVDA");
  simdjson::dom::array rows = doc["rows"];
  ASSERT_EQ(rows.size(), static_cast<size_t>(kMinutes));
  // SMA-50 is the plain mean of the last 50 closes: check it against the seeded closes.
  double sum = 0;
  for (int m = kMinutes - 50; m < kMinutes; ++m) sum += testing::seed_close(1, m);
  EXPECT_NEAR(double(rows.at(kMinutes - 1)["sma_50"]), sum / 50, 1e-9);
  EXPECT_TRUE(rows.at(48)["sma_50"].is_null());  // 49 closes: not enough yet
  EXPECT_FALSE(rows.at(49)["sma_50"].is_null());
  EXPECT_TRUE(rows.at(13)["rsi_14"].is_null());
  const double rsi = rows.at(kMinutes - 1)["rsi_14"];
  EXPECT_GE(rsi, 0);
  EXPECT_LE(rsi, 100);
  get_json("/api/indicators", 400);
}

TEST_F(HttpServerTest, FearGreed) {
  auto doc = get_json("/api/fear-greed");
  simdjson::dom::array symbols = doc["symbols"];
  ASSERT_EQ(symbols.size(), 2u);
  double sum = 0;
  for (auto s : symbols) {
    const double score = s["score"];
    EXPECT_GE(score, 0);
    EXPECT_LE(score, 100);
    const std::string_view band = s["band"];
    // Bands as documented: < 25, < 45, <= 55, <= 75, above.
    const char* expected = score < 25    ? "extreme_fear"
                           : score < 45  ? "fear"
                           : score <= 55 ? "neutral"
                           : score <= 75 ? "greed"
                                         : "extreme_greed";
    EXPECT_EQ(band, expected);
    // The sentiment component maps the window's average compound [-1, 1] to [0, 100].
    const auto last = testing::seed_minute(std::string(std::string_view(s["symbol"])),
                                           std::string_view(s["symbol"]) == "AAPL" ? 0 : 1, kOrigin,
                                           kMinutes - 1);
    EXPECT_NEAR(double(s["sentiment"]), (last.sentiment.sentiment_score_avg + 1) * 50, 1e-9);
    sum += score;
  }
  EXPECT_NEAR(double(doc["market"]["score"]), sum / 2, 1e-9);
  EXPECT_GT(simdjson::dom::array(doc["history"]).size(), 30u);
  auto one = get_json("/api/fear-greed?symbol=AAPL");
  EXPECT_EQ(simdjson::dom::array(one["symbols"]).size(), 1u);
  EXPECT_GT(simdjson::dom::array(one["history"]).size(), 30u);
}

TEST_F(HttpServerTest, Alerts) {
  auto doc = get_json("/api/alerts?symbol=NVDA");
  simdjson::dom::array rows = doc["rows"];
  ASSERT_EQ(rows.size(), static_cast<size_t>(kMinutes / 10));
  const auto a = testing::seed_alert("NVDA", kOrigin, 3);
  EXPECT_EQ(std::string_view(rows.at(0)["ts"]), format_iso8601(a.ts));
  EXPECT_EQ(std::string_view(rows.at(0)["message"]), a.message);
  auto all = get_json("/api/alerts?limit=2");
  EXPECT_EQ(simdjson::dom::array(all["rows"]).size(), 2u);
}

// /api/backtest serves the file `stockpulse backtest --json` wrote, re-read on every request.
TEST_F(HttpServerTest, BacktestServesTheFileOrSaysHowToMakeIt) {
  const fs::path file = dir_->path() / "backtest.json";
  fs::remove(file);
  auto none = get_json("/api/backtest");
  EXPECT_FALSE(bool(none["available"]));
  EXPECT_EQ(simdjson::dom::array(none["signals"]).size(), 0u);
  EXPECT_NE(std::string_view(none["message"]).find("stockpulse backtest --json"),
            std::string_view::npos);
  const std::string body =
      "{\"signals\":[{\"signal\":\"avg_sentiment\",\"horizon\":\"1m\",\"ic\":0.25}]}";
  std::ofstream(file) << body;
  auto doc = get_json("/api/backtest");
  EXPECT_EQ(reply_.body, body);
  EXPECT_EQ(double(doc["signals"].at(0)["ic"]), 0.25);
  {
    std::ofstream big(file);
    big << std::string(HttpServer::kMaxBacktestBytes + 1, ' ');
  }
  reply_ = testing::http_get(port_, "/api/backtest");
  EXPECT_EQ(reply_.status, 500);
  EXPECT_NE(reply_.body.find("larger than"), std::string::npos) << reply_.body;
  fs::remove(file);
}

TEST_F(HttpServerTest, BadParametersAre400WithAMessage) {
  for (const char* target :
       {"/api/sentiment?limit=0", "/api/sentiment?limit=abc", "/api/trends?from=yesterday",
        "/api/alerts?symbol=A%3BB", "/api/candles?symbol=AAPL&to=2024-13-01",
        "/api/trends?from=2024-05-02&to=2024-05-01", "/api/symbols?nope=1",
        "/api/sentiment?symbol=%00", "/api/fear-greed?limit=-1"}) {
    auto doc = get_json(target, 400);
    EXPECT_FALSE(doc["error"].error()) << target;
  }
  get_json("/api/nope", 404);
}

TEST_F(HttpServerTest, StaticFilesAndTraversal) {
  auto index = http_get(port_, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(index.body, "<!doctype html><title>sp</title>");
  EXPECT_EQ(http_get(port_, "/assets/app.css").headers["content-type"], "text/css; charset=utf-8");
  EXPECT_EQ(http_get(port_, "/missing.js").status, 404);
  for (const char* target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2E%2E/%2e%2e/secret.txt", "//etc/passwd",
        "/..%2fsecret.txt", "/index.html%00", "/%00"}) {
    auto r = http_get(port_, target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << target;
  }
  // Absolute-form and non-path targets never reach the file system.
  EXPECT_EQ(http_get(port_, "http://127.0.0.1/etc/passwd").status, 400);
  EXPECT_EQ(raw_request(port_, "DELETE / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .status,
            405);
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  const std::string big(20000, 'a');
  auto r = http_get(port_, "/api/symbols", "X-Big: " + big + "\r\n");
  EXPECT_EQ(r.status, 431);
}

TEST_F(HttpServerTest, HealthAndMetrics) {
  auto health = get_json("/healthz");
  EXPECT_EQ(std::string_view(health["status"]), "ok");
  auto metrics = http_get(port_, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  // Every line is a comment or "name{labels} value" in the text exposition format.
  const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? -?[0-9.eE+-]+$)");
  const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  std::istringstream lines(metrics.body);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.starts_with("#")) {
      EXPECT_TRUE(std::regex_match(line, comment)) << line;
    } else {
      EXPECT_TRUE(std::regex_match(line, sample)) << line;
      ++samples;
    }
  }
  EXPECT_GT(samples, 8);
  EXPECT_NE(metrics.body.find("stockpulse_posts_read_total 42\n"), std::string::npos);
  const auto pos = metrics.body.find("\nprocess_resident_memory_bytes ");
  ASSERT_NE(pos, std::string::npos);
  EXPECT_GT(std::stod(metrics.body.substr(pos + 31)), 1e6);  // this test process uses > 1 MB
}

TEST_F(HttpServerTest, StreamDeliversAPublishedEventWithinOneSecond) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
  net::write(
      socket,
      net::buffer(std::string(
          "GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")));
  // Wait until the server has subscribed this connection.
  for (int i = 0; i < 200 && hub_.subscriber_count() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(hub_.subscriber_count(), 1u);
  const auto published_at = std::chrono::steady_clock::now();
  hub_.publish("alert", "{\"symbol\":\"AAPL\",\"kind\":\"sentiment_spike\"}");
  std::string received;
  std::array<char, 4096> buf;
  const std::string want =
      "event: alert\ndata: {\"symbol\":\"AAPL\",\"kind\":\"sentiment_spike\"}\n\n";
  while (received.find(want) == std::string::npos &&
         std::chrono::steady_clock::now() - published_at < std::chrono::seconds(2)) {
    const size_t n = socket.read_some(net::buffer(buf));
    received.append(buf.data(), n);
  }
  const auto elapsed = std::chrono::steady_clock::now() - published_at;
  ASSERT_NE(received.find(want), std::string::npos) << received;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  EXPECT_NE(received.find("Content-Type: text/event-stream"), std::string::npos);
  // Keep-alive comments arrive while nothing is published (every 200 ms in this test).
  received.clear();
  while (received.find(": keep-alive") == std::string::npos) {
    const size_t n = socket.read_some(net::buffer(buf));
    received.append(buf.data(), n);
  }
  // Closing the client unsubscribes it.
  socket.close();
  for (int i = 0; i < 200 && hub_.subscriber_count() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(hub_.subscriber_count(), 0u);
}

class HttpServerTokenTest : public HttpServerTest {
 protected:
  void SetUp() override {
    token_ = "s3cret-token";
    HttpServerTest::SetUp();
  }
};

TEST_F(HttpServerTokenTest, ApiAndMetricsNeedTheToken) {
  EXPECT_EQ(http_get(port_, "/api/symbols").status, 401);
  EXPECT_EQ(http_get(port_, "/api/symbols", "Authorization: Bearer wrong-token!\r\n").status, 401);
  EXPECT_EQ(http_get(port_, "/api/symbols", "Authorization: Bearer s3cret-token\r\n").status, 200);
  EXPECT_EQ(http_get(port_, "/metrics").status, 401);
  EXPECT_EQ(http_get(port_, "/metrics", "Authorization: Bearer s3cret-token\r\n").status, 200);
  // Only the stream accepts the token as a parameter (EventSource cannot set headers).
  EXPECT_EQ(http_get(port_, "/api/symbols?access_token=s3cret-token").status, 401);
  // The page itself holds no data and loads without it.
  EXPECT_EQ(http_get(port_, "/").status, 200);
}

TEST(HttpServerOptionsTest, NonLoopbackWithoutTokenIsRefused) {
  testing::TempDir dir;
  open_serving_store("sqlite:" + (dir.path() / "s.db").string());
  SqliteServingReader reader((dir.path() / "s.db").string());
  LiveHub hub;
  HttpServerOptions options;
  options.listen = "0.0.0.0:0";
  EXPECT_THROW(HttpServer(options, reader, hub, nullptr), std::runtime_error);
  options.token = "t";
  HttpServer ok(options, reader, hub, nullptr);  // constructed, never started: binds nothing
  EXPECT_FALSE(ok.loopback_only());
  options.listen = "not-an-address:80";
  EXPECT_THROW(HttpServer(options, reader, hub, nullptr), std::runtime_error);
  options.listen = "127.0.0.1:99999";
  EXPECT_THROW(HttpServer(options, reader, hub, nullptr), std::runtime_error);
}

TEST(ServingReaderTest, MissingOrForeignFileIsAStartUpError) {
  testing::TempDir dir;
  EXPECT_THROW(SqliteServingReader((dir.path() / "none.db").string()), std::runtime_error);
  std::ofstream(dir.path() / "junk.db") << "not a database at all, certainly not";
  EXPECT_THROW(SqliteServingReader((dir.path() / "junk.db").string()), std::runtime_error);
}

}  // namespace
}  // namespace stockpulse

namespace stockpulse {
namespace {

// When the pipeline stores indicators and Fear & Greed (schema v3), the API returns those rows
// as stored instead of computing them.
TEST(HttpServerStoredAnalyticsTest, ReadsTheIndicatorAndFearGreedTables) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "s.db").string();
  {
    auto store = open_serving_store("sqlite:" + db);
    std::vector<IndicatorRow> ind;
    std::vector<FearGreedRow> fg;
    for (int m = 0; m < 5; ++m) {
      IndicatorRow r;
      r.symbol = "AAPL";
      r.ts = EventTime(kOrigin.value() + m * kMillisPerMinute);
      r.close = 100 + m;
      r.rsi_14 = 40 + m;
      ind.push_back(r);
      for (const char* symbol : {"AAPL", "*"}) {
        FearGreedRow f;
        f.symbol = symbol;
        f.ts = r.ts;
        f.score = 60 + m;
        f.band = "greed";
        f.sentiment = 70;
        fg.push_back(f);
      }
    }
    store->write_indicators(ind);
    store->write_fear_greed(fg);
    std::vector<MarketWindowRow> trends = {testing::seed_minute("AAPL", 0, kOrigin, 4).trend};
    store->write_market_windows(trends);
    store->flush();
  }
  SqliteServingReader reader(db);
  LiveHub hub;
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  HttpServer server(options, reader, hub, nullptr);
  server.start();
  simdjson::dom::parser parser;

  auto reply = http_get(server.port(), "/api/indicators?symbol=AAPL&limit=3");
  ASSERT_EQ(reply.status, 200) << reply.body;
  simdjson::dom::element doc = parser.parse(reply.body);
  EXPECT_EQ(std::string_view(doc["source"]), "stored");
  simdjson::dom::array rows = doc["rows"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_DOUBLE_EQ(double(rows.at(2)["rsi_14"]), 44);
  EXPECT_TRUE(rows.at(2)["ema_20"].is_null());

  reply = http_get(server.port(), "/api/fear-greed");
  ASSERT_EQ(reply.status, 200) << reply.body;
  doc = parser.parse(reply.body);
  EXPECT_EQ(std::string_view(doc["source"]), "stored");
  EXPECT_DOUBLE_EQ(double(doc["market"]["score"]), 64);
  EXPECT_EQ(std::string_view(doc["market"]["minute"]),
            format_iso8601(EventTime(kOrigin.value() + 4 * kMillisPerMinute)));
  simdjson::dom::array symbols = doc["symbols"];
  ASSERT_EQ(symbols.size(), 1u);
  EXPECT_EQ(std::string_view(symbols.at(0)["symbol"]), "AAPL");
  EXPECT_EQ(std::string_view(symbols.at(0)["band"]), "greed");
  EXPECT_EQ(simdjson::dom::array(doc["history"]).size(), 5u);
}

}  // namespace
}  // namespace stockpulse
