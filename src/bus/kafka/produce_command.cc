#include "bus/kafka/produce_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

#include "bus/kafka/message_key.h"
#include "bus/kafka/produce_target.h"
#include "common/clock.h"
#include "common/time_format.h"
#include "decode/bar_decoder.h"
#include "decode/json_encoder.h"
#include "decode/post_decoder.h"
#include "source/line_reader.h"
#include "source/synthetic_bars.h"
#include "source/synthetic_posts.h"

namespace stockpulse {

namespace {

enum class Stream : uint8_t { kPosts, kBars };

std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int) {
  g_stop_requested.store(true);
}

// Installs SIGINT/SIGTERM handlers for the lifetime of a produce run, so an interrupted producer
// still flushes what it queued; restores the previous handlers afterwards.
class StopSignals {
 public:
  StopSignals() {
    g_stop_requested.store(false);
    old_int_ = std::signal(SIGINT, on_stop_signal);
    old_term_ = std::signal(SIGTERM, on_stop_signal);
  }
  ~StopSignals() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  bool stop() const { return g_stop_requested.load(std::memory_order_relaxed); }

 private:
  void (*old_int_)(int) = SIG_DFL;
  void (*old_term_)(int) = SIG_DFL;
};

// Where encoded contract records go.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // False when the record was not accepted; error() says why.
  virtual bool write(const std::string& topic, std::string_view key, std::string_view value) = 0;
  // Flushes; true when everything written was delivered.
  virtual bool finish(std::chrono::milliseconds timeout) = 0;
  // True when the sink cannot take any more records.
  virtual bool broken() const = 0;
  const std::string& error() const { return error_; }

 protected:
  std::string error_;
};

class KafkaRecordSink final : public RecordSink {
 public:
  explicit KafkaRecordSink(std::unique_ptr<KafkaProducer> producer)
      : producer_(std::move(producer)) {}
  bool write(const std::string& topic, std::string_view key, std::string_view value) override {
    auto r = producer_->produce(topic, key, value);
    if (!r.ok()) error_ = r.error();
    return r.ok();
  }
  bool finish(std::chrono::milliseconds timeout) override { return producer_->flush(timeout); }
  bool broken() const override { return producer_->fatal_error().has_value(); }
  const KafkaProducer& producer() const { return *producer_; }

 private:
  std::unique_ptr<KafkaProducer> producer_;
};

// JSON lines; the key is implied by the record itself, so only values are written.
class StreamRecordSink final : public RecordSink {
 public:
  StreamRecordSink(std::FILE* file, bool owned) : file_(file), owned_(owned) {}
  ~StreamRecordSink() override {
    if (owned_ && file_ != nullptr) std::fclose(file_);
  }
  bool write(const std::string&, std::string_view, std::string_view value) override {
    buffer_.append(value);
    buffer_.push_back('\n');
    if (buffer_.size() >= (1u << 20)) return drain();
    return true;
  }
  bool finish(std::chrono::milliseconds) override {
    bool ok = drain() && std::fflush(file_) == 0;
    if (owned_) {
      ok = std::fclose(file_) == 0 && ok;
      file_ = nullptr;
      owned_ = false;
    }
    if (!ok && error_.empty()) error_ = "write failed";
    return ok && !failed_;
  }
  bool broken() const override { return failed_; }

 private:
  bool drain() {
    if (buffer_.empty()) return !failed_;
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      failed_ = true;
      error_ = "write failed (disk full or closed pipe?)";
    }
    buffer_.clear();
    return !failed_;
  }

  std::FILE* file_;
  bool owned_;
  bool failed_ = false;
  std::string buffer_;
};

// Holds the producer to a wall-clock rate; a rate of 0 means as fast as possible.
class Pacer {
 public:
  explicit Pacer(double per_second)
      : per_second_(per_second), start_(std::chrono::steady_clock::now()) {}
  void wait_for_slot(int64_t index) const {
    if (per_second_ <= 0) return;
    const auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(index / per_second_));
    std::this_thread::sleep_until(due);
  }

 private:
  double per_second_;
  std::chrono::steady_clock::time_point start_;
};

