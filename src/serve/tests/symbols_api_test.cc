// /api/symbols on a store with many symbols: paging, the activity order, prefix search, the
// watch-list and the refusal of bad parameters, through a real server on 127.0.0.1.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "serve/http_server.h"
#include "serve/live_hub.h"
#include "serve/sqlite_serving_reader.h"
#include "serve/tests/seed_data.h"
#include "serve/tests/test_support.h"
#include "sink/serving_store.h"

namespace stockpulse {
namespace {

using testing::http_get;

const EventTime kNewest = *parse_iso8601("2024-05-10T15:00:00Z");
constexpr int kSymbolCount = 700;

// What the test expects of one symbol, computed while seeding (not read back from the API).
struct Expected {
  int64_t mentions = 0;  // tweet_count of windows within the last 7 days of the store
  bool has_prices = false;
};

std::string symbol_name(int i) {
  // Names that do not sort like their index: S0007, S0699, ... plus a few real-looking ones.
  return fmt::format("S{:04}", (i * 389) % kSymbolCount);
}

SentimentWindowRow window(const std::string& symbol, EventTime start, int64_t count) {
  SentimentWindowRow s;
  s.symbol = symbol;
  s.window_start = start;
  s.window_end = EventTime(start.value() + 5 * kMillisPerMinute);
  s.tweet_count = count;
  s.bullish_count = count / 2;
  s.neutral_count = count - count / 2;
  s.sentiment_score_avg = 0.1;
  s.bullish_share = 0.5;
  s.is_final = true;
  return s;
}

class SymbolsApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const std::string path = (dir_->path() / "many.db").string();
    auto store = open_serving_store("sqlite:" + path);
    std::vector<SentimentWindowRow> sentiment;
    std::vector<Bar> bars;
    expected_ = new std::map<std::string, Expected>();
    for (int i = 0; i < kSymbolCount; ++i) {
      const std::string symbol = symbol_name(i);
      Expected& e = (*expected_)[symbol];
      // Recent windows: 0..3 of them, i % 7 posts each (some symbols with none at all recently).
      for (int w = 0; w < i % 4; ++w) {
        const int64_t count = (i * 13) % 7;
        if (count == 0) continue;
        sentiment.push_back(
            window(symbol, EventTime(kNewest.value() - w * kMillisPerMinute * 60), count));
        e.mentions += count;
      }
      // An old burst (8 days before the newest window): beyond the 7-day activity window.
      if (i % 5 == 0) {
        sentiment.push_back(
            window(symbol, EventTime(kNewest.value() - 8LL * 24 * 3600 * 1000), 1000 + i));
      }
      if (i % 97 == 3) {
        e.has_prices = true;
        auto row = testing::seed_minute(symbol, static_cast<size_t>(i), kNewest, 0);
        bars.push_back(row.bar);
      }
      // A symbol with no row at all is not in the store, so not in the API.
      const bool stored =
          e.has_prices || i % 5 == 0 ||
          std::any_of(sentiment.begin(), sentiment.end(),
                      [&](const SentimentWindowRow& r) { return r.symbol == symbol; });
      if (!stored) expected_->erase(symbol);
    }
    symbol_count_ = static_cast<int64_t>(expected_->size());
    // The whole-market row whose newest start anchors the activity window.
    sentiment.push_back(window("*", kNewest, 50));
    store->write_sentiment_windows(sentiment);
    store->write_bars(bars);
    store->flush();
    reader_ = new SqliteServingReader(path);
  }
  static void TearDownTestSuite() {
    delete reader_;
    delete expected_;
    delete dir_;
  }

  void start(std::vector<std::string> watch_list = {}) {
    HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.symbols_view.watch_list = std::move(watch_list);
    server_ = std::make_unique<HttpServer>(options, *reader_, hub_, nullptr);
    server_->start();
    ASSERT_GT(server_->port(), 0);
  }

  // The symbols of one page, checking each entry's mentions and has_prices on the way.
  std::vector<std::string> page(const std::string& target, int64_t* total = nullptr) {
    const auto reply = http_get(server_->port(), target);
    EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
    simdjson::dom::element doc = parser_.parse(reply.body).value();
    if (total) *total = int64_t(doc["total"]);
    std::vector<std::string> out;
    for (simdjson::dom::element s : simdjson::dom::array(doc["symbols"])) {
      const std::string symbol{std::string_view(s["symbol"])};
      const Expected& e = expected_->at(symbol);
      EXPECT_EQ(int64_t(s["mentions"]), e.mentions) << symbol;
      EXPECT_EQ(bool(s["has_prices"]), e.has_prices) << symbol;
      EXPECT_EQ(s["last_bar"].is_null(), !e.has_prices) << symbol;
      out.push_back(symbol);
    }
    return out;
  }

  int status(const std::string& target) { return http_get(server_->port(), target).status; }

