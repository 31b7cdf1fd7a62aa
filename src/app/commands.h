#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/config_flags.h"

namespace stockpulse {

// Each command registers its subcommand and flags on construction; execute() runs it after
// parsing and returns the process exit code (0 ok, 1 failed run, 2 usage or start-up error).

// `stockpulse run`: the embedded pipeline (synthetic sources, or files with --posts/--bars).
class RunCommand {
 public:
  explicit RunCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  Config resolve() const;
  CLI::App* cmd_;
  std::string config_file_;
  ConfigFlags flags_;
  std::string symbols_csv_;
  bool no_emoji_ = false;
  bool no_dashboard_ = false;
  CLI::Option* listen_opt_ = nullptr;
};

// `stockpulse generate`: writes synthetic posts (JSON lines or a tweet-data-set CSV) and bars
// (minute bars as JSON lines, or daily candles as CSV), dense or shaped like real data sets.
class GenerateCommand {
 public:
  explicit GenerateCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  int64_t posts_ = 100000;
  std::string posts_out_ = "posts.jsonl";
  std::string bars_out_ = "bars.jsonl";
  uint64_t seed_ = 42;
  std::string symbols_csv_;
  double posts_per_second_ = 50;
  std::string start_ = "2024-05-01T13:30:00Z";
  // Data-set shapes (issue #14): a preset, and the orthogonal settings it stands for.
  std::string shape_ = "dense";
  double posts_per_day_ = 0;
  double span_days_ = 0;
  int64_t cashtags_ = 0;
  double zipf_ = 0.8;
  double burst_factor_ = 1;
  double retweets_ = 0;
  double multiline_ = 0;
  double shuffle_ = 0;
  int64_t shuffle_window_ = 10000;
  std::string posts_format_;
  std::string bar_layout_;
  CLI::Option* posts_opt_ = nullptr;
};

// `stockpulse score`: sentiment of one text, or of JSON lines on stdin.
class ScoreCommand {
 public:
  explicit ScoreCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  std::string text_;
  bool jsonl_ = false;
  std::string scorer_ = "vader";
  bool no_emoji_ = false;
  std::string lexicon_;
  std::string model_;
  std::string watch_csv_;
  int64_t max_record_bytes_ = 1 << 20;
};

// `stockpulse eval`: accuracy, macro-F1 and ROC AUC (95% bootstrap intervals) of every scorer on
// every labelled CSV given (default: the repository's data/eval/ sets).
class EvalCommand {
 public:
  explicit EvalCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  std::vector<std::string> labels_;
  std::string model_;
  int bootstrap_ = 1000;
  bool no_emoji_ = false;
};

// `stockpulse train`: trains the learned finance model on labelled CSVs and writes a model file.
class TrainCommand {
 public:
  explicit TrainCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  std::vector<std::string> labels_;
  std::string out_;
  uint32_t bits_ = 18;
  int epochs_ = 12;
  double learning_rate_ = 0.2;
  double l2_ = 1e-4;
  uint64_t seed_ = 17;
  bool quiet_ = false;
};

std::vector<std::string> split_csv_list(const std::string& s);

}  // namespace stockpulse
