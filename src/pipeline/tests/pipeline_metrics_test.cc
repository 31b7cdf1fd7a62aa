#include "pipeline/pipeline_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "pipeline/pipeline_metrics_source.h"

namespace stockpulse {
namespace {

constexpr int64_t kNow = 1'764'800'000'000;  // a wall clock reading (ms)

TEST(PipelineMetrics, NoWatermarkNoLag) {
  PipelineMetrics m;
  EXPECT_EQ(m.watermark_lag_ms(kNow), INT64_MIN);
}

TEST(PipelineMetrics, LagIsTheWallClockMinusTheWatermark) {
  PipelineMetrics m;
  m.watermark_ms.store(kNow - 600'000);
  EXPECT_EQ(m.watermark_lag_ms(kNow), 600'000);
  EXPECT_EQ(m.watermark_lag_ms(kNow + 5'000), 605'000);
}

// Synthetic sources start their event time at the wall clock and run it `speed` times faster:
// 30 wall seconds after the start, their clock reads 30 minutes later at speed 60, and a
// watermark 10 minutes behind that lags by 10 minutes, not by minus 20.
TEST(PipelineMetrics, SyntheticSourcesLagAgainstTheirFasterClock) {
  PipelineMetrics m;
  m.set_event_clock(kNow, kNow, 60);
  const int64_t wall = kNow + 30'000;
  const int64_t source_now = kNow + 30 * 60'000;
  m.watermark_ms.store(source_now - 600'000);
  EXPECT_EQ(m.watermark_lag_ms(wall), 600'000);
}

// A replay of 2022 data paced at 10x (no rebasing): its clock starts at the first record's time
// and runs ten times faster; the lag is against that clock, not against 2026's wall clock.
TEST(PipelineMetrics, PacedReplayLagsAgainstItsReplayClock) {
  PipelineMetrics m;
  const int64_t first_record = 1'650'000'000'000;  // April 2022
  m.set_event_clock(kNow, first_record, 10);
  m.watermark_ms.store(first_record + 20 * 60'000 - 600'000);  // 20 min of data, 10 min lateness
  EXPECT_EQ(m.watermark_lag_ms(kNow + 120'000), 600'000);      // 2 wall minutes = 20 replayed
}

TEST(PipelineMetricsSource, PrometheusLagUsesTheSourcesClock) {
  PipelineMetrics m;
  std::string out;
  PipelineMetricsSource(m, nullptr).write_prometheus(out);
  EXPECT_EQ(out.find("stockpulse_watermark_lag_seconds"), std::string::npos)
      << "no watermark yet, no gauge";
  // Synthetic sources started 10 s ago at speed 3: their clock is 20 s ahead of the wall
  // clock. A watermark 5 s behind their clock lags by 5 s (wall clock minus watermark: -15 s).
  const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  m.set_event_clock(wall - 10'000, wall - 10'000, 3);
  m.watermark_ms.store(wall + 20'000 - 5'000);
  out.clear();
  PipelineMetricsSource(m, nullptr).write_prometheus(out);
  const std::string gauge = "stockpulse_watermark_lag_seconds ";
  const size_t at = out.find("\n" + gauge);
  ASSERT_NE(at, std::string::npos) << out;
  const double seconds = std::stod(out.substr(at + 1 + gauge.size()));
  // Each millisecond between the two clock readings is 3 ms of source time: up to 1 s of stall
  // keeps it within 3 s of 5 s.
  EXPECT_NEAR(seconds, 5.0, 3.0);
}

}  // namespace
}  // namespace stockpulse
