#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bus/kafka/kafka_producer.h"

namespace stockpulse {

// `stockpulse produce KIND --to TARGET`: writes the bus contracts of docs/design.md §3 to Kafka (a
// post keyed by its first cashtag, a bar by its symbol), to stdout or to a file.
//   posts      the tweet dataset through PostReplay: CSV, JSON lines (contract lines included) or
//              Parquet from --from, optionally rebased to now and paced (--speed, --rate),
//              resumable (--resume-file), with a progress line on stderr.
//   bars       contract JSON lines from --from, decoded and validated with BarDecoder.
//   synthetic  the synthetic generators: posts, and one bar per symbol per minute of event time.
//   fanout     daily OHLCV candles (--from CSV) fanned out by DailyCandleFanout to minute bars,
//              every symbol of a minute together.
//   alpaca     live minute bars of --symbols from Alpaca's market-data stream (AlpacaStream); keys
//              only from ALPACA_API_KEY / ALPACA_API_SECRET.
// Every record is validated against the contract before it is sent; one that fails becomes a
// dead letter (counted by reason, optionally written to --dead-letter) and the producer goes on.
// On exit (end of input, --count reached, SIGINT/SIGTERM) it flushes and prints a summary on
// stderr. Exit code 0 when every record that was sent was delivered, 1 when anything was not
// (delivery failures, write or read errors, a fatal Alpaca error); usage errors throw (main turns
// them into exit code 2).
//
// Lifecycle: construct on the CLI::App before parsing; execute() once if selected().
// Thread-safety: none. execute() installs SIGINT/SIGTERM handlers for its duration.
class ProduceCommand {
 public:
  explicit ProduceCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

  // What the last execute() did, for tests and callers that embed the command.
  struct Summary {
    int64_t read = 0;          // input records (rows, lines, generated or received records)
    int64_t sent = 0;          // handed to the target
    int64_t dead_letters = 0;  // rejected by validation
    std::map<std::string, int64_t> dead_letters_by_reason;
    DeliveryCounts delivery;  // Kafka only
    bool all_delivered = false;
    bool position_saved = false;  // posts with --resume-file: the final position was saved
  };
  const Summary& summary() const { return summary_; }

 private:
  struct Run;  // the state of one execute(), defined in the .cc file

  void produce_posts(Run& run);
  void produce_bars(Run& run);
  void produce_synthetic(Run& run);
  void produce_fanout(Run& run);
  void produce_alpaca(Run& run);

  CLI::App* cmd_;
  std::string kind_;
  std::string to_;
  std::string from_ = "-";
  std::string format_ = "auto";
  bool dedupe_ = true;
  bool rebase_time_ = false;
  std::string speed_ = "max";
  std::string resume_file_;
  int64_t count_ = 0;
  uint64_t seed_ = 42;
  double rate_ = 0;
  double event_rate_ = 50;
  std::string start_;
  std::string symbols_csv_;
  std::string feed_ = "iex";
  std::string alpaca_url_;
  std::string posts_topic_ = "tweets";
  std::string bars_topic_ = "stock-prices";
  std::string dead_letter_path_;
  std::vector<std::string> kafka_properties_;
  double flush_timeout_s_ = 60;
  bool quiet_ = false;
  Summary summary_;
};

}  // namespace stockpulse
