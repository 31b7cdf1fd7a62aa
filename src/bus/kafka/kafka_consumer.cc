#include "bus/kafka/kafka_consumer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace stockpulse {

namespace {

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

PartitionList one_partition(std::string_view topic, PartitionId partition, int64_t offset) {
  PartitionList list(rd_kafka_topic_partition_list_new(1));
  const std::string name(topic);
  rd_kafka_topic_partition_t* tp =
      rd_kafka_topic_partition_list_add(list.get(), name.c_str(), partition.value());
  tp->offset = offset;
  return list;
}

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  out.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, PartitionId(list->elems[i].partition)});
  }
  return out;
}

// Takes ownership of an rd_kafka_error_t and turns it into a message.
std::optional<std::string> take_error(rd_kafka_error_t* error) {
  if (error == nullptr) return std::nullopt;
  std::string s = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return s;
}

int to_ms(std::chrono::milliseconds d) {
  return static_cast<int>(std::clamp<int64_t>(d.count(), 0, INT32_MAX));
}

}  // namespace

KafkaConsumer::KafkaConsumer(KafkaConsumerOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<KafkaConsumer>, std::string> KafkaConsumer::create(
    KafkaConsumerOptions options) {
  if (options.group_id.empty()) return Err(std::string("a Kafka consumer needs a group id"));
  if (options.topics.empty()) return Err(std::string("a Kafka consumer needs topics"));
  const KafkaProperties defaults = {
      {"group.id", options.group_id},
      {"partition.assignment.strategy", "cooperative-sticky"},
      // Offsets are committed by the application when its windows no longer need the input.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", options.auto_offset_reset},
      {"session.timeout.ms", std::to_string(options.session_timeout_ms)},
      {"heartbeat.interval.ms", std::to_string(options.heartbeat_interval_ms)},
      {"max.poll.interval.ms", std::to_string(options.max_poll_interval_ms)},
      {"client.id", "stockpulse-consumer"},
  };
  auto conf = make_kafka_conf(options.connection, defaults);
  if (!conf.ok()) return Err(conf.error());

  std::unique_ptr<KafkaConsumer> c(new KafkaConsumer(std::move(options)));
  rd_kafka_conf_set_opaque(conf.value().get(), c.get());
  rd_kafka_conf_set_rebalance_cb(conf.value().get(), &KafkaConsumer::on_rebalance);
  rd_kafka_conf_set_offset_commit_cb(conf.value().get(), &KafkaConsumer::on_commit);

  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.value().get(), errstr, sizeof errstr);
  if (rk == nullptr) return Err(fmt::format("cannot create Kafka consumer: {}", errstr));
  conf.value().release();
  c->rk_ = rk;
  // One queue for messages and events, so poll_batch() also serves rebalances and commits.
  rd_kafka_poll_set_consumer(rk);

  PartitionList topics(
      rd_kafka_topic_partition_list_new(static_cast<int>(c->options_.topics.size())));
  for (const auto& t : c->options_.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics.get()); err) {
    return Err(fmt::format("cannot subscribe: {}", rd_kafka_err2str(err)));
  }
  return c;
}

KafkaConsumer::~KafkaConsumer() {
  if (rk_ == nullptr) return;
  (void)close();
  // librdkafka 2.0 (Debian 12's) aborts in rd_kafka_destroy when a cooperative-sticky member is
  // destroyed before its first assignment: the assignor's state is set only by an assignment and
  // its destructor asserts it is there (fixed upstream in 2.3). Such a handle has left the group
  // (close above); it is not destroyed, and its memory goes with the process.
  if (rebalances_ > 0) rd_kafka_destroy(rk_);
}

void KafkaConsumer::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->handle_rebalance(err, partitions);
}

void KafkaConsumer::on_commit(rd_kafka_t*, rd_kafka_resp_err_t err,
                              rd_kafka_topic_partition_list_t*, void* opaque) {
  // _NO_OFFSET: nothing to commit, not a failure.
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    ++static_cast<KafkaConsumer*>(opaque)->async_commit_failures_;
  }
}

