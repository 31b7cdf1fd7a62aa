#include "bus/kafka/produce_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "bus/kafka/message_key.h"
#include "bus/kafka/produce_sink.h"
#include "bus/kafka/produce_target.h"
#include "common/clock.h"
#include "common/option_range.h"
#include "common/stop_signals.h"
#include "common/time_format.h"
#include "decode/bar_decoder.h"
#include "decode/json_encoder.h"
#include "decode/padded_json.h"
#include "decode/post_decoder.h"
#include "decode/utf8.h"
#include "source/alpaca_stream.h"
#include "source/daily_candle_fanout.h"
#include "source/line_reader.h"
#include "source/post_replay.h"
#include "source/replay_position.h"
#include "source/synthetic_bars.h"
#include "source/synthetic_posts.h"

namespace stockpulse {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kReportEvery = std::chrono::seconds(1);

bool stop_requested() {
  return StopSignals::requested();
}

// Holds the producer to a wall-clock rate; a rate of 0 means as fast as possible.
class Pacer {
 public:
  explicit Pacer(double per_second) : per_second_(per_second), start_(SteadyClock::now()) {}
  // Waits until record `index` is due; false when a stop was requested meanwhile. Sleeps in
  // slices so that SIGINT is honoured quickly even at low rates.
  bool wait_for_slot(int64_t index) const {
    if (per_second_ <= 0) return !stop_requested();
    const auto due = start_ + std::chrono::duration_cast<SteadyClock::duration>(
                                  std::chrono::duration<double>(index / per_second_));
    for (;;) {
      if (stop_requested()) return false;
      const auto now = SteadyClock::now();
      if (now >= due) return true;
      std::this_thread::sleep_for(
          std::min<SteadyClock::duration>(due - now, std::chrono::milliseconds(50)));
    }
  }

 private:
  double per_second_;
  SteadyClock::time_point start_;
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

// "max" (as fast as possible) or a positive factor of the original pace.
double parse_speed(const std::string& text) {
  if (text == "max") return 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v) || v < 0.001 || v > 1e6) {
    throw std::runtime_error(fmt::format(
        "--speed '{}': expected a number in [0.001, 1e6] (1 = original pace) or max", text));
  }
  return v;
}

// Name of the first post field that is not valid UTF-8, or nullptr.
const char* invalid_utf8_field(const Post& p) {
  if (utf8_first_invalid(p.text) != p.text.size()) return "text";
  if (utf8_first_invalid(p.user) != p.user.size()) return "user";
  if (utf8_first_invalid(p.id) != p.id.size()) return "id";
  return nullptr;
}

}  // namespace

// The state one execute() shares between its input loop and the target: the sink, the topics,
// dead letters and the counters of the summary.
struct ProduceCommand::Run {
  ProduceTarget target;
  KafkaProperties properties;
  std::string posts_topic;
  std::string bars_topic;
  int64_t count = 0;
  std::chrono::milliseconds flush_timeout{0};
  Summary* summary = nullptr;

  std::unique_ptr<ProduceSink> sink;
  bool sink_finished = false;
  bool flushed = false;
  std::FILE* dead_file = nullptr;
  int64_t write_failures = 0;
  bool input_failed = false;

  // Scratch space and the contract checks, reused record after record.
  std::string value;
  PostDecoder post_check;
  BarDecoder bar_check;
  Post post_scratch;
  Bar bar_scratch;
  DecodeError error;

  ~Run() {
    if (dead_file != nullptr) std::fclose(dead_file);
  }

  // Opened only once the input is known to be readable, so a typo in --from does not truncate
  // the output file first.
  void open_sink(bool append) {
    auto s = ProduceSink::open(target, properties, append);
    if (!s.ok()) throw std::runtime_error(s.error());
    sink = std::move(s).value();
  }

  bool finish_sink() {
    if (!sink_finished && sink) {
      flushed = sink->finish(flush_timeout);
      sink_finished = true;
    }
    return flushed;
  }

  bool keep_going() const {
    return !stop_requested() && !sink->broken() && (count == 0 || summary->read < count);
  }

  void send(const std::string& topic, std::string_view key) {
    if (sink->write(topic, key, value)) {
      ++summary->sent;
      return;
    }
    // Not queued: counted as undelivered (exit code 1); the next records still go.
    if (write_failures++ < 5) fmt::print(stderr, "produce: {}\n", sink->error());
  }

