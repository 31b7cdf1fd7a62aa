// The result fan-out beside the stores: every window row and alert to the live stream (`run`),
// only final window rows and every alert to the result topics (`process`), keyed by symbol, in
// the batch's order, and stopping at the first destination that refuses one.

#include "pipeline/result_fanout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sink/tests/sink_test_data.h"

namespace stockpulse {
namespace {

using testing::make_market_window;
using testing::make_sentiment_window;

constexpr int64_t kT0 = 1714573800000;

struct Sent {
  ResultChannel channel;
  std::string key;
  std::string json;
};

SinkBatch batch() {
  SinkBatch b;
  b.sentiment_windows.push_back(make_sentiment_window("AAPL", kT0, kT0 + 60000, 3, 0.2));
  b.sentiment_windows.back().is_final = false;
  b.sentiment_windows.push_back(make_sentiment_window("*", kT0, kT0 + 60000, 5, 0.1));
  b.market_windows.push_back(make_market_window("MSFT", kT0, kT0 + 60000, 410, TrendSignal{}));
  b.market_windows.push_back(make_market_window("NVDA", kT0, kT0 + 60000, 900, TrendSignal{}));
  b.market_windows.back().is_final = false;
  AlertRow a;
  a.symbol = "TSLA";
  a.ts = EventTime(kT0);
  a.kind = "sentiment_spike";
  a.message = "spike";
  b.alerts.push_back(a);
  return b;
}

std::vector<Sent> fan_out(const SinkBatch& b, WindowRows rows, size_t accept = SIZE_MAX) {
  std::vector<Sent> out;
  fan_out_results(b, rows, [&](ResultChannel c, std::string_view key, std::string& json) {
    if (out.size() == accept) return false;
    out.push_back({c, std::string(key), json});
    return true;
  });
  return out;
}

TEST(ResultFanout, TheLiveStreamGetsEveryWindowRowAndAlert) {
  const auto sent = fan_out(batch(), WindowRows::kAll);
  ASSERT_EQ(sent.size(), 5u);
  const std::vector<std::pair<ResultChannel, std::string>> expected = {
      {ResultChannel::kSentiment, "AAPL"},
      {ResultChannel::kSentiment, "*"},
      {ResultChannel::kTrend, "MSFT"},
      {ResultChannel::kTrend, "NVDA"},
      {ResultChannel::kAlert, "TSLA"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(sent[i].channel, expected[i].first) << i;
    EXPECT_EQ(sent[i].key, expected[i].second) << i;
  }
  // The JSON is the row's own encoding (serve/row_json.h), update or final as the row says.
  std::string json;
  append_json(batch().sentiment_windows[0], json);
  EXPECT_EQ(sent[0].json, json);
  EXPECT_NE(sent[0].json.find("\"is_final\":false"), std::string::npos) << sent[0].json;
  EXPECT_NE(sent[4].json.find("sentiment_spike"), std::string::npos) << sent[4].json;
  EXPECT_STREQ(live_event_name(sent[0].channel), "sentiment");
  EXPECT_STREQ(live_event_name(sent[2].channel), "trend");
  EXPECT_STREQ(live_event_name(sent[4].channel), "alert");
}

TEST(ResultFanout, TheResultTopicsGetOnlyFinalWindowRowsAndEveryAlert) {
  const auto sent = fan_out(batch(), WindowRows::kFinalOnly);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].key, "*");
  EXPECT_EQ(sent[1].key, "MSFT");
  EXPECT_EQ(sent[2].key, "TSLA");
  EXPECT_EQ(sent[2].channel, ResultChannel::kAlert);
  for (const Sent& s : sent) {
    EXPECT_EQ(s.json.find("\"is_final\":false"), std::string::npos) << s.json;
  }
}

TEST(ResultFanout, StopsAtTheFirstRefusal) {
  std::vector<Sent> sent;
  const bool ok = fan_out_results(batch(), WindowRows::kAll,
                                  [&](ResultChannel c, std::string_view key, std::string& json) {
                                    sent.push_back({c, std::string(key), json});
                                    return sent.size() < 2;
                                  });
  EXPECT_FALSE(ok);
  EXPECT_EQ(sent.size(), 2u) << "rows were sent after a refusal";
  EXPECT_TRUE(fan_out_results(SinkBatch{}, WindowRows::kAll,
                              [](ResultChannel, std::string_view, std::string&) { return false; }))
      << "an empty batch sends nothing and succeeds";
}

}  // namespace
}  // namespace stockpulse
