#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <memory>
#include <string>

#include "bus/kafka/kafka_config.h"
#include "common/result.h"

namespace stockpulse {

// librdkafka's mock cluster (rdkafka_mock.h): real Kafka-protocol brokers inside this process,
// listening on 127.0.0.1 with random ports. Producers, consumer groups, committed offsets and
// idempotence work against it as against Kafka; it keeps only about the newest 100,000 messages
// (or 5 MB) per partition. Used by the tests and by `sp_kafka_mock_cluster`.
//
// Lifecycle: start(), create_topic(), hand bootstraps() to clients, destroy after the clients.
// Thread-safety: the methods may be called from any thread (librdkafka serialises them on the
// cluster's own thread).
class MockKafkaCluster {
 public:
  // Starts `brokers` brokers with ids 1..brokers. Fails with librdkafka's reason.
  static Result<std::unique_ptr<MockKafkaCluster>, std::string> start(int brokers = 3);
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  // "127.0.0.1:PORT,127.0.0.1:PORT,...", the bootstrap.servers of clients.
  const std::string& bootstraps() const { return bootstraps_; }
  int broker_count() const { return brokers_; }

  // Creates a topic; replication is capped at the number of brokers.
  Result<KafkaOk, std::string> create_topic(const std::string& name, int partitions,
                                            int replication = 1);
  // Simulates a broker outage: its connections are closed and new ones refused until broker_up.
  Result<KafkaOk, std::string> broker_down(int32_t broker_id);
  Result<KafkaOk, std::string> broker_up(int32_t broker_id);

  rd_kafka_mock_cluster_t* handle() const { return cluster_; }

 private:
  MockKafkaCluster() = default;

  rd_kafka_t* host_ = nullptr;  // the client instance whose threads run the cluster
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstraps_;
  int brokers_ = 0;
};

}  // namespace stockpulse
