#include "bus/kafka/produce_sink.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace stockpulse {

namespace {

class KafkaProduceSink final : public ProduceSink {
 public:
  explicit KafkaProduceSink(std::unique_ptr<KafkaProducer> producer)
      : producer_(std::move(producer)) {}
  bool write(const std::string& topic, std::string_view key, std::string_view value) override {
    auto r = producer_->produce(topic, key, value);
    if (!r.ok()) error_ = r.error();
    return r.ok();
  }
  bool sync(std::chrono::milliseconds timeout) override { return producer_->flush(timeout); }
  bool finish(std::chrono::milliseconds timeout) override { return producer_->flush(timeout); }
  bool broken() const override { return producer_->fatal_error().has_value(); }
  const KafkaProducer* kafka_producer() const override { return producer_.get(); }

 private:
  std::unique_ptr<KafkaProducer> producer_;
};

// JSON lines, collected in a buffer of about 1 MiB so that a fast producer makes few syscalls.
class StreamProduceSink final : public ProduceSink {
 public:
  StreamProduceSink(std::FILE* file, bool owned) : file_(file), owned_(owned) {}
  ~StreamProduceSink() override {
    if (owned_ && file_ != nullptr) std::fclose(file_);
  }
  bool write(const std::string&, std::string_view, std::string_view value) override {
    if (file_ == nullptr) {
      failed_ = true;
      error_ = "write after finish";
      return false;
    }
    buffer_.append(value);
    buffer_.push_back('\n');
    if (buffer_.size() >= (1u << 20)) return drain();
    return true;
  }
  bool sync(std::chrono::milliseconds) override {
    if (file_ == nullptr) return !failed_;
    if (!drain()) return false;
    if (std::fflush(file_) != 0) return fail("write failed");
    // A file must be on disk before a position that depends on it is saved; a pipe or terminal
    // cannot be fsync'd (EINVAL), and being written to is all it can promise.
    if (owned_ && ::fsync(::fileno(file_)) != 0 && errno != EINVAL) {
      return fail(fmt::format("fsync failed: {}", std::strerror(errno)));
    }
    return !failed_;
  }
  bool finish(std::chrono::milliseconds timeout) override {
    bool ok = sync(timeout);
    if (owned_ && file_ != nullptr) {
      if (std::fclose(file_) != 0) ok = fail("closing the output failed");
      file_ = nullptr;
    }
    if (!ok && error_.empty()) error_ = "write failed";
    return ok && !failed_;
  }
  bool broken() const override { return failed_; }

 private:
  bool drain() {
    if (buffer_.empty()) return !failed_;
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      fail("write failed (disk full or closed pipe?)");
    }
    buffer_.clear();
    return !failed_;
  }
  bool fail(std::string why) {
    failed_ = true;
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  std::FILE* file_;
  bool owned_;
  bool failed_ = false;
  std::string buffer_;
};

}  // namespace

Result<std::unique_ptr<ProduceSink>, std::string> ProduceSink::open(const ProduceTarget& target,
                                                                    KafkaProperties properties,
                                                                    bool append) {
  switch (target.kind) {
    case ProduceTarget::Kind::kKafka: {
      KafkaProducerOptions o;
      o.connection.brokers = target.brokers;
      o.connection.properties = std::move(properties);
      auto producer = KafkaProducer::create(std::move(o));
      if (!producer.ok()) return Err(producer.error());
      return std::unique_ptr<ProduceSink>(
          std::make_unique<KafkaProduceSink>(std::move(producer).value()));
    }
    case ProduceTarget::Kind::kStdout:
      return std::unique_ptr<ProduceSink>(std::make_unique<StreamProduceSink>(stdout, false));
    case ProduceTarget::Kind::kFile: {
      std::FILE* f = std::fopen(target.path.c_str(), append ? "a" : "w");
      if (f == nullptr) {
        return Err(fmt::format("cannot {} '{}': {}", append ? "append to" : "create", target.path,
                               std::strerror(errno)));
      }
      return std::unique_ptr<ProduceSink>(std::make_unique<StreamProduceSink>(f, true));
    }
  }
  return Err(std::string("unknown target"));
}

}  // namespace stockpulse
