#include "bus/kafka/kafka_partition_reader.h"

#include <fmt/format.h>

namespace stockpulse {

Result<std::unique_ptr<KafkaPartitionReader>, std::string> KafkaPartitionReader::create(
    const KafkaConnection& connection) {
  // A group id is required by librdkafka's consumer API even for manual assignment; this one
  // never joins (no subscribe) and never commits.
  const KafkaProperties defaults = {
      {"group.id", "stockpulse-partition-reader"},  {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},        {"enable.partition.eof", "false"},
      {"client.id", "stockpulse-partition-reader"},
  };
  auto conf = make_kafka_conf(connection, defaults);
  if (!conf.ok()) return Err(conf.error());
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.value().get(), errstr, sizeof errstr);
  if (rk == nullptr) return Err(fmt::format("cannot create a Kafka reader: {}", errstr));
  conf.value().release();  // rd_kafka_new took it over
  rd_kafka_poll_set_consumer(rk);
  std::unique_ptr<KafkaPartitionReader> r(new KafkaPartitionReader());
  r->rk_ = rk;
  return r;
}

KafkaPartitionReader::~KafkaPartitionReader() {
  if (rk_ != nullptr) {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
}

Result<std::vector<std::string>, std::string> KafkaPartitionReader::read(
    std::string_view topic, PartitionId partition, Offset offset, size_t count,
    std::chrono::milliseconds timeout) {
  const std::string name(topic);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, name.c_str(), partition.value())->offset = offset.value();
  rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) {
    return Err(
        fmt::format("cannot read {} [{}]: {}", name, partition.value(), rd_kafka_err2str(err)));
  }
  std::vector<std::string> out;
  std::string failure;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t next = offset.value();
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_, 100);
    if (msg == nullptr) continue;
    if (msg->err) {
      // Transient errors (a broker restarting) are retried until the deadline.
      failure = rd_kafka_message_errstr(msg);
    } else if (msg->offset == next && msg->partition == partition.value()) {
      out.emplace_back(static_cast<const char*>(msg->payload), msg->len);
      ++next;
    }
    rd_kafka_message_destroy(msg);
  }
  rd_kafka_assign(rk_, nullptr);
  if (out.size() < count) {
    return Err(fmt::format("read {} of {} messages of {} [{}] from offset {} in {} ms{}{}",
                           out.size(), count, name, partition.value(), offset.value(),
                           timeout.count(), failure.empty() ? "" : ": ", failure));
  }
  return out;
}

}  // namespace stockpulse