  void dead_letter(const DeadLetter& d) {
    ++summary->dead_letters;
    ++summary->dead_letters_by_reason[reason_name(d.reason)];
    if (dead_file == nullptr) return;
    std::string line;
    append_dead_letter_json(d, line);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), dead_file);
  }

  void dead_letter(const char* stream, SourcePosition pos, DeadLetterReason reason,
                   std::string detail, std::string_view payload) {
    DeadLetter d;
    d.stream = stream;
    d.partition = pos.partition;
    d.offset = pos.offset;
    d.reason = reason;
    d.detail = std::move(detail);
    d.payload = std::string(payload.substr(0, kMaxDeadLetterPayload));
    d.payload_size = payload.size();
    dead_letter(d);
  }

  // Checks the encoded record in `value` with the pipeline's own decoder, so that what goes out
  // is exactly what `process` accepts: a record it would reject is a dead letter here, with the
  // decoder's reason, instead of a surprise downstream. The padding the decoder needs is added
  // behind the record and taken off again (no copy).
  template <class Decoder, class Record>
  bool contract_holds(Decoder& decoder, Record& scratch, SourcePosition pos) {
    const size_t n = value.size();
    value.append(kJsonPadding, ' ');
    const bool ok =
        decoder.decode_into(PaddedJson{std::string_view(value.data(), n)}, pos, scratch, error);
    value.resize(n);
    return ok;
  }

  void send_post(const Post& post) {
    if (const char* field = invalid_utf8_field(post)) {
      // The encoder would repair it silently; the contract says invalid UTF-8 is a dead letter.
      dead_letter("tweets", post.position, DeadLetterReason::kInvalidUtf8,
                  fmt::format("field '{}' is not valid UTF-8", field), post.text);
      return;
    }
    value.clear();
    append_post_json(post, value);
    if (!contract_holds(post_check, post_scratch, post.position)) {
      dead_letter("tweets", post.position, error.reason, error.detail, value);
      return;
    }
    send(posts_topic, first_cashtag(post.text));
  }

  void send_bar(const Bar& bar) {
    value.clear();
    append_bar_json(bar, value);
    if (!contract_holds(bar_check, bar_scratch, bar.position)) {
      dead_letter("stock-prices", bar.position, error.reason, error.detail, value);
      return;
    }
    send(bars_topic, bar.symbol);
  }
};

