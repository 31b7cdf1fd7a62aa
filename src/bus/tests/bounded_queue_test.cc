#include "bus/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace stockpulse {
namespace {

TEST(BoundedQueue, FifoAndCloseDrains) {
  BoundedQueue<int> q(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.push(i));
  q.close();
  EXPECT_FALSE(q.push(99));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(q.pop(), i);
  EXPECT_EQ(q.pop(), std::nullopt);
  EXPECT_TRUE(q.closed_and_empty());
}

TEST(BoundedQueue, ProducerBlocksWhenFull) {
  BoundedQueue<int> q(2);
  ASSERT_TRUE(q.push(1));
  ASSERT_TRUE(q.push(2));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    q.push(3);
    pushed = true;
  });
  // The producer cannot finish until a slot frees up; give it ample time to (wrongly) do so.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop(), 1);
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.high_water_mark(), 2u);
}

TEST(BoundedQueue, ManyProducersManyConsumersLoseNothing) {
  BoundedQueue<std::vector<int>> q(3);
  constexpr int kProducers = 4, kBatches = 500, kBatch = 16;
  std::atomic<long long> sum{0};
  std::atomic<int> count{0};
  std::vector<std::thread> consumers;
  for (int c = 0; c < 3; ++c) {
    consumers.emplace_back([&] {
      while (auto batch = q.pop()) {
        for (int v : *batch) {
          sum += v;
          ++count;
        }
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<int> batch;
        for (int i = 0; i < kBatch; ++i) batch.push_back(p * 1000000 + b * kBatch + i);
        ASSERT_TRUE(q.push(batch));
      }
    });
  }
  for (auto& t : producers) t.join();
  q.close();
  for (auto& t : consumers) t.join();
  long long expected = 0;
  for (int p = 0; p < kProducers; ++p)
    for (int i = 0; i < kBatches * kBatch; ++i) expected += p * 1000000LL + i;
  EXPECT_EQ(count.load(), kProducers * kBatches * kBatch);
  EXPECT_EQ(sum.load(), expected);
  EXPECT_LE(q.high_water_mark(), 3u);
}

TEST(BoundedQueue, PopForTimesOut) {
  BoundedQueue<int> q(1);
  EXPECT_EQ(q.pop_for(std::chrono::milliseconds(5)), std::nullopt);
  EXPECT_FALSE(q.closed_and_empty());
}

}  // namespace
}  // namespace stockpulse
