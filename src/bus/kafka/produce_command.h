#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bus/kafka/kafka_producer.h"

namespace stockpulse {

// `stockpulse produce posts|bars|synthetic --to TARGET`: writes the bus contracts of DESIGN.md
// §3 to Kafka (keyed by symbol: a post by its first cashtag, a bar by its symbol), to stdout or to
// a file.
//   posts, bars   JSON lines from --from (a file, or "-" for stdin), each decoded and validated
//                 with PostDecoder / BarDecoder and written back in the canonical form; a record
//                 that fails becomes a dead letter (counted by reason, optionally written to
//                 --dead-letter) and the producer goes on.
//   synthetic     the synthetic generators: posts, and one bar per symbol per minute of event
//                 time, to the posts and bars topics.
// On exit (end of input, --count reached, SIGINT/SIGTERM) it flushes and prints a summary on
// stderr. Exit code 0 when every record that was sent was delivered, 1 when anything was not
// (delivery failures, write errors); usage errors throw (main turns them into exit code 2).
//
// Lifecycle: construct on the CLI::App before parsing; execute() once if selected().
// Thread-safety: none.
class ProduceCommand {
 public:
  explicit ProduceCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

  // What the last execute() did, for tests and callers that embed the command.
  struct Summary {
    int64_t read = 0;          // input records (or generated ones)
    int64_t sent = 0;          // handed to the target
    int64_t dead_letters = 0;  // rejected by validation
    std::map<std::string, int64_t> dead_letters_by_reason;
    DeliveryCounts delivery;  // Kafka only
    bool all_delivered = false;
  };
  const Summary& summary() const { return summary_; }

 private:
  CLI::App* cmd_;
  std::string kind_;
  std::string to_;
  std::string from_ = "-";
  int64_t count_ = 0;
  uint64_t seed_ = 42;
  double rate_ = 0;
  double event_rate_ = 50;
  std::string start_;
  std::string symbols_csv_;
  std::string posts_topic_ = "tweets";
  std::string bars_topic_ = "stock-prices";
  std::string dead_letter_path_;
  std::vector<std::string> kafka_properties_;
  double flush_timeout_s_ = 60;
  bool quiet_ = false;
  Summary summary_;
};

}  // namespace stockpulse
