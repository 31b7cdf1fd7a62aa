#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "bus/kafka/kafka_config.h"
#include "common/result.h"

namespace stockpulse {

struct KafkaProducerOptions {
  KafkaConnection connection;
  // How long produce() keeps waiting for room when librdkafka's local queue is full
  // (queue.buffering.max.messages / .kbytes) before it gives up and returns an error. The message
  // is then not queued: the caller still owns it and decides, nothing is dropped silently.
  std::chrono::milliseconds max_block{std::chrono::seconds(60)};
};

// What happened to the messages handed to a KafkaProducer so far.
struct DeliveryCounts {
  uint64_t produced = 0;          // accepted into librdkafka's queue
  uint64_t delivered = 0;         // acknowledged by the partition leader with acks=all
  uint64_t failed = 0;            // delivery report with an error (after librdkafka's retries)
  uint64_t queue_full_waits = 0;  // produce() calls that had to wait for room (back-pressure)
  uint64_t rejected = 0;          // produce() calls that returned an error (not queued)
  std::map<std::string, uint64_t> failures_by_reason;  // rd_kafka_err2name() -> count
  std::string last_failure;                            // the latest failure, human-readable

  uint64_t in_flight() const { return produced - delivered - failed; }
};

// Where one message ended up, filled in by its delivery report.
struct DeliveryReceipt {
  bool done = false;
  bool ok = false;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string error;
};

// An idempotent Kafka producer (enable.idempotence=true, acks=all): librdkafka retries on its own
// and the broker drops duplicates of retried batches, so a broker outage costs latency, not
// messages, and per-partition order is kept. Every message gets a delivery report that is checked
// and counted; flush() says whether everything handed over was delivered.
//
// Lifecycle: create(), produce() many times, flush() on clean shutdown, destroy. The destructor
// does not wait: messages still queued then are purged and counted as failed.
// Thread-safety: produce(), poll(), flush() and counts() may be called from any thread.
// Delivery reports are served inside produce()/poll()/flush().
class KafkaProducer {
 public:
  // Fails (with a message, never a credential) when the configuration is rejected.
  static Result<std::unique_ptr<KafkaProducer>, std::string> create(KafkaProducerOptions options);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Queues one message; an empty key is sent as no key (spread over partitions). Waits while the
  // local queue is full, serving delivery reports, for at most options.max_block. Errors: queue
  // still full after max_block, unknown topic, message too large, fatal producer error.
  // `partition`: the partition to write to; by default the partitioner picks it from the key
  // (murmur2, as the Java client does).
  // `receipt`, when given, is filled in by the message's delivery report (inside poll()/flush());
  // it must outlive the delivery.
  Result<KafkaOk, std::string> produce(std::string_view topic, std::string_view key,
                                       std::string_view value,
                                       int32_t partition = RD_KAFKA_PARTITION_UA,
                                       DeliveryReceipt* receipt = nullptr);

  // Serves delivery reports for up to `timeout`.
  void poll(std::chrono::milliseconds timeout);

  // Waits up to `timeout` for every queued message to be delivered or to fail. True when nothing
  // is in flight any more and no message has failed since the producer was created.
  bool flush(std::chrono::milliseconds timeout);

  DeliveryCounts counts() const;

  // The number of partitions of a topic, from the cluster's metadata.
  Result<int32_t, std::string> partition_count(std::string_view topic,
                                               std::chrono::milliseconds timeout);

  // librdkafka's fatal error (e.g. the idempotent producer lost its guarantees), if any.
  std::optional<std::string> fatal_error() const;

  rd_kafka_t* handle() const { return rk_; }

 private:
  explicit KafkaProducer(KafkaProducerOptions options);
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  void record_delivery(const rd_kafka_message_t* msg) noexcept;

  KafkaProducerOptions options_;
  rd_kafka_t* rk_ = nullptr;
  mutable std::mutex mu_;  // guards counts_
  DeliveryCounts counts_;
};

}  // namespace stockpulse
