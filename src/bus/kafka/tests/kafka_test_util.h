#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/kafka_producer.h"
#include "bus/kafka/mock_cluster.h"

namespace stockpulse::testing {

// Starts a mock cluster or fails the test with librdkafka's reason: a Kafka test never skips.
inline std::unique_ptr<MockKafkaCluster> start_cluster(int brokers = 3) {
  auto mc = MockKafkaCluster::start(brokers);
  EXPECT_TRUE(mc.ok()) << "cannot start librdkafka's mock cluster: " << (mc.ok() ? "" : mc.error());
  if (!mc.ok()) return nullptr;
  return std::move(mc).value();
}

inline std::unique_ptr<KafkaProducer> make_producer(const std::string& brokers,
                                                    KafkaProperties props = {}) {
  KafkaProducerOptions o;
  o.connection.brokers = brokers;
  o.connection.properties = std::move(props);
  auto p = KafkaProducer::create(std::move(o));
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error());
  if (!p.ok()) return nullptr;
  return std::move(p).value();
}

// Waits until pred() or the deadline; returns pred().
template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace stockpulse::testing
