#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "bus/kafka/kafka_config.h"
#include "bus/kafka/kafka_producer.h"
#include "bus/kafka/produce_target.h"
#include "common/result.h"

namespace stockpulse {

// Where `stockpulse produce` writes encoded contract records: a KafkaProducer (key and value per
// message), or JSON lines on stdout or in a file (values only: the key is implied by the record).
//
// sync() is the checkpoint barrier of a resumable producer: once it returns true, everything
// written so far has arrived (Kafka: delivered with acks=all; file: written and fsync'd; stdout:
// written and flushed), so a saved input position cannot run ahead of the output.
//
// Lifecycle: open(), write() many times, sync() any number of times, finish() once.
// Thread-safety: none; callers that write from several threads serialise the calls.
class ProduceSink {
 public:
  // `append`: a file target is appended to rather than truncated (a resumed producer).
  static Result<std::unique_ptr<ProduceSink>, std::string> open(const ProduceTarget& target,
                                                                KafkaProperties properties,
                                                                bool append);

  virtual ~ProduceSink() = default;
  // False when the record was not accepted (not queued, not written); error() says why.
  virtual bool write(const std::string& topic, std::string_view key, std::string_view value) = 0;
  // Waits up to `timeout` until everything written so far has arrived; true when it has and
  // nothing written ever failed.
  virtual bool sync(std::chrono::milliseconds timeout) = 0;
  // The final sync; closes an owned file. True when everything written was delivered.
  virtual bool finish(std::chrono::milliseconds timeout) = 0;
  // True when the sink cannot take any more records.
  virtual bool broken() const = 0;
  // The Kafka producer behind a Kafka sink (for delivery counts), else nullptr.
  virtual const KafkaProducer* kafka_producer() const { return nullptr; }
  const std::string& error() const { return error_; }

 protected:
  std::string error_;
};

}  // namespace stockpulse