ProduceCommand::ProduceCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "produce",
      "Write the bus contracts (posts to `tweets`, bars to `stock-prices`, keyed by symbol) to\n"
      "Kafka, stdout or a file, from:\n"
      "  posts      a tweet dataset (CSV, JSON lines or Parquet) or the records of Twitter (API\n"
      "             v1.1, v2, archive tweets.js), StockTwits or Reddit, replayed through "
      "PostReplay\n"
      "  bars       contract JSON lines of bars\n"
      "  synthetic  the synthetic post and bar generators\n"
      "  fanout     daily OHLCV candles (CSV) fanned out to 390 minute bars per symbol and day\n"
      "  alpaca     live minute bars from Alpaca's market-data WebSocket\n"
      "Every record is checked against the contract; bad ones become dead letters and the\n"
      "producer goes on. Kafka credentials come only from KAFKA_SASL_USERNAME /\n"
      "KAFKA_SASL_PASSWORD, Alpaca keys only from ALPACA_API_KEY / ALPACA_API_SECRET.");
  cmd_->add_option("kind", kind_, "posts, bars, synthetic, fanout or alpaca")
      ->required()
      ->check(CLI::IsMember({"posts", "bars", "synthetic", "fanout", "alpaca"}));
  cmd_->add_option("--to", to_, "kafka://HOST:PORT[,HOST:PORT]/TOPIC, stdout or file:PATH")
      ->required();
  cmd_->add_option("--from", from_,
                   "posts: dataset file ('-' = stdin, JSON lines); bars: JSON lines ('-' = "
                   "stdin); fanout: daily candle CSV [-]");
  cmd_->add_option("--format", format_,
                   "posts: auto (Parquet, CSV by extension, else by the first records), csv, "
                   "jsonl, parquet, twitter-v1, twitter-v2, tweets-js, stocktwits or reddit [auto]")
      ->check(CLI::IsMember({"auto", "csv", "jsonl", "parquet", "twitter-v1", "twitter-v2",
                             "tweets-js", "stocktwits", "reddit"}));
  cmd_->add_flag("--dedupe,!--no-dedupe", dedupe_,
                 "posts: skip posts whose id was seen and retweets of posts seen, as `duplicate` "
                 "dead letters [on]");
  cmd_->add_flag("--rebase-time", rebase_time_,
                 "posts: move the first post to now, keeping every gap between posts");
  cmd_->add_option("--speed", speed_,
                   "posts: pace as a factor of the original gaps (1 = real time, 10 = ten times "
                   "faster) or max [max]");
  cmd_->add_option("--resume-file", resume_file_,
                   "posts: continue from the position saved in this file and keep saving it "
                   "(after the records before it were delivered/written); the output file is "
                   "appended to when resuming");
  cmd_->add_option("--count", count_,
                   "Stop after N input records (synthetic: N posts; fanout: at the end of the "
                   "minute that reaches N; alpaca: N bars); 0 = all [0]")
      ->check(CLI::NonNegativeNumber);
  cmd_->add_option("--seed", seed_, "Seed of the synthetic generators and of fanout's paths [42]");
  cmd_->add_option("--rate", rate_,
                   "Records per second of wall time; 0 = as fast as possible (fanout: a minute's "
                   "bars go together) [0]")
      ->check(CLI::NonNegativeNumber);
  cmd_->add_option("--event-rate", event_rate_, "synthetic: posts per second of event time [50]")
      ->check(CLI::PositiveNumber);
  cmd_->add_option("--start", start_, "synthetic: event time of the first post (ISO-8601) [now]");
  cmd_->add_option("--symbols", symbols_csv_,
                   "Comma-separated symbols: synthetic [the default 12]; alpaca (required)");
  cmd_->add_option("--feed", feed_, "alpaca: iex or sip [iex]")
      ->check(CLI::IsMember({"iex", "sip"}));
  cmd_->add_option("--alpaca-url", alpaca_url_,
                   "alpaca: stream URL [wss://stream.data.alpaca.markets/v2/FEED]");
  cmd_->add_option("--posts-topic", posts_topic_,
                   "Topic of posts when the URL names none [tweets]");
  cmd_->add_option("--bars-topic", bars_topic_,
                   "Topic of bars when the URL names none [stock-prices]");
  cmd_->add_option("--dead-letter", dead_letter_path_,
                   "Also write rejected records as JSON lines to this file");
  cmd_->add_option("--kafka-property", kafka_properties_,
                   "librdkafka property KEY=VALUE (repeatable), e.g. compression.codec=lz4");
  cmd_->add_option("--flush-timeout", flush_timeout_s_,
                   "Seconds to wait for outstanding deliveries at exit (and at each resume "
                   "checkpoint) [60]")
      ->check(CLI::NonNegativeNumber);
  cmd_->add_flag("--quiet", quiet_, "No progress or status lines (the final summary stays)");
}

