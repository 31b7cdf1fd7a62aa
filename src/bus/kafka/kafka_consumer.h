#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bus/kafka/kafka_config.h"
#include "common/named_type.h"
#include "common/result.h"
#include "decode/padded_json.h"

namespace stockpulse {

// One partition of one topic.
struct TopicPartition {
  std::string topic;
  PartitionId partition;

  bool operator==(const TopicPartition&) const = default;
};

// One consumed message: byte ranges of ConsumedBatch::buffer plus where it came from.
struct ConsumedRecord {
  uint32_t topic_index = 0;  // into ConsumedBatch::topics
  PartitionId partition;
  Offset offset;
  int64_t timestamp_ms = -1;  // the message's Kafka timestamp, -1 when it has none
  uint32_t key_begin = 0;
  uint32_t key_size = 0;
  bool has_key = false;
  uint32_t value_begin = 0;
  uint32_t value_size = 0;
};

// The messages of one poll_batch(). Keys and values are copied into one buffer; every value is
// followed by kJsonPadding bytes (spaces), so it can go to the simdjson decoders as PaddedJson
// without another copy. Topic names are stored once per batch. Per partition, records are in
// offset order; partitions may interleave.
struct ConsumedBatch {
  std::string buffer;
  std::vector<ConsumedRecord> records;
  std::vector<std::string> topics;
  // Non-fatal consumer errors seen while polling (broker down, ...), human-readable.
  std::vector<std::string> errors;

  std::string_view topic(const ConsumedRecord& r) const { return topics[r.topic_index]; }
  std::string_view key(const ConsumedRecord& r) const {
    return std::string_view(buffer).substr(r.key_begin, r.key_size);
  }
  std::string_view value(const ConsumedRecord& r) const {
    return std::string_view(buffer).substr(r.value_begin, r.value_size);
  }
  PaddedJson padded_value(const ConsumedRecord& r) const { return PaddedJson{value(r)}; }
  void clear() {
    buffer.clear();
    records.clear();
    topics.clear();
    errors.clear();
  }
};

enum class CommitMode : uint8_t {
  kSync,   // returns once the group coordinator has stored the offset
  kAsync,  // returns at once; failures are counted in async_commit_failures()
};

struct KafkaConsumerOptions {
  KafkaConnection connection;
  std::string group_id;
  std::vector<std::string> topics;
  // Where a partition without a committed offset starts: "earliest" or "latest".
  std::string auto_offset_reset = "earliest";
  // Short timeouts so that a dead member is noticed and rebalances finish within seconds (with
  // Kafka's defaults, a rebalance on the mock cluster can stall for minutes).
  int session_timeout_ms = 6000;
  int heartbeat_interval_ms = 1000;
  int max_poll_interval_ms = 10000;
  // Called inside poll_batch()/close() after partitions were added to this member's assignment
  // (incrementally: only the new ones). They start from their committed offset (or
  // auto_offset_reset); the hook may seek().
  std::function<void(std::span<const TopicPartition>)> on_assigned;
  // Called inside poll_batch()/close() before partitions leave this member's assignment, so the
  // application can commit what it finished and drop their state. `lost` is true when the group
  // already gave them to someone else (session timeout): committing them then would fail.
  std::function<void(std::span<const TopicPartition>, bool lost)> on_revoked;
};

// A consumer-group member over librdkafka: subscribes to topics, gets partitions assigned by the
// group with the cooperative-sticky strategy (a rebalance only moves the partitions that must
// move; the others keep being consumed), and never commits on its own (enable.auto.commit=false):
// the application commits the offset it no longer needs with commit().
//
// Lifecycle: create() (subscribes), poll_batch() in a loop, close() to leave the group cleanly
// (revokes, so the others take over at once), destroy. The destructor closes if close() was not
// called.
// Thread-safety: none; one thread polls, commits and seeks. The hooks run on that thread, inside
// poll_batch() or close(); exceptions thrown by a hook are caught and reported as batch errors.
class KafkaConsumer {
 public:
  static Result<std::unique_ptr<KafkaConsumer>, std::string> create(KafkaConsumerOptions options);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Replaces `out` with up to max_records messages: waits up to `timeout` for the first one, then
  // takes what is already fetched. Returns the number of records, or an error when the consumer
  // is unusable (fatal error, closed).
  Result<size_t, std::string> poll_batch(size_t max_records, std::chrono::milliseconds timeout,
                                         ConsumedBatch& out);

  // Commits `next_offset` (the offset of the next message to read, i.e. last processed + 1) for
  // one partition of this member's assignment.
  // `metadata` is stored with the offset by the group coordinator (Kafka's offset metadata,
  // bounded by the broker's offset.metadata.max.bytes, 4096 by default).
  Result<KafkaOk, std::string> commit(std::string_view topic, PartitionId partition,
                                      Offset next_offset, CommitMode mode = CommitMode::kSync,
                                      std::string_view metadata = {});

  // The group's committed offset of a partition, nullopt when there is none.
  Result<std::optional<Offset>, std::string> committed(std::string_view topic,
                                                       PartitionId partition,
                                                       std::chrono::milliseconds timeout);

  struct Committed {
    std::optional<Offset> offset;  // nullopt: nothing committed
    std::string metadata;
  };
  // The committed offset together with the metadata committed with it.
  Result<Committed, std::string> committed_with_metadata(std::string_view topic,
                                                         PartitionId partition,
                                                         std::chrono::milliseconds timeout);

  // Moves the read position of an assigned partition; the next poll_batch() reads from `offset`.
  Result<KafkaOk, std::string> seek(std::string_view topic, PartitionId partition, Offset offset,
                                    std::chrono::milliseconds timeout);

  // The partitions currently assigned to this member.
  std::vector<TopicPartition> assignment() const;

  // Leaves the group: runs on_revoked for the current assignment, then returns. Idempotent.
  Result<KafkaOk, std::string> close();

  uint64_t async_commit_failures() const { return async_commit_failures_; }
  uint64_t rebalances() const { return rebalances_; }
  const std::string& group_id() const { return options_.group_id; }

 private:
  explicit KafkaConsumer(KafkaConsumerOptions options);
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void on_commit(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque);
  void handle_rebalance(rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* partitions) noexcept;
  uint32_t topic_index(ConsumedBatch& out, std::string_view name);

  KafkaConsumerOptions options_;
  rd_kafka_t* rk_ = nullptr;
  bool closed_ = false;
  uint64_t async_commit_failures_ = 0;
  uint64_t rebalances_ = 0;
  // Errors raised inside callbacks, handed to the next batch.
  std::vector<std::string> callback_errors_;
};

}  // namespace stockpulse