KafkaProperties parse_properties(const std::vector<std::string>& specs) {
  KafkaProperties props;
  for (const auto& s : specs) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::runtime_error(fmt::format("--kafka-property '{}': expected KEY=VALUE", s));
    }
    props.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  return props;
}

std::vector<std::string> split_symbols(const std::string& csv) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin <= csv.size()) {
    size_t end = csv.find(',', begin);
    if (end == std::string::npos) end = csv.size();
    std::string s = csv.substr(begin, end - begin);
    if (!s.empty()) out.push_back(std::move(s));
    begin = end + 1;
  }
  return out;
}

void append_dead_letter_json(const DeadLetter& d, std::string& out) {
  out += "{\"stream\":";
  append_json_string(d.stream, out);
  out += fmt::format(",\"partition\":{},\"offset\":{},\"reason\":\"{}\",\"detail\":",
                     d.partition.value(), d.offset.value(), reason_name(d.reason));
  append_json_string(d.detail, out);
  out += fmt::format(",\"payload_size\":{},\"payload\":", d.payload_size);
  append_json_string(d.payload, out);
  out += "}\n";
}

}  // namespace

ProduceCommand::ProduceCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "produce",
      "Write the bus contracts (posts to `tweets`, bars to `stock-prices`, keyed by symbol) to\n"
      "Kafka, stdout or a file: validated JSON lines from --from, or the synthetic generators.\n"
      "Kafka credentials come only from KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD.");
  cmd_->add_option("kind", kind_, "posts, bars or synthetic (posts and bars together)")
      ->required()
      ->check(CLI::IsMember({"posts", "bars", "synthetic"}));
  cmd_->add_option("--to", to_, "kafka://HOST:PORT[,HOST:PORT]/TOPIC, stdout or file:PATH")
      ->required();
  cmd_->add_option("--from", from_, "JSON-lines input for posts/bars, '-' for stdin [-]");
  cmd_->add_option("--count", count_, "Stop after N records (synthetic: N posts); 0 = all [0]")
      ->check(CLI::NonNegativeNumber);
  cmd_->add_option("--seed", seed_, "Seed of the synthetic generators [42]");
  cmd_->add_option("--rate", rate_, "Records per second of wall time; 0 = as fast as possible [0]")
      ->check(CLI::NonNegativeNumber);
  cmd_->add_option("--event-rate", event_rate_, "synthetic: posts per second of event time [50]")
      ->check(CLI::PositiveNumber);
  cmd_->add_option("--start", start_, "synthetic: event time of the first post (ISO-8601) [now]");
  cmd_->add_option("--symbols", symbols_csv_,
                   "synthetic: comma-separated symbols [the default 12]");
  cmd_->add_option("--posts-topic", posts_topic_,
                   "Topic of posts when the URL names none [tweets]");
  cmd_->add_option("--bars-topic", bars_topic_,
                   "Topic of bars when the URL names none [stock-prices]");
  cmd_->add_option("--dead-letter", dead_letter_path_,
                   "Also write rejected records as JSON lines to this file");
  cmd_->add_option("--kafka-property", kafka_properties_,
                   "librdkafka property KEY=VALUE (repeatable), e.g. compression.codec=lz4");
  cmd_->add_option("--flush-timeout", flush_timeout_s_,
                   "Seconds to wait for outstanding deliveries at exit [60]")
      ->check(CLI::NonNegativeNumber);
}

