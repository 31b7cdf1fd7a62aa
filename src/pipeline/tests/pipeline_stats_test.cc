#include "pipeline/pipeline_stats.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>

namespace stockpulse {
namespace {

using namespace std::chrono_literals;

TEST(StatsTicker, AnswersOnceAnIntervalWithTheRatesSinceTheLastAnswer) {
  PipelineMetrics m;
  const StatsTicker::Clock::time_point t0{};
  StatsTicker ticker(m, t0);
  m.posts_scored.store(500);
  m.bars_decoded.store(10);
  EXPECT_FALSE(ticker.tick(t0 + 999ms)) << "not a second yet";
  auto r = ticker.tick(t0 + 2000ms);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->posts_per_s, 250);  // 500 posts over 2 s
  EXPECT_DOUBLE_EQ(r->bars_per_s, 5);
  m.posts_scored.store(800);
  EXPECT_FALSE(ticker.tick(t0 + 2500ms));
  r = ticker.tick(t0 + 3000ms);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->posts_per_s, 300);  // 300 more over the last second
  EXPECT_DOUBLE_EQ(r->bars_per_s, 0);
}

TEST(StatsJson, HoldsEveryCounterTheHealthPanelShows) {
  PipelineMetrics m;
  m.posts_scored.store(1234);
  m.bars_decoded.store(56);
  m.count_dead(DeadLetterReason::kLate);
  m.count_dead(DeadLetterReason::kMalformedJson);
  simdjson::dom::parser parser;
  // Before the first watermark the lag is null; without queues there is no queue_depth.
  std::string json = stats_json(m, StatsRates{99.94, 1}, 1'000'000, std::nullopt);
  simdjson::dom::element doc = parser.parse(json);
  EXPECT_DOUBLE_EQ(double(doc["posts_per_second"]), 99.9);
  EXPECT_EQ(int64_t(doc["posts_total"]), 1234);
  EXPECT_EQ(int64_t(doc["bars_total"]), 56);
  EXPECT_EQ(int64_t(doc["late_total"]), 1);
  EXPECT_EQ(int64_t(doc["dead_letters_total"]), 2);
  EXPECT_TRUE(doc["watermark_lag_ms"].is_null());
  EXPECT_TRUE(doc["queue_depth"].error()) << json;

  m.watermark_ms.store(400'000);
  json = stats_json(m, StatsRates{}, 1'000'000, size_t{7});
  doc = parser.parse(json);
  EXPECT_EQ(int64_t(doc["watermark_lag_ms"]), 600'000);
  EXPECT_EQ(int64_t(doc["queue_depth"]), 7);
}

}  // namespace
}  // namespace stockpulse