int ProduceCommand::execute() {
  summary_ = Summary{};
  auto target = parse_produce_target(to_);
  if (!target.ok()) throw std::runtime_error(target.error());
  Run run;
  run.target = target.value();
  run.properties = parse_properties(kafka_properties_);
  if (kind_ == "synthetic" && !run.target.topic.empty()) {
    throw std::runtime_error(
        "synthetic writes two topics: leave the topic out of the URL and use --posts-topic / "
        "--bars-topic");
  }
  if (kind_ != "posts") {
    if (format_ != "auto" || rebase_time_ || speed_ != "max" || !resume_file_.empty()) {
      throw std::runtime_error(
          "--format, --rebase-time, --speed and --resume-file apply to `produce posts` only");
    }
  }
  run.posts_topic = run.target.topic.empty() ? posts_topic_ : run.target.topic;
  run.bars_topic = run.target.topic.empty() ? bars_topic_ : run.target.topic;
  run.count = count_;
  if (auto problem = check_option_range("--rate", rate_, 0.001, 1e7, true); !problem.empty()) {
    throw std::runtime_error(problem);
  }
  if (auto problem = check_option_range("--event-rate", event_rate_, 0.001, 1e7);
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
  if (auto problem = check_option_range("--flush-timeout", flush_timeout_s_, 0, 86400);
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
  run.flush_timeout = std::chrono::milliseconds(static_cast<int64_t>(flush_timeout_s_ * 1000));
  run.summary = &summary_;
  if (!dead_letter_path_.empty()) {
    run.dead_file = std::fopen(dead_letter_path_.c_str(), "w");
    if (run.dead_file == nullptr) {
      throw std::runtime_error(fmt::format("cannot create '{}'", dead_letter_path_));
    }
  }

  // SIGINT/SIGTERM stop the producer cleanly: it still flushes what it queued and saves its
  // resume position.
  StopSignals signals;
  if (kind_ == "posts") {
    produce_posts(run);
  } else if (kind_ == "bars") {
    produce_bars(run);
  } else if (kind_ == "synthetic") {
    produce_synthetic(run);
  } else if (kind_ == "fanout") {
    produce_fanout(run);
  } else {
    produce_alpaca(run);
  }

  const bool flushed = run.finish_sink();
  summary_.all_delivered = flushed && run.write_failures == 0 && !run.input_failed;

  std::string reasons;
  for (const auto& [reason, n] : summary_.dead_letters_by_reason) {
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", reason, n);
  }
  fmt::print(stderr, "produce: {} read, {} sent to {}, {} dead letter(s){}{}\n", summary_.read,
             summary_.sent, run.target.describe(), summary_.dead_letters,
             reasons.empty() ? "" : " (" + reasons + ")",
             run.dead_file != nullptr ? " in " + dead_letter_path_ : "");
  if (const KafkaProducer* producer = run.sink->kafka_producer()) {
    summary_.delivery = producer->counts();
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
    fmt::print(stderr, "produce: {}\n", run.sink->error());
  }
  if (!summary_.all_delivered) fmt::print(stderr, "produce: NOT everything was delivered\n");
  return summary_.all_delivered ? 0 : 1;
}

void ProduceCommand::produce_posts(Run& run) {
  PostReplayOptions options;
  options.format = parse_post_file_format(format_).value_or(PostFileFormat::kAuto);
  options.dedupe = dedupe_;
  options.rebase_time = rebase_time_;
  options.speed = parse_speed(speed_);
  options.rate = rate_;

  ReplayPosition from;
  bool resuming = false;
  if (!resume_file_.empty()) {
    if (from_ == "-") throw std::runtime_error("--resume-file needs a file in --from, not stdin");
    auto loaded = load_replay_position(resume_file_);
    if (!loaded.ok()) throw std::runtime_error(loaded.error());
    if (loaded.value()) {
      from = *loaded.value();
      resuming = true;
    }
  }
  SystemClock clock;
  PostReplay replay(options, clock);
  if (auto err = replay.open(from_, from)) throw std::runtime_error(*err);
  run.open_sink(resuming);
  if (resuming && !quiet_) {
    fmt::print(stderr, "produce: resuming {} at row {} ({} posts sent before)\n", from_, from.row,
               from.emitted);
  }

  // The position after the last record that was handed to the sink (or dead-lettered). A post
  // whose pacing wait was interrupted by a stop is not sent, so the position stays before it.
  ReplayPosition handled = replay.position();
  // Once anything was not confirmed, no later position may be saved: it would skip what failed.
  // The saved position stays at the last confirmed record and a restart repeats the rest.
  bool confirmed = true;
  auto save_position = [&]() {
    if (resume_file_.empty() || !confirmed) return;
    if (run.write_failures > 0 || !run.sink->sync(run.flush_timeout)) {
      confirmed = false;
      fmt::print(stderr,
                 "produce: output not confirmed; {} keeps the last confirmed position, a restart "
                 "repeats what came after it\n",
                 resume_file_);
      return;
    }
    if (!save_replay_position(resume_file_, handled)) {
      confirmed = false;
      fmt::print(stderr, "produce: cannot save the position to {}\n", resume_file_);
    }
  };

  Post post;
  DeadLetter letter;
  auto next_report = SteadyClock::now() + kReportEvery;
  while (run.keep_going()) {
    const ReplayStatus st = replay.next(post, letter);
    if (st == ReplayStatus::kEnd) break;
    if (st == ReplayStatus::kError) {
      fmt::print(stderr, "produce: reading {}: {}\n", from_, replay.error());
      run.input_failed = true;
      break;
    }
    if (st == ReplayStatus::kPost) {
      if (!sleep_until_due(clock, replay.due(), StopSignals::flag())) break;
      ++summary_.read;
      run.send_post(post);
    } else {
      ++summary_.read;
      run.dead_letter(letter);
    }
    handled = replay.position();
    if (const auto now = SteadyClock::now(); now >= next_report) {
      next_report = now + kReportEvery;
      save_position();
      if (!quiet_) fmt::print(stderr, "produce: {}\n", format_replay_progress(replay.progress()));
    }
  }

  run.finish_sink();
  if (!resume_file_.empty()) {
    if (!run.flushed) confirmed = false;
    // finish_sink() already synced; save without syncing a finished sink again.
    if (confirmed && run.write_failures == 0) {
      summary_.position_saved = save_replay_position(resume_file_, handled);
      if (!summary_.position_saved) {
        fmt::print(stderr, "produce: cannot save the position to {}\n", resume_file_);
        run.input_failed = true;
      } else if (!quiet_) {
        fmt::print(stderr, "produce: position saved to {} (row {}, {} posts in all)\n",
                   resume_file_, handled.row, handled.emitted);
      }
    } else {
      fmt::print(stderr, "produce: position NOT advanced past the last confirmed record in {}\n",
                 resume_file_);
    }
  }
}

void ProduceCommand::produce_bars(Run& run) {
  LineReader reader;
  if (auto err = reader.open(from_)) throw std::runtime_error(*err);
  run.open_sink(false);
  const Pacer pacer(rate_);
  BarDecoder decoder;
  Bar bar;
  DecodeError error;
  Line line;
  while (run.keep_going()) {
    const ReadStatus st = reader.next(line);
    if (st == ReadStatus::kEof) break;
    if (st == ReadStatus::kError) {
      fmt::print(stderr, "produce: reading {}: {}\n", from_, reader.error());
      run.input_failed = true;
      break;
    }
    if (!pacer.wait_for_slot(summary_.read)) break;
    ++summary_.read;
    const SourcePosition pos{PartitionId(0), line.offset};
    if (st == ReadStatus::kTooLong) {
      run.dead_letter("stock-prices", pos, DeadLetterReason::kTooLarge,
                      fmt::format("record of {} bytes is over the line limit", line.full_size),
                      line.text);
      continue;
    }
    if (!decoder.decode_into(line.padded(), pos, bar, error)) {
      run.dead_letter("stock-prices", pos, error.reason, error.detail, line.text);
      continue;
    }
    // Written back in canonical form: the reference systems' aliases resolved.
    run.value.clear();
    append_bar_json(bar, run.value);
    run.send(run.bars_topic, bar.symbol);
  }
}

void ProduceCommand::produce_synthetic(Run& run) {
  EventTime start(SystemClock().now().value());
  if (!start_.empty()) {
    auto parsed = parse_iso8601(start_);
    if (!parsed) throw std::runtime_error(fmt::format("--start: '{}' is not ISO-8601", start_));
    start = *parsed;
  }
  run.open_sink(false);
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
  const Pacer pacer(rate_);
  // A minute's bars are sent once event time has passed the minute, as a live feed would.
  int64_t next_bar_close = bo.start.value() + kMillisPerMinute;
  Post post;
  std::vector<Bar> minute;
  while (run.keep_going()) {
    if (!pacer.wait_for_slot(summary_.read)) break;
    posts.next(post);
    ++summary_.read;
    while (post.created_at.value() >= next_bar_close) {
      minute.clear();
      bars.next_minute(minute);
      for (const Bar& b : minute) run.send_bar(b);
      next_bar_close += kMillisPerMinute;
    }
    run.send_post(post);
  }
}

void ProduceCommand::produce_fanout(Run& run) {
  if (from_ == "-") throw std::runtime_error("fanout needs --from DAILY.csv");
  DailyCandleFanoutOptions options;
  options.seed = seed_;
  DailyCandleFanout fanout(options);
  if (auto err = fanout.load_csv(from_)) throw std::runtime_error(*err);
  run.open_sink(false);
  // Bad candle rows were found while loading; they are input records too.
  for (const DeadLetter& d : fanout.dead_letters()) {
    ++summary_.read;
    run.dead_letter(d);
  }
  if (!quiet_) {
    fmt::print(stderr, "produce: fanout of {} candles over {} trading days from {}\n",
               fanout.candle_count(), fanout.trading_days(), from_);
  }
  const Pacer pacer(rate_);
  std::vector<Bar> minute;
  int64_t bars = 0;
  const auto started = SteadyClock::now();
  auto next_report = started + kReportEvery;
  while (run.keep_going()) {
    minute.clear();
    if (!fanout.next_minute(minute)) break;
    // A minute's bars go out together: the rate paces whole minutes, at their first bar's slot.
    if (!pacer.wait_for_slot(bars)) break;
    for (const Bar& b : minute) {
      ++summary_.read;
      run.send_bar(b);
    }
    bars += static_cast<int64_t>(minute.size());
    if (const auto now = SteadyClock::now(); !quiet_ && now >= next_report) {
      next_report = now + kReportEvery;
      const double s = std::chrono::duration<double>(now - started).count();
      fmt::print(stderr, "produce: fanout at {} | {} bars | {:.0f} bars/s\n",
                 format_iso8601(minute.front().ts), bars, static_cast<double>(bars) / s);
    }
  }
}

void ProduceCommand::produce_alpaca(Run& run) {
  const std::vector<std::string> symbols = split_symbols(symbols_csv_);
  if (symbols.empty()) throw std::runtime_error("alpaca needs --symbols A,B,...");
  const char* key = std::getenv("ALPACA_API_KEY");
  const char* secret = std::getenv("ALPACA_API_SECRET");
  if (key == nullptr || *key == '\0' || secret == nullptr || *secret == '\0') {
    throw std::runtime_error(
        "alpaca: set ALPACA_API_KEY and ALPACA_API_SECRET in the environment (the keys are "
        "never taken from the command line)");
  }
  AlpacaStreamOptions options;
  options.url = alpaca_url_;
  options.feed = feed_ == "sip" ? AlpacaFeed::kSip : AlpacaFeed::kIex;
  options.symbols = symbols;
  // key and secret stay empty: AlpacaStream reads them from the environment itself, so they are
  // never copied into anything this command prints.
  run.open_sink(false);

  // Bars arrive on the stream's thread; the sink and the counters are shared with this thread's
  // periodic flush, hence the mutex. Bars after --count are dropped before being counted.
  std::mutex mu;
  std::atomic<bool> count_reached{false};
  AlpacaStream stream(options, [&](Bar&& bar) {
    std::lock_guard lock(mu);
    if (count_reached.load() || run.sink->broken()) return;
    ++summary_.read;
    run.send_bar(bar);
    if (count_ > 0 && summary_.read >= count_) count_reached.store(true);
  });
  std::optional<std::string> fatal;
  std::atomic<bool> finished{false};
  std::thread runner([&] {
    fatal = stream.run();
    finished.store(true);
  });

  AlpacaState last_state = AlpacaState::kIdle;
  auto next_flush = SteadyClock::now() + kReportEvery;
  bool broken = false;
  while (!stop_requested() && !count_reached.load() && !finished.load() && !broken) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const AlpacaStats stats = stream.stats();
    if (!quiet_ && stats.state != last_state) {
      fmt::print(stderr, "produce: alpaca {} ({} bars, {} reconnects){}{}\n",
                 alpaca_state_name(stats.state), stats.bars, stats.reconnects,
                 stats.last_error.empty() ? "" : ": ", stats.last_error);
      last_state = stats.state;
    }
    if (SteadyClock::now() >= next_flush) {
      // A live feed trickles: push what is buffered out every second instead of at exit.
      next_flush = SteadyClock::now() + kReportEvery;
      std::lock_guard lock(mu);
      run.sink->sync(std::chrono::milliseconds(0));
      broken = run.sink->broken();
    }
  }
  stream.stop();
  runner.join();
  const AlpacaStats stats = stream.stats();
  if (fatal) {
    fmt::print(stderr, "produce: alpaca: {}\n", *fatal);
    run.input_failed = true;
  }
  fmt::print(stderr,
             "produce: alpaca: {} bars received over {} connection(s), {} reconnect(s), {} "
             "malformed message(s)\n",
             stats.bars, stats.connections, stats.reconnects, stats.malformed);
}

}  // namespace stockpulse