int ProduceCommand::execute() {
  summary_ = Summary{};
  auto target = parse_produce_target(to_);
  if (!target.ok()) throw std::runtime_error(target.error());
  const ProduceTarget& to = target.value();
  if (kind_ == "synthetic" && !to.topic.empty()) {
    throw std::runtime_error(
        "synthetic writes two topics: leave the topic out of the URL and use --posts-topic / "
        "--bars-topic");
  }
  const std::string posts_topic = to.topic.empty() ? posts_topic_ : to.topic;
  const std::string bars_topic = to.topic.empty() ? bars_topic_ : to.topic;

  std::unique_ptr<RecordSink> sink;
  KafkaRecordSink* kafka_sink = nullptr;
  switch (to.kind) {
    case ProduceTarget::Kind::kKafka: {
      KafkaProducerOptions o;
      o.connection.brokers = to.brokers;
      o.connection.properties = parse_properties(kafka_properties_);
      auto producer = KafkaProducer::create(std::move(o));
      if (!producer.ok()) throw std::runtime_error(producer.error());
      auto s = std::make_unique<KafkaRecordSink>(std::move(producer).value());
      kafka_sink = s.get();
      sink = std::move(s);
      break;
    }
    case ProduceTarget::Kind::kStdout:
      sink = std::make_unique<StreamRecordSink>(stdout, false);
      break;
    case ProduceTarget::Kind::kFile: {
      std::FILE* f = std::fopen(to.path.c_str(), "w");
      if (f == nullptr) throw std::runtime_error(fmt::format("cannot create '{}'", to.path));
      sink = std::make_unique<StreamRecordSink>(f, true);
      break;
    }
  }

  std::FILE* dead_file = nullptr;
  if (!dead_letter_path_.empty()) {
    dead_file = std::fopen(dead_letter_path_.c_str(), "w");
    if (dead_file == nullptr) {
      throw std::runtime_error(fmt::format("cannot create '{}'", dead_letter_path_));
    }
  }

  StopSignals signals;
  const Pacer pacer(rate_);
  std::string value;
  int64_t write_failures = 0;
  bool input_failed = false;

  auto send = [&](const std::string& topic, std::string_view key) {
    if (sink->write(topic, key, value)) {
      ++summary_.sent;
      return;
    }
    // Not queued: counted as undelivered (exit code 1); the next records still go.
    if (write_failures++ < 5) fmt::print(stderr, "produce: {}\n", sink->error());
  };
  auto dead_letter = [&](Stream s, Offset offset, const DecodeError& e, std::string_view payload,
                         uint64_t full_size) {
    ++summary_.dead_letters;
    ++summary_.dead_letters_by_reason[reason_name(e.reason)];
    if (dead_file == nullptr) return;
    DeadLetter d;
    d.stream = s == Stream::kPosts ? "tweets" : "stock-prices";
    d.partition = PartitionId(0);
    d.offset = offset;
    d.reason = e.reason;
    d.detail = e.detail;
    d.payload = std::string(payload.substr(0, kMaxDeadLetterPayload));
    d.payload_size = full_size;
    std::string line;
    append_dead_letter_json(d, line);
    std::fwrite(line.data(), 1, line.size(), dead_file);
  };
  auto keep_going = [&] {
    return !signals.stop() && !sink->broken() && (count_ == 0 || summary_.read < count_);
  };

  if (kind_ == "posts" || kind_ == "bars") {
    const Stream stream = kind_ == "posts" ? Stream::kPosts : Stream::kBars;
    LineReader reader;
    if (auto err = reader.open(from_)) throw std::runtime_error(*err);
    PostDecoder post_decoder;
    BarDecoder bar_decoder;
    Post post;
    Bar bar;
    DecodeError error;
    Line line;
    while (keep_going()) {
      const ReadStatus st = reader.next(line);
      if (st == ReadStatus::kEof) break;
      if (st == ReadStatus::kError) {
        fmt::print(stderr, "produce: reading {}: {}\n", from_, reader.error());
        input_failed = true;
        break;
      }
      pacer.wait_for_slot(summary_.read);
      ++summary_.read;
      if (st == ReadStatus::kTooLong) {
        dead_letter(stream, line.offset,
                    {DeadLetterReason::kTooLarge,
                     fmt::format("record of {} bytes is over the line limit", line.full_size)},
                    line.text, line.full_size);
        continue;
      }
      const SourcePosition pos{PartitionId(0), line.offset};
      value.clear();
      if (stream == Stream::kPosts) {
        if (!post_decoder.decode_into(line.padded(), pos, post, error)) {
          dead_letter(stream, line.offset, error, line.text, line.full_size);
          continue;
        }
        // Written back in canonical form: aliases resolved, and a post without an id gets the
        // stable one the decoder derived from its position, so re-reads keep upserts idempotent.
        append_post_json(post, value);
        send(posts_topic, first_cashtag(post.text));
      } else {
        if (!bar_decoder.decode_into(line.padded(), pos, bar, error)) {
          dead_letter(stream, line.offset, error, line.text, line.full_size);
          continue;
        }
        append_bar_json(bar, value);
        send(bars_topic, bar.symbol);
      }
    }
  } else {
    EventTime start(SystemClock().now().value());
    if (!start_.empty()) {
      auto parsed = parse_iso8601(start_);
      if (!parsed) throw std::runtime_error(fmt::format("--start: '{}' is not ISO-8601", start_));
      start = *parsed;
    }
    std::vector<std::string> symbols = split_symbols(symbols_csv_);
    SyntheticPostOptions po;
    po.seed = seed_;
    if (!symbols.empty()) po.symbols = symbols;
    po.start = start;
    po.posts_per_second = event_rate_;
    SyntheticPostGenerator posts(po);
    SyntheticBarOptions bo;
    // A different stream of randomness than the posts', as `generate` does.
    bo.seed = seed_ ^ 0x9e3779b97f4a7c15ULL;
    bo.symbols = po.symbols;
    bo.start = EventTime(start.value() - start.value() % kMillisPerMinute);
    SyntheticBarGenerator bars(bo);
    // A minute's bars are sent once event time has passed the minute, as a live feed would.
    int64_t next_bar_close = bo.start.value() + kMillisPerMinute;
    Post post;
    std::vector<Bar> minute;
    while (keep_going()) {
      pacer.wait_for_slot(summary_.read);
      posts.next(post);
      ++summary_.read;
      while (post.created_at.value() >= next_bar_close) {
        minute.clear();
        bars.next_minute(minute);
        for (const Bar& b : minute) {
          value.clear();
          append_bar_json(b, value);
          send(bars_topic, b.symbol);
        }
        next_bar_close += kMillisPerMinute;
      }
      value.clear();
      append_post_json(post, value);
      send(posts_topic, first_cashtag(post.text));
    }
  }

  const bool flushed =
      sink->finish(std::chrono::milliseconds(static_cast<int64_t>(flush_timeout_s_ * 1000)));
  if (dead_file != nullptr) std::fclose(dead_file);
  summary_.all_delivered = flushed && write_failures == 0 && !input_failed;

  std::string reasons;
  for (const auto& [reason, n] : summary_.dead_letters_by_reason) {
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", reason, n);
  }
  fmt::print(stderr, "produce: {} read, {} sent to {}, {} dead letter(s){}{}\n", summary_.read,
             summary_.sent, to.describe(), summary_.dead_letters,
             reasons.empty() ? "" : " (" + reasons + ")",
             dead_file != nullptr ? " in " + dead_letter_path_ : "");
  if (kafka_sink != nullptr) {
    summary_.delivery = kafka_sink->producer().counts();
    const DeliveryCounts& d = summary_.delivery;
    fmt::print(stderr,
               "produce: {} delivered, {} failed, {} still in flight, {} not queued, {} waits on "
               "a full queue\n",
               d.delivered, d.failed, d.in_flight(), d.rejected, d.queue_full_waits);
    for (const auto& [reason, n] : d.failures_by_reason) {
      fmt::print(stderr, "produce:   {} failed with {}\n", n, reason);
    }
    if (!d.last_failure.empty())
      fmt::print(stderr, "produce:   last failure: {}\n", d.last_failure);
  } else if (!flushed) {
    fmt::print(stderr, "produce: {}\n", sink->error());
  }
  if (!summary_.all_delivered) fmt::print(stderr, "produce: NOT everything was delivered\n");
  return summary_.all_delivered ? 0 : 1;
}

}  // namespace stockpulse
