#include "bus/kafka/kafka_producer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace stockpulse {

namespace {

// Steps of the back-pressure wait: short enough that a freed slot is used quickly, long enough
// not to spin.
constexpr std::chrono::milliseconds kQueueFullPollStep{5};

int to_ms(std::chrono::milliseconds d) {
  return static_cast<int>(std::clamp<int64_t>(d.count(), 0, INT32_MAX));
}

}  // namespace

KafkaProducer::KafkaProducer(KafkaProducerOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<KafkaProducer>, std::string> KafkaProducer::create(
    KafkaProducerOptions options) {
  const KafkaProperties defaults = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      // Batches of up to 5 ms: throughput without visible latency.
      {"linger.ms", "5"},
      // The Java client's partitioner: a key lands in the same partition whether stockpulse or a
      // JVM/kafka-python producer (both reference systems) wrote it.
      {"partitioner", "murmur2_random"},
      {"client.id", "stockpulse-producer"},
  };
  auto conf = make_kafka_conf(options.connection, defaults);
  if (!conf.ok()) return Err(conf.error());
  std::unique_ptr<KafkaProducer> p(new KafkaProducer(std::move(options)));
  rd_kafka_conf_set_opaque(conf.value().get(), p.get());
  rd_kafka_conf_set_dr_msg_cb(conf.value().get(), &KafkaProducer::on_delivery);

  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.value().get(), errstr, sizeof errstr);
  if (rk == nullptr) return Err(fmt::format("cannot create Kafka producer: {}", errstr));
  conf.value().release();  // rd_kafka_new took ownership
  p->rk_ = rk;
  return p;
}

KafkaProducer::~KafkaProducer() {
  if (rk_ == nullptr) return;
  // Whatever is still queued would otherwise be retried until message.timeout.ms inside
  // rd_kafka_destroy; purge it so destruction is prompt and the loss is counted, not hidden.
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_, 0);
  rd_kafka_destroy(rk_);
}

void KafkaProducer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  static_cast<KafkaProducer*>(opaque)->record_delivery(msg);
}

void KafkaProducer::record_delivery(const rd_kafka_message_t* msg) noexcept {
  // Runs inside librdkafka's C call stack: nothing may throw out of here.
  try {
    std::lock_guard lock(mu_);
    if (auto* receipt = static_cast<DeliveryReceipt*>(msg->_private)) {
      receipt->done = true;
      receipt->ok = msg->err == RD_KAFKA_RESP_ERR_NO_ERROR;
      receipt->partition = msg->partition;
      receipt->offset = msg->offset;
      if (!receipt->ok) receipt->error = rd_kafka_err2str(msg->err);
    }
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++counts_.delivered;
      return;
    }
    ++counts_.failed;
    ++counts_.failures_by_reason[rd_kafka_err2name(msg->err)];
    counts_.last_failure = fmt::format("{} [{}]: {}", rd_kafka_topic_name(msg->rkt), msg->partition,
                                       rd_kafka_err2str(msg->err));
  } catch (...) {
  }
}

Result<KafkaOk, std::string> KafkaProducer::produce(std::string_view topic, std::string_view key,
                                                    std::string_view value, int32_t partition,
                                                    DeliveryReceipt* receipt) {
  const std::string topic_name(topic);
  const auto deadline = std::chrono::steady_clock::now() + options_.max_block;
  bool waited = false;
  for (;;) {
    rd_kafka_resp_err_t err;
    // RD_KAFKA_MSG_F_COPY: the caller's buffers may be reused as soon as we return.
    if (key.empty()) {
      err = rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic_name.c_str()),
                              RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_OPAQUE(receipt),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    } else {
      err = rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic_name.c_str()),
                              RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_OPAQUE(receipt),
                              RD_KAFKA_V_KEY(key.data(), key.size()),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      {
        std::lock_guard lock(mu_);
        ++counts_.produced;
        if (waited) ++counts_.queue_full_waits;
      }
      // Serve delivery reports as we go so the report queue does not grow without bound.
      rd_kafka_poll(rk_, 0);
      return KafkaOk{};
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && std::chrono::steady_clock::now() < deadline) {
      // Back-pressure: the broker is slower than we are. Polling both serves delivery reports
      // (which frees queue slots) and paces us.
      waited = true;
      rd_kafka_poll(rk_, to_ms(kQueueFullPollStep));
      continue;
    }
    std::string why;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_fatal_error(rk_, buf, sizeof buf);
      why = fmt::format("fatal producer error: {}", buf);
    } else if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      why = fmt::format("local queue still full after {} ms", options_.max_block.count());
    } else {
      why = rd_kafka_err2str(err);
    }
    std::lock_guard lock(mu_);
    ++counts_.rejected;
    if (waited) ++counts_.queue_full_waits;
    return Err(fmt::format("cannot produce to {}: {}", topic_name, why));
  }
}

void KafkaProducer::poll(std::chrono::milliseconds timeout) {
  rd_kafka_poll(rk_, to_ms(timeout));
}

bool KafkaProducer::flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(rk_, to_ms(timeout));
  // rd_kafka_flush serves the delivery reports, so our counts are final for what it finished.
  std::lock_guard lock(mu_);
  return rd_kafka_outq_len(rk_) == 0 && counts_.in_flight() == 0 && counts_.failed == 0;
}

DeliveryCounts KafkaProducer::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

Result<int32_t, std::string> KafkaProducer::partition_count(std::string_view topic,
                                                            std::chrono::milliseconds timeout) {
  const std::string name(topic);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
  if (rkt == nullptr) return Err(fmt::format("cannot look up topic {}", name));
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, rkt, &md, to_ms(timeout));
  rd_kafka_topic_destroy(rkt);
  if (err) return Err(fmt::format("metadata of topic {}: {}", name, rd_kafka_err2str(err)));
  int32_t count = 0;
  std::string why;
  if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    count = md->topics[0].partition_cnt;
  } else if (md->topic_cnt == 1) {
    why = rd_kafka_err2str(md->topics[0].err);
  }
  rd_kafka_metadata_destroy(md);
  if (count <= 0) {
    return Err(fmt::format("topic {} does not exist or has no partitions{}{}", name,
                           why.empty() ? "" : ": ", why));
  }
  return count;
}

std::optional<std::string> KafkaProducer::fatal_error() const {
  char buf[512];
  if (rd_kafka_fatal_error(rk_, buf, sizeof buf) == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  return std::string(buf);
}

}  // namespace stockpulse
