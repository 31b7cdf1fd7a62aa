// The dashboard over ClickHouse: the same rows written through SqliteServingStore and
// ClickHouseServingStore (src/sink) must give byte-identical answers on every API route, and the
// store poller must publish the same live events from either store. Runs Debian's
// clickhouse-server (18.16) on free ports with src/sink's test helper. LABELS clickhouse: a
// server that cannot start FAILS every test with the reason, never skips.

#include "serve/clickhouse_serving_reader.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "serve/http_server.h"
#include "serve/live_hub.h"
#include "serve/sqlite_serving_reader.h"
#include "serve/store_poller.h"
#include "serve/tests/seed_data.h"
#include "serve/tests/test_support.h"
#include "sink/clickhouse_serving_store.h"
#include "sink/serving_store.h"
#include "sink/tests/clickhouse_server.h"
#include "sink/tests/clickhouse_suite.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse {
namespace {

using testing::http_get;

// Milliseconds that are not zero, so the X / X_ms split of ClickHouse times is exercised.
const EventTime kOrigin = *parse_iso8601("2024-05-01T13:30:00.250Z");
constexpr int kMinutes = 100;
const std::vector<std::string> kSymbols = {"AAPL", "BRK.B", "TSLA"};

EventTime minute(int m) {
  return EventTime(kOrigin.value() + m * kMillisPerMinute);
}

// Rows with every kind of value the reader must carry: NULL vwap/trade_count/alert value, a
// window written twice (the second write must win in both stores), quotes, backslashes, tabs,
// newlines and non-ASCII text in a message, a '.' in a symbol, the whole-market "*" row.
struct Seed {
  std::vector<Bar> bars;
  std::vector<MarketWindowRow> trends;
  std::vector<SentimentWindowRow> sentiment;
  std::vector<AlertRow> alerts;
  // First versions of some windows, overwritten by `trends` / `sentiment`.
  std::vector<MarketWindowRow> stale_trends;
  std::vector<SentimentWindowRow> stale_sentiment;
  std::vector<MarketWindowRow> edge_trends;
  std::vector<SentimentWindowRow> edge_sentiment;
};

Seed make_seed() {
  Seed s;
  for (size_t i = 0; i < kSymbols.size(); ++i) {
    for (int m = 0; m < kMinutes; ++m) {
      auto row = testing::seed_minute(kSymbols[i], i, kOrigin, m);
      if (m % 17 == 5) row.bar.vwap = std::numeric_limits<double>::quiet_NaN();
      if (m % 13 == 2) row.bar.trade_count = -1;
      row.trend.is_final = m < kMinutes - 5;
      row.sentiment.is_final = m < kMinutes - 5;
      if (m % 11 == 0) {
        row.trend.avg_vwap = std::numeric_limits<double>::quiet_NaN();
        row.trend.vwap_deviation_pct = std::numeric_limits<double>::quiet_NaN();
      }
      if (m >= kMinutes - 8) {
        MarketWindowRow stale = row.trend;
        stale.close += 7.5;
        stale.is_final = false;
        s.stale_trends.push_back(stale);
        SentimentWindowRow stale_s = row.sentiment;
        stale_s.sentiment_score_avg = -0.99;
        stale_s.is_final = false;
        s.stale_sentiment.push_back(stale_s);
      }
      s.bars.push_back(row.bar);
      s.trends.push_back(row.trend);
      s.sentiment.push_back(row.sentiment);
      if (m % 9 == 4) {
        AlertRow a = testing::seed_alert(kSymbols[i], kOrigin, m);
        if (m % 2) a.value = std::numeric_limits<double>::quiet_NaN();
        if (m == 13) a.message = "quote \" backslash \\ tab \t newline \n caf\xC3\xA9 \xE2\x9C\x93";
        s.alerts.push_back(a);
      }
    }
  }
  for (int m = 0; m < kMinutes; ++m) {
    auto market = testing::seed_minute("*", 7, kOrigin, m).sentiment;
    market.is_final = m < kMinutes - 5;
    s.sentiment.push_back(market);
  }
  // The partial windows past the newest minute, as a sliding-window pipeline holds them.
  for (size_t i = 0; i <= kSymbols.size(); ++i) {
    const std::string symbol = i < kSymbols.size() ? kSymbols[i] : "*";
    for (auto& w : testing::seed_edge_windows(symbol, i, kOrigin, kMinutes - 1)) {
      if (symbol != "*") s.edge_trends.push_back(w.trend);
      s.edge_sentiment.push_back(w.sentiment);
    }
  }
  return s;
}

void write_seed(ServingStore& store, const Seed& s) {
  store.write_bars(s.bars);
  store.write_market_windows(s.stale_trends);
  store.write_sentiment_windows(s.stale_sentiment);
  store.write_market_windows(s.trends);
  store.write_sentiment_windows(s.sentiment);
  store.write_market_windows(s.edge_trends);
  store.write_sentiment_windows(s.edge_sentiment);
  store.write_alerts(s.alerts);
  store.flush();
}

void write_analytics(ServingStore& store) {
  std::vector<IndicatorRow> indicators;
  std::vector<FearGreedRow> fear_greed;
  for (int m = 0; m < 30; ++m) {
    IndicatorRow r;
    r.symbol = "AAPL";
    r.ts = minute(m);
    r.close = 100 + 0.25 * m;
    if (m >= 14) r.rsi_14 = 40 + m * 0.5;
    if (m >= 19) r.ema_20 = 101 + m * 0.1;
    indicators.push_back(r);
    for (const char* symbol : {"AAPL", "TSLA", "*"}) {
      FearGreedRow f;
      f.symbol = symbol;
      f.ts = minute(m);
      f.score = 30 + m;
      f.band = m < 10 ? "fear" : "greed";
      f.sentiment = 55.5;
      if (m % 3) f.momentum = 12.25;
      fear_greed.push_back(f);
    }
  }
  store.write_indicators(indicators);
  store.write_fear_greed(fear_greed);
  store.flush();
}

// Every route with the parameters that select different statements: with and without symbol,
// from/to bounds that fall exactly on stored times (inclusive from, exclusive to), a limit that
// truncates, a symbol with no rows, and refused queries.
std::vector<std::string> api_targets() {
  const std::string from = std::to_string(minute(40).value());
  const std::string to = std::to_string(minute(60).value());
  // /api/symbols: activity (mentions summed over FINAL windows, prices, watched TSLA first),
  // paging, prefix, and refused parameters.
  std::vector<std::string> t = {"/api/symbols",
                                "/api/symbols?sort=activity",
                                "/api/symbols?sort=activity&limit=1&offset=1",
                                "/api/symbols?sort=symbol&q=b&limit=500",
                                "/api/symbols?q=NONE",
                                "/api/symbols?offset=9",
                                "/api/symbols?limit=0",
                                "/api/symbols?sort=volume"};
  for (const std::string route : {"/api/sentiment", "/api/trends", "/api/alerts"}) {
    t.push_back(route);
    t.push_back(route + "?limit=7");
    t.push_back(route + "?from=" + from + "&to=" + to);
    t.push_back(route + "?symbol=AAPL");
    t.push_back(route + "?symbol=brk.b&from=" + from);
    t.push_back(route + "?symbol=TSLA&to=" + to + "&limit=5");
    t.push_back(route + "?symbol=NONE");
  }
  t.push_back("/api/sentiment?symbol=*&limit=20");
  for (const std::string route : {"/api/candles", "/api/indicators"}) {
    t.push_back(route);  // 400: symbol required
    t.push_back(route + "?symbol=AAPL");
    t.push_back(route + "?symbol=BRK.B&limit=10");
    t.push_back(route + "?symbol=TSLA&from=" + from + "&to=" + to);
    t.push_back(route + "?symbol=NONE");
  }
  t.push_back("/api/fear-greed");
  t.push_back("/api/fear-greed?symbol=TSLA");
  t.push_back("/api/fear-greed?to=" + to);
  t.push_back("/api/fear-greed?symbol=AAPL&from=" + from + "&to=" + to + "&limit=4");
  return t;
}

// Both readers behind HTTP servers; every target must give the same status and body. Returns
// how many targets answered 200.
int expect_same_answers_of(const std::string& sqlite_path, const std::string& clickhouse_url,
                           const std::vector<std::string>& targets) {
  SqliteServingReader sqlite(sqlite_path);
  ClickHouseServingReader clickhouse(clickhouse_url);
  LiveHub hub;
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.symbols_view.watch_list = {"TSLA", "MSFT"};
  HttpServer sqlite_server(options, sqlite, hub, nullptr);
  HttpServer clickhouse_server(options, clickhouse, hub, nullptr);
  sqlite_server.start();
  clickhouse_server.start();
  int ok = 0;
  for (const std::string& target : targets) {
    const auto a = http_get(sqlite_server.port(), target);
    const auto b = http_get(clickhouse_server.port(), target);
    EXPECT_EQ(a.status, b.status) << target << "\nsqlite:     " << a.body
                                  << "\nclickhouse: " << b.body;
    EXPECT_EQ(a.body, b.body) << target;
    if (a.status == 200) ++ok;
  }
  return ok;
}

class ClickHouseServingReaderTest : public testing::ClickHouseSuite {
 protected:
  void SetUp() override {
    ClickHouseSuite::SetUp();
    if (HasFatalFailure()) return;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    db_ = std::string("sp_serve_") + info->name();
    sqlite_path_ = (dir_->path() / (db_ + ".db")).string();
    sqlite_store_ = open_serving_store("sqlite:" + sqlite_path_);
    ClickHouseOptions o = ClickHouseOptions::from_url(server_->url(db_));
    o.request_timeout_ms = 20000;
    ch_store_ = std::make_unique<ClickHouseServingStore>(o);
  }

