#include "window/watermark_tracker.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <string_view>

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

TEST(WatermarkTracker, LateIsDecidedByTheRecordsBeforeInTheSamePartition) {
  WatermarkTracker t(1000, 5000);
  EXPECT_FALSE(t.is_late(PartitionId(0), EventTime(5000)));  // nothing seen yet
  t.observe(PartitionId(0), EventTime(5000), at(0));
  t.observe(PartitionId(1), EventTime(1000), at(0));
  EXPECT_EQ(t.watermark(at(0)), EventTime(0));
  EXPECT_TRUE(t.is_late(PartitionId(0), EventTime(3999)));  // behind 5000 - 1000
  EXPECT_FALSE(t.is_late(PartitionId(0), EventTime(4000)));
  EXPECT_FALSE(t.is_late(PartitionId(1), EventTime(0)));  // partition 1's own watermark is 0
  EXPECT_TRUE(t.is_late(PartitionId(1), EventTime(-1)));
  // A partition never seen is judged by the watermark already handed out.
  EXPECT_TRUE(t.is_late(PartitionId(2), EventTime(-1)));
  EXPECT_FALSE(t.is_late(PartitionId(2), EventTime(0)));
}

TEST(WatermarkTracker, CheckpointRestoresWhatDecidesLateness) {
  WatermarkTracker t(1000, 5000);
  t.observe(PartitionId(0), EventTime(9000), at(0));
  t.observe(PartitionId(3), EventTime(4000), at(0));
  t.end_of_input(PartitionId(3));
  ASSERT_EQ(t.watermark(at(0)), EventTime(8000));
  std::string bytes;
  t.save(bytes);

  WatermarkTracker r(1000, 5000);
  ASSERT_TRUE(r.restore(bytes, at(100)));
  EXPECT_EQ(r.watermark(at(100)), EventTime(8000));
  for (int64_t time : {2999, 3000, 7999, 8000}) {
    for (int32_t p : {0, 3, 7}) {
      EXPECT_EQ(r.is_late(PartitionId(p), EventTime(time)),
                t.is_late(PartitionId(p), EventTime(time)))
          << p << " " << time;
    }
  }
  EXPECT_EQ(r.active_partitions(at(100)), 1u);  // partition 3 stays finished

  WatermarkTracker other_lateness(2000, 5000);
  EXPECT_FALSE(other_lateness.restore(bytes, at(0)));
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(r.restore(std::string_view(bytes).substr(0, cut), at(0))) << cut;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    EXPECT_FALSE(r.restore(bad, at(0))) << i;
  }
  EXPECT_EQ(r.watermark(at(100)), EventTime(8000));  // failed restores changed nothing
}

}  // namespace
}  // namespace stockpulse
