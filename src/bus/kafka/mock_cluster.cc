#include "bus/kafka/mock_cluster.h"

#include <fmt/format.h>

#include <algorithm>

namespace stockpulse {

Result<std::unique_ptr<MockKafkaCluster>, std::string> MockKafkaCluster::start(int brokers) {
  if (brokers < 1) return Err(std::string("a mock cluster needs at least one broker"));
  // The mock cluster lives inside a client instance. A producer that never produces is the
  // lightest host; it has no bootstrap servers, so keep its logging to warnings and above.
  RdKafkaConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  if (rd_kafka_conf_set(conf.get(), "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    return Err(fmt::format("mock cluster: {}", errstr));
  }
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr);
  if (host == nullptr)
    return Err(fmt::format("mock cluster: cannot create host client: {}", errstr));
  conf.release();

  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(host, brokers);
  if (cluster == nullptr) {
    rd_kafka_destroy(host);
    return Err(std::string("mock cluster: rd_kafka_mock_cluster_new failed (no free ports?)"));
  }
  std::unique_ptr<MockKafkaCluster> mc(new MockKafkaCluster());
  mc->host_ = host;
  mc->cluster_ = cluster;
  mc->bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster);
  mc->brokers_ = brokers;
  return mc;
}

MockKafkaCluster::~MockKafkaCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (host_ != nullptr) rd_kafka_destroy(host_);
}

Result<KafkaOk, std::string> MockKafkaCluster::create_topic(const std::string& name, int partitions,
                                                            int replication) {
  if (partitions < 1) return Err(fmt::format("topic {}: partitions must be >= 1", name));
  replication = std::clamp(replication, 1, brokers_);
  if (rd_kafka_resp_err_t err =
          rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication);
      err) {
    return Err(fmt::format("cannot create topic {}: {}", name, rd_kafka_err2str(err)));
  }
  return KafkaOk{};
}

Result<KafkaOk, std::string> MockKafkaCluster::broker_down(int32_t broker_id) {
  if (broker_id < 1 || broker_id > brokers_) return Err(fmt::format("no broker {}", broker_id));
  if (rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(cluster_, broker_id); err) {
    return Err(fmt::format("broker {} down: {}", broker_id, rd_kafka_err2str(err)));
  }
  return KafkaOk{};
}

Result<KafkaOk, std::string> MockKafkaCluster::broker_up(int32_t broker_id) {
  if (broker_id < 1 || broker_id > brokers_) return Err(fmt::format("no broker {}", broker_id));
  if (rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(cluster_, broker_id); err) {
    return Err(fmt::format("broker {} up: {}", broker_id, rd_kafka_err2str(err)));
  }
  return KafkaOk{};
}

}  // namespace stockpulse