  void write_both(const std::function<void(ServingStore&)>& write) {
    write(*sqlite_store_);
    write(*ch_store_);
  }

  void expect_same_answers(const std::vector<std::string>& targets) {
    compared_ok_ += expect_same_answers_of(sqlite_path_, server_->url(db_), targets);
  }

  std::string db_;
  std::string sqlite_path_;
  std::unique_ptr<ServingStore> sqlite_store_;
  std::unique_ptr<ClickHouseServingStore> ch_store_;
  int compared_ok_ = 0;
};

TEST_F(ClickHouseServingReaderTest, EveryRouteAnswersTheSameAsSqlite) {
  const Seed seed = make_seed();
  write_both([&](ServingStore& s) { write_seed(s, seed); });
  const auto targets = api_targets();
  expect_same_answers(targets);
  // Most targets hold rows (not 400s or empty answers compared with each other): all but the
  // two candles/indicators calls without a symbol and the two refused /api/symbols queries.
  EXPECT_GE(compared_ok_, static_cast<int>(targets.size()) - 4);

  // And the common answer is right, checked against the rows written (not against either
  // reader): the second write of a window won, NULLs stayed NULL, the escaped message survived.
  ClickHouseServingReader reader(server_->url(db_));
  LiveHub hub;
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  HttpServer server(options, reader, hub, nullptr);
  server.start();
  simdjson::dom::parser parser;
  // TSLA's last full window (the newer partial windows start after it).
  const MarketWindowRow& last = seed.trends[3 * kMinutes - 1];
  ASSERT_EQ(last.symbol, "TSLA");
  auto reply =
      http_get(server.port(), "/api/trends?symbol=TSLA&limit=1&to=" +
                                  std::to_string(last.window_start.value() + kMillisPerMinute));
  ASSERT_EQ(reply.status, 200) << reply.body;
  simdjson::dom::element doc = parser.parse(reply.body);
  simdjson::dom::element row = doc["rows"].at(0);
  EXPECT_EQ(std::string_view(row["window_start"]), format_iso8601(last.window_start));
  EXPECT_DOUBLE_EQ(double(row["close"]), last.close);
  EXPECT_EQ(bool(row["is_final"]), false);
  EXPECT_TRUE(doc["truncated"].get_bool().value());
  // It is also TSLA's trailing window, the one /api/symbols shows.
  reply = http_get(server.port(), "/api/symbols");
  ASSERT_EQ(reply.status, 200) << reply.body;
  doc = parser.parse(reply.body);
  simdjson::dom::element tsla = doc["symbols"].at(2);
  ASSERT_EQ(std::string_view(tsla["symbol"]), "TSLA");
  EXPECT_EQ(std::string_view(tsla["trend"]["window_start"]), format_iso8601(last.window_start));
  EXPECT_EQ(std::string_view(tsla["trend"]["window_end"]), format_iso8601(last.window_end));
  EXPECT_DOUBLE_EQ(double(tsla["trend"]["close"]), last.close);

  reply = http_get(server.port(), "/api/candles?symbol=AAPL&limit=" + std::to_string(kMinutes));
  doc = parser.parse(reply.body);
  simdjson::dom::array candles = doc["rows"];
  ASSERT_EQ(candles.size(), static_cast<size_t>(kMinutes));
  EXPECT_TRUE(candles.at(5)["vwap"].is_null());
  EXPECT_TRUE(candles.at(2)["trade_count"].is_null());
  EXPECT_EQ(int64_t(candles.at(3)["trade_count"]), seed.bars[3].trade_count);
  EXPECT_EQ(std::string_view(candles.at(0)["ts"]), "2024-05-01T13:30:00.250Z");

  reply = http_get(server.port(), "/api/alerts?symbol=AAPL");
  doc = parser.parse(reply.body);
  bool found = false;
  for (simdjson::dom::element a : simdjson::dom::array(doc["rows"])) {
    if (std::string_view(a["message"]).starts_with("quote")) {
      found = true;
      EXPECT_EQ(std::string_view(a["message"]),
                "quote \" backslash \\ tab \t newline \n caf\xC3\xA9 \xE2\x9C\x93");
      EXPECT_TRUE(a["value"].is_null());
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ClickHouseServingReaderTest, StoredIndicatorsAndFearGreedAnswerTheSame) {
  const Seed seed = make_seed();
  write_both([&](ServingStore& s) {
    write_seed(s, seed);
    write_analytics(s);
  });
  expect_same_answers(api_targets());
  ClickHouseServingReader reader(server_->url(db_));
  auto fg = reader.fear_greed(ApiQuery{});
  ASSERT_TRUE(fg.ok()) << fg.error().message;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(fg.value());
  EXPECT_EQ(std::string_view(doc["source"]), "stored");
  EXPECT_DOUBLE_EQ(double(doc["market"]["score"]), 59);
  EXPECT_EQ(simdjson::dom::array(doc["symbols"]).size(), 2u);
}

// The poller finds the same changes in either store and publishes the same events.
TEST_F(ClickHouseServingReaderTest, StorePollerPublishesTheSameEvents) {
  const Seed seed = make_seed();
  write_both([&](ServingStore& s) { write_seed(s, seed); });
  SqliteServingReader sqlite(sqlite_path_);
  ClickHouseServingReader clickhouse(server_->url(db_));
  LiveHub sqlite_hub, clickhouse_hub;
  auto sqlite_events = sqlite_hub.subscribe();
  auto clickhouse_events = clickhouse_hub.subscribe();
  const std::chrono::hours never(1);  // polls are driven by the test
  StorePoller sqlite_poller(sqlite, sqlite_hub, never);
  StorePoller clickhouse_poller(clickhouse, clickhouse_hub, never);
  sqlite_poller.poll_once();  // learns what is there (if its thread has not yet)
  clickhouse_poller.poll_once();
  EXPECT_EQ(clickhouse_poller.poll_once(), 0) << "nothing changed, nothing published";

  // One window updated in place, one new sentiment window, one new alert.
  MarketWindowRow trend = seed.trends[kMinutes - 1];
  trend.close += 1.5;
  trend.is_final = true;
  SentimentWindowRow fresh = testing::seed_minute("AAPL", 0, kOrigin, kMinutes).sentiment;
  AlertRow alert = testing::seed_alert("TSLA", kOrigin, kMinutes + 3);
  write_both([&](ServingStore& s) {
    s.write_market_windows(std::span(&trend, 1));
    s.write_sentiment_windows(std::span(&fresh, 1));
    s.write_alerts(std::span(&alert, 1));
    s.flush();
  });
  EXPECT_EQ(sqlite_poller.poll_once(), 3);
  EXPECT_EQ(clickhouse_poller.poll_once(), 3);
  std::string a, b;
  ASSERT_TRUE(sqlite_events->take(a));
  ASSERT_TRUE(clickhouse_events->take(b));
  EXPECT_EQ(a, b);
  EXPECT_NE(b.find("event: trend"), std::string::npos) << b;
  EXPECT_NE(b.find("event: sentiment"), std::string::npos) << b;
  EXPECT_NE(b.find("event: alert"), std::string::npos) << b;
  EXPECT_EQ(clickhouse_poller.poll_once(), 0);
}

TEST_F(ClickHouseServingReaderTest, CredentialsComeFromTheEnvironment) {
  ::setenv("CLICKHOUSE_USER", "nobody_here", 1);
  ::setenv("CLICKHOUSE_PASSWORD", "wrong", 1);
  try {
    ClickHouseServingReader reader(server_->url(db_));
    ADD_FAILURE() << "an unknown user was let in";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(server_->url(db_)), std::string::npos) << message;
    EXPECT_EQ(message.find("wrong"), std::string::npos) << "password in message: " << message;
  }
  ::setenv("CLICKHOUSE_USER", "default", 1);
  ::setenv("CLICKHOUSE_PASSWORD", "", 1);
  EXPECT_NO_THROW(ClickHouseServingReader reader(server_->url(db_)));
  ::unsetenv("CLICKHOUSE_USER");
  ::unsetenv("CLICKHOUSE_PASSWORD");
}

TEST_F(ClickHouseServingReaderTest, StartUpErrorsAndOutagesAreReported) {
  // Not a serving store (no tables) and no server at all: start-up errors naming the URL.
  EXPECT_THROW(ClickHouseServingReader(server_->url("no_such_db")), std::runtime_error);
  const std::string nowhere =
      "clickhouse://127.0.0.1:" + std::to_string(testing::free_port()) + "/x";
  EXPECT_THROW(open_serving_reader(nowhere), std::runtime_error);
  // The same URL scheme picks ClickHouse through open_serving_reader.
  auto reader = open_serving_reader(server_->url(db_));
  ASSERT_TRUE(reader->schema_version().ok());
  // The server goes away mid-run: 503 (retry later), and back again.
  server_->stop(SIGKILL);
  auto down = reader->symbols();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, ReadErrorCode::kUnavailable) << down.error().message;
  ASSERT_FALSE(server_->start().has_value());
  EXPECT_TRUE(reader->symbols().ok());
}

// A server whose time zone is not UTC reads the store's DateTime text in its own zone (the store
// writes TabSeparated there, see ClickHouseServingStore): every answer, the trailing windows of
// /api/symbols included, must still equal SQLite's.
TEST(ClickHouseServingReaderTimeZoneTest, ServerOutsideUtcAnswersAsSqlite) {
  testing::TempDir dir;
  testing::ClickHouseServer berlin(dir.path() / "clickhouse", "Europe/Berlin");
  const auto error = berlin.start();
  ASSERT_FALSE(error.has_value()) << "cannot start clickhouse-server: " << *error;
  const std::string sqlite_path = (dir.path() / "berlin.db").string();
  const Seed seed = make_seed();
  {
    auto sqlite = open_serving_store("sqlite:" + sqlite_path);
    write_seed(*sqlite, seed);
    ClickHouseServingStore clickhouse(ClickHouseOptions::from_url(berlin.url("sp_berlin")));
    ASSERT_EQ(clickhouse.insert_format(), ClickHouseInsertFormat::kTabSeparated);
    write_seed(clickhouse, seed);
  }
  const auto targets = api_targets();
  const int ok = expect_same_answers_of(sqlite_path, berlin.url("sp_berlin"), targets);
  EXPECT_GE(ok, static_cast<int>(targets.size()) - 4);
}

}  // namespace
}  // namespace stockpulse
