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

// `stockpulse generate`: writes synthetic posts and bars as JSON lines (the bus contracts).
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
  std::string watch_csv_;
  int64_t max_record_bytes_ = 1 << 20;
};

// `stockpulse eval`: accuracy, macro-F1 and ROC AUC of each scorer on a labelled CSV.
class EvalCommand {
 public:
  explicit EvalCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  std::string labels_;
  bool no_emoji_ = false;
};

std::vector<std::string> split_csv_list(const std::string& s);

}  // namespace stockpulse