  static inline testing::TempDir* dir_ = nullptr;
  static inline std::map<std::string, Expected>* expected_ = nullptr;
  static inline SqliteServingReader* reader_ = nullptr;
  static inline int64_t symbol_count_ = 0;  // symbols with at least one row
  LiveHub hub_;
  std::unique_ptr<HttpServer> server_;
  simdjson::dom::parser parser_;
};

TEST_F(SymbolsApiTest, DefaultIsABoundedPageInSymbolOrder) {
  start();
  int64_t total = 0;
  const auto names = page("/api/symbols", &total);
  EXPECT_EQ(total, symbol_count_);
  ASSERT_EQ(names.size(), 50u);
  std::vector<std::string> all;
  for (const auto& [symbol, e] : *expected_) all.push_back(symbol);
  EXPECT_EQ(names, std::vector<std::string>(all.begin(), all.begin() + 50));
}

TEST_F(SymbolsApiTest, ActivityOrderWatchedFirstThenMentionsThenPrices) {
  start({"S0500", "S0001", "NOPE"});
  // The order computed here from the seed: watched, mentions descending, priced, symbol.
  std::vector<std::tuple<bool, int64_t, bool, std::string>> keys;
  for (const auto& [symbol, e] : *expected_) {
    const bool watched = symbol == "S0500" || symbol == "S0001";
    keys.emplace_back(!watched, -e.mentions, !e.has_prices, symbol);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> want;
  for (const auto& k : keys) want.push_back(std::get<3>(k));

  // Paged through with offset: every symbol once, in that order.
  std::vector<std::string> got;
  for (int offset = 0; offset < symbol_count_; offset += 300) {
    int64_t total = 0;
    auto names =
        page("/api/symbols?sort=activity&limit=300&offset=" + std::to_string(offset), &total);
    EXPECT_EQ(total, symbol_count_);
    got.insert(got.end(), names.begin(), names.end());
  }
  EXPECT_EQ(got, want);
  const auto reply = http_get(server_->port(), "/api/symbols?sort=activity&limit=3");
  simdjson::dom::element doc = parser_.parse(reply.body).value();
  EXPECT_TRUE(bool(doc["symbols"].at(0)["watched"]));
  EXPECT_TRUE(bool(doc["symbols"].at(1)["watched"]));
  EXPECT_FALSE(bool(doc["symbols"].at(2)["watched"]));
  EXPECT_EQ(simdjson::dom::array(doc["watch_list"]).size(), 3u);
  EXPECT_EQ(int64_t(doc["badges"]), SymbolsView::kDefaultBadges);
  EXPECT_EQ(std::string_view(doc["sort"]), "activity");
}

TEST_F(SymbolsApiTest, OldPostsDoNotCountAsActivity) {
  start();
  // S0000 (i = 0) has only an old burst of 1000 posts: it must not rank first.
  const auto top = page("/api/symbols?sort=activity&limit=1");
  ASSERT_EQ(top.size(), 1u);
  EXPECT_NE(top[0], "S0000");
  EXPECT_EQ(expected_->at("S0000").mentions, 0);
}

TEST_F(SymbolsApiTest, PrefixSearchAndOffsetPastTheEnd) {
  start();
  int64_t total = 0;
  const auto names = page("/api/symbols?q=s06&limit=500", &total);
  int64_t want = 0;
  for (const auto& [symbol, e] : *expected_) want += symbol.starts_with("S06");
  EXPECT_EQ(total, want);
  EXPECT_EQ(static_cast<int64_t>(names.size()), want);
  for (const auto& s : names) EXPECT_TRUE(s.starts_with("S06")) << s;
  EXPECT_TRUE(page("/api/symbols?q=ZZZ", &total).empty());
  EXPECT_EQ(total, 0);
  EXPECT_TRUE(page("/api/symbols?offset=1000", &total).empty());
  EXPECT_EQ(total, symbol_count_);
  EXPECT_EQ(page("/api/symbols?limit=500").size(), 500u);
}

TEST_F(SymbolsApiTest, BadParametersAre400) {
  start();
  for (const std::string bad : {"limit=0",
                                "limit=501",
                                "limit=-1",
                                "limit=abc",
                                "limit=",
                                "limit=1e3",
                                "limit=99999999999999999999",
                                "offset=-1",
                                "offset=1000001",
                                "offset=x",
                                "sort=volume",
                                "sort=",
                                "q=%00",
                                "q=a%20b",
                                "q=*",
                                "q=ABCDEFGHIJKLMNOPQ",
                                "limit=5&limit=6",
                                "symbol=AAPL",
                                "from=2024-05-01",
                                "nope=1",
                                "q=%zz"}) {
    const auto reply = http_get(server_->port(), "/api/symbols?" + bad);
    EXPECT_EQ(reply.status, 400) << bad << ": " << reply.body;
    EXPECT_NE(reply.body.find("\"error\""), std::string::npos) << bad;
  }
  // The other routes still refuse the symbols-only parameters.
  EXPECT_EQ(status("/api/sentiment?sort=activity"), 400);
  EXPECT_EQ(status("/api/alerts?offset=3"), 400);
}

}  // namespace
}  // namespace stockpulse