void KafkaConsumer::handle_rebalance(rd_kafka_resp_err_t err,
                                     rd_kafka_topic_partition_list_t* partitions) noexcept {
  // Runs inside librdkafka's C call stack: nothing may throw out of here.
  try {
    ++rebalances_;
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
    const std::vector<TopicPartition> tps = to_vector(partitions);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      std::optional<std::string> e;
      if (cooperative) {
        e = take_error(rd_kafka_incremental_assign(rk_, partitions));
      } else if (rd_kafka_resp_err_t r = rd_kafka_assign(rk_, partitions); r) {
        e = rd_kafka_err2str(r);
      }
      if (e) {
        callback_errors_.push_back(fmt::format("assign failed: {}", *e));
        return;
      }
      if (options_.on_assigned && !tps.empty()) options_.on_assigned(tps);
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      const bool lost = rd_kafka_assignment_lost(rk_) != 0;
      // The hook goes first: the partitions are still ours, so it can commit their offsets.
      try {
        if (options_.on_revoked && !tps.empty()) options_.on_revoked(tps, lost);
      } catch (const std::exception& ex) {
        callback_errors_.push_back(fmt::format("on_revoked threw: {}", ex.what()));
      }
      std::optional<std::string> e;
      if (cooperative) {
        e = take_error(rd_kafka_incremental_unassign(rk_, partitions));
      } else if (rd_kafka_resp_err_t r = rd_kafka_assign(rk_, nullptr); r) {
        e = rd_kafka_err2str(r);
      }
      if (e) callback_errors_.push_back(fmt::format("unassign failed: {}", *e));
      return;
    }
    // Any other error: drop the assignment, as librdkafka's documentation asks.
    callback_errors_.push_back(fmt::format("rebalance error: {}", rd_kafka_err2str(err)));
    if (cooperative) {
      (void)take_error(rd_kafka_incremental_unassign(rk_, partitions));
    } else {
      rd_kafka_assign(rk_, nullptr);
    }
  } catch (const std::exception& ex) {
    try {
      callback_errors_.push_back(fmt::format("rebalance hook threw: {}", ex.what()));
    } catch (...) {
    }
  } catch (...) {
  }
}

uint32_t KafkaConsumer::topic_index(ConsumedBatch& out, std::string_view name) {
  // A batch holds a handful of topics: a linear scan beats a map.
  for (size_t i = 0; i < out.topics.size(); ++i) {
    if (out.topics[i] == name) return static_cast<uint32_t>(i);
  }
  out.topics.emplace_back(name);
  return static_cast<uint32_t>(out.topics.size() - 1);
}

Result<size_t, std::string> KafkaConsumer::poll_batch(size_t max_records,
                                                      std::chrono::milliseconds timeout,
                                                      ConsumedBatch& out) {
  out.clear();
  if (closed_) return Err(std::string("consumer is closed"));
  int wait_ms = to_ms(timeout);
  while (out.records.size() < max_records) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_, wait_ms);
    if (msg == nullptr) break;
    // After the first message, take only what is already here.
    wait_ms = 0;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        out.errors.push_back(rd_kafka_message_errstr(msg));
      }
      rd_kafka_message_destroy(msg);
      continue;
    }
    ConsumedRecord r;
    r.topic_index = topic_index(out, rd_kafka_topic_name(msg->rkt));
    r.partition = PartitionId(msg->partition);
    r.offset = Offset(msg->offset);
    rd_kafka_timestamp_type_t ts_type;
    r.timestamp_ms = rd_kafka_message_timestamp(msg, &ts_type);
    r.has_key = msg->key != nullptr;
    r.key_begin = static_cast<uint32_t>(out.buffer.size());
    r.key_size = static_cast<uint32_t>(msg->key_len);
    if (msg->key_len > 0) out.buffer.append(static_cast<const char*>(msg->key), msg->key_len);
    r.value_begin = static_cast<uint32_t>(out.buffer.size());
    r.value_size = static_cast<uint32_t>(msg->len);
    if (msg->len > 0) out.buffer.append(static_cast<const char*>(msg->payload), msg->len);
    out.buffer.append(kJsonPadding, ' ');
    out.records.push_back(r);
    rd_kafka_message_destroy(msg);
  }
  for (auto& e : callback_errors_) out.errors.push_back(std::move(e));
  callback_errors_.clear();

  char fatal[512];
  if (rd_kafka_fatal_error(rk_, fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Err(fmt::format("fatal consumer error: {}", fatal));
  }
  return out.records.size();
}

