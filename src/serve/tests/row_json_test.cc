#include "serve/row_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>

#include "common/time_format.h"

namespace stockpulse {
namespace {

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& text) {
  return parser.parse(text);
}

TEST(RowJson, SentimentWindowHasEveryColumn) {
  SentimentWindowRow row;
  row.symbol = "NVDA";
  row.window_start = *parse_iso8601("2024-05-01T14:30:00Z");
  row.window_end = *parse_iso8601("2024-05-01T14:35:00Z");
  row.tweet_count = 12;
  row.sentiment_score_avg = 0.25;
  row.sentiment_score_min = -0.5;
  row.sentiment_score_max = 0.9;
  row.sentiment_score_stddev = 0.1;
  row.bullish_count = 7;
  row.bearish_count = 2;
  row.neutral_count = 3;
  row.bullish_share = 7.0 / 12;
  row.histogram[3] = 2;
  row.histogram[19] = 10;
  row.is_final = true;
  std::string out;
  append_json(row, out);
  simdjson::dom::parser p;
  auto doc = parse(p, out);
  EXPECT_EQ(std::string_view(doc["symbol"]), "NVDA");
  EXPECT_EQ(std::string_view(doc["window_start"]), "2024-05-01T14:30:00.000Z");
  EXPECT_EQ(std::string_view(doc["window_end"]), "2024-05-01T14:35:00.000Z");
  EXPECT_EQ(int64_t(doc["tweet_count"]), 12);
  EXPECT_DOUBLE_EQ(double(doc["sentiment_score_avg"]), 0.25);
  EXPECT_DOUBLE_EQ(double(doc["bullish_share"]), 7.0 / 12);  // round-trips exactly
  EXPECT_EQ(int64_t(doc["bearish_count"]), 2);
  simdjson::dom::array hist = doc["histogram"];
  EXPECT_EQ(hist.size(), 20u);
  EXPECT_EQ(int64_t(hist.at(19)), 10);
  EXPECT_EQ(bool(doc["is_final"]), true);
}

TEST(RowJson, MarketWindowNaNBecomesNull) {
  MarketWindowRow row;
  row.symbol = "AAPL";
  row.close = 189.5;
  row.trend_signal = TrendSignal::kBullish;
  std::string out;
  append_json(row, out);
  simdjson::dom::parser p;
  auto doc = parse(p, out);
  EXPECT_TRUE(doc["avg_vwap"].is_null());
  EXPECT_TRUE(doc["vwap_deviation_pct"].is_null());
  EXPECT_DOUBLE_EQ(double(doc["close"]), 189.5);
  EXPECT_EQ(std::string_view(doc["trend_signal"]), "BULLISH");
  for (const char* column :
       {"bar_count", "open", "high", "low", "total_volume", "avg_close", "max_close", "min_close",
        "volatility", "avg_volume", "buy_pressure", "avg_pct_change", "price_range", "is_final"}) {
    EXPECT_FALSE(doc[column].error()) << column;
  }
}

TEST(RowJson, AlertEscapesText) {
  AlertRow row;
  row.symbol = "TSLA";
  row.ts = EventTime(0);
  row.kind = "sentiment_spike";
  row.message = "quote \" backslash \\ newline \n tab \t bell \x07 bad \xff utf8 é";
  row.value = std::nan("");
  std::string out;
  append_json(row, out);
  simdjson::dom::parser p;
  auto doc = parse(p, out);
  EXPECT_EQ(std::string_view(doc["message"]),
            "quote \" backslash \\ newline \n tab \t bell \x07 bad \xEF\xBF\xBD utf8 é");
  EXPECT_TRUE(doc["value"].is_null());
  EXPECT_EQ(std::string_view(doc["ts"]), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace stockpulse
