#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bus/kafka/kafka_config.h"
#include "common/named_type.h"
#include "common/result.h"

namespace stockpulse {

// Reads a run of messages of one partition from a given offset, outside any consumer group (it
// assigns the partition itself and never commits). The Kafka processor reads its state
// snapshots back with it.
//
// Lifecycle: create(), read() any number of times, destroy.
// Thread-safety: none.
class KafkaPartitionReader {
 public:
  static Result<std::unique_ptr<KafkaPartitionReader>, std::string> create(
      const KafkaConnection& connection);
  ~KafkaPartitionReader();
  KafkaPartitionReader(const KafkaPartitionReader&) = delete;
  KafkaPartitionReader& operator=(const KafkaPartitionReader&) = delete;

  // The values of `count` messages starting at `offset` (fewer only on error), waiting at most
  // `timeout` in total.
  Result<std::vector<std::string>, std::string> read(std::string_view topic, PartitionId partition,
                                                     Offset offset, size_t count,
                                                     std::chrono::milliseconds timeout);

 private:
  KafkaPartitionReader() = default;
  rd_kafka_t* rk_ = nullptr;
};

}  // namespace stockpulse