Result<KafkaOk, std::string> KafkaConsumer::commit(std::string_view topic, PartitionId partition,
                                                   Offset next_offset, CommitMode mode,
                                                   std::string_view metadata) {
  PartitionList list = one_partition(topic, partition, next_offset.value());
  if (!metadata.empty()) {
    // The list owns its metadata and frees it with free().
    rd_kafka_topic_partition_t& tp = list->elems[0];
    tp.metadata = std::malloc(metadata.size());
    if (tp.metadata == nullptr) return Err(std::string("out of memory"));
    std::memcpy(tp.metadata, metadata.data(), metadata.size());
    tp.metadata_size = metadata.size();
  }
  const rd_kafka_resp_err_t err =
      rd_kafka_commit(rk_, list.get(), mode == CommitMode::kAsync ? 1 : 0);
  if (err) {
    return Err(fmt::format("commit of {} [{}] at {} failed: {}", topic, partition.value(),
                           next_offset.value(), rd_kafka_err2str(err)));
  }
  // A synchronous commit reports per-partition errors in the list itself.
  if (mode == CommitMode::kSync && list->elems[0].err) {
    return Err(fmt::format("commit of {} [{}] at {} failed: {}", topic, partition.value(),
                           next_offset.value(), rd_kafka_err2str(list->elems[0].err)));
  }
  return KafkaOk{};
}

Result<std::optional<Offset>, std::string> KafkaConsumer::committed(
    std::string_view topic, PartitionId partition, std::chrono::milliseconds timeout) {
  auto c = committed_with_metadata(topic, partition, timeout);
  if (!c.ok()) return Err(c.error());
  return c.value().offset;
}

Result<KafkaConsumer::Committed, std::string> KafkaConsumer::committed_with_metadata(
    std::string_view topic, PartitionId partition, std::chrono::milliseconds timeout) {
  PartitionList list = one_partition(topic, partition, RD_KAFKA_OFFSET_INVALID);
  if (rd_kafka_resp_err_t err = rd_kafka_committed(rk_, list.get(), to_ms(timeout)); err) {
    return Err(fmt::format("cannot read committed offset of {} [{}]: {}", topic, partition.value(),
                           rd_kafka_err2str(err)));
  }
  const rd_kafka_topic_partition_t& tp = list->elems[0];
  if (tp.err) {
    return Err(fmt::format("cannot read committed offset of {} [{}]: {}", topic, partition.value(),
                           rd_kafka_err2str(tp.err)));
  }
  Committed c;
  if (tp.offset >= 0) c.offset = Offset(tp.offset);
  if (tp.metadata != nullptr && tp.metadata_size > 0) {
    c.metadata.assign(static_cast<const char*>(tp.metadata), tp.metadata_size);
  }
  return c;
}

Result<KafkaOk, std::string> KafkaConsumer::seek(std::string_view topic, PartitionId partition,
                                                 Offset offset, std::chrono::milliseconds timeout) {
  PartitionList list = one_partition(topic, partition, offset.value());
  if (auto e = take_error(rd_kafka_seek_partitions(rk_, list.get(), to_ms(timeout)))) {
    return Err(fmt::format("seek of {} [{}] to {} failed: {}", topic, partition.value(),
                           offset.value(), *e));
  }
  if (list->elems[0].err) {
    return Err(fmt::format("seek of {} [{}] to {} failed: {}", topic, partition.value(),
                           offset.value(), rd_kafka_err2str(list->elems[0].err)));
  }
  return KafkaOk{};
}

std::vector<TopicPartition> KafkaConsumer::assignment() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  PartitionList list(raw);
  return to_vector(list.get());
}

Result<KafkaOk, std::string> KafkaConsumer::close() {
  if (closed_) return KafkaOk{};
  closed_ = true;
  // Leaves the group; the revocation runs through on_rebalance on this thread.
  if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_); err) {
    return Err(fmt::format("consumer close failed: {}", rd_kafka_err2str(err)));
  }
  return KafkaOk{};
}

}  // namespace stockpulse
