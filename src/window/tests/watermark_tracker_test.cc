#include "window/watermark_tracker.h"

#include <gtest/gtest.h>

namespace stockpulse {
namespace {

ProcessingTime at(int64_t ms) {
  return ProcessingTime(ms);
}

TEST(WatermarkTracker, NoWatermarkBeforeFirstEvent) {
  WatermarkTracker t(1000, 5000);
  EXPECT_FALSE(t.watermark(at(0)).has_value());
}

TEST(WatermarkTracker, MaxEventTimeMinusLateness) {
  WatermarkTracker t(1000, 5000);
  t.observe(PartitionId(0), EventTime(10000), at(0));
  t.observe(PartitionId(0), EventTime(4000), at(1));  // out of order: no effect
  EXPECT_EQ(t.watermark(at(1)), EventTime(9000));
}

TEST(WatermarkTracker, MinimumOverActivePartitions) {
  WatermarkTracker t(0, 5000);
  t.observe(PartitionId(0), EventTime(10000), at(0));
  t.observe(PartitionId(1), EventTime(7000), at(0));
  EXPECT_EQ(t.watermark(at(0)), EventTime(7000));
  EXPECT_EQ(t.active_partitions(at(0)), 2u);
}

TEST(WatermarkTracker, IdlePartitionStopsHoldingBack) {
  WatermarkTracker t(0, 5000);
  t.observe(PartitionId(0), EventTime(10000), at(0));
  t.observe(PartitionId(1), EventTime(7000), at(0));
  t.observe(PartitionId(0), EventTime(11000), at(3000));
  EXPECT_EQ(t.watermark(at(4999)), EventTime(7000));
  EXPECT_EQ(t.watermark(at(5000)), EventTime(11000));  // partition 1 idle for 5000 ms
  EXPECT_EQ(t.active_partitions(at(5000)), 1u);
}

TEST(WatermarkTracker, FinishedPartitionStopsHoldingBack) {
  WatermarkTracker t(0, 0);  // idle timeout disabled
  t.observe(PartitionId(0), EventTime(10000), at(0));
  t.observe(PartitionId(1), EventTime(7000), at(0));
  EXPECT_EQ(t.watermark(at(1000000)), EventTime(7000));
  t.end_of_input(PartitionId(1));
  EXPECT_EQ(t.watermark(at(1000000)), EventTime(10000));
}

TEST(WatermarkTracker, NeverGoesBackwards) {
  WatermarkTracker t(0, 5000);
  t.observe(PartitionId(0), EventTime(10000), at(0));
  EXPECT_EQ(t.watermark(at(0)), EventTime(10000));
  t.observe(PartitionId(1), EventTime(2000), at(1));  // a new partition far behind
  EXPECT_EQ(t.watermark(at(1)), EventTime(10000));
}

TEST(WatermarkTracker, ProcessingClockGoingBackwardsKeepsPartitionsActive) {
  WatermarkTracker t(0, 5000);
  t.observe(PartitionId(0), EventTime(10000), at(100000));
  t.observe(PartitionId(1), EventTime(7000), at(100000));
  EXPECT_EQ(t.watermark(at(50000)), EventTime(7000));
}

TEST(WatermarkTracker, SaturatesInsteadOfOverflowing) {
  WatermarkTracker t(1000, 5000);
  t.observe(PartitionId(0), EventTime(std::numeric_limits<int64_t>::min() + 5), at(0));
  EXPECT_EQ(t.watermark(at(0)), EventTime(std::numeric_limits<int64_t>::min()));
}

}  // namespace
}  // namespace stockpulse
