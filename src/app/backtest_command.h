#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace stockpulse {

// `stockpulse backtest`: do the signals say anything about forward returns? A thin layer over
// src/backtest: reads the final windows, indicators and Fear & Greed rows of a serving store
// (SQLite or ClickHouse) or the window tables of a Parquet lake (--lake), runs run_backtest(),
// prints the table on stdout and writes --json FILE. Progress goes to stderr unless --quiet.
//
// Exit codes: 0 done; 1 the data cannot answer (empty store, no prices, a horizon off the
// windows' grid); 2 usage errors (unknown signal or horizon).
// Lifecycle: construct before parsing (registers the subcommand), execute() after.
// Thread-safety: none needed (CLI thread).
class BacktestCommand {
 public:
  explicit BacktestCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  std::string store_ = "sqlite:stockpulse-data/serving.db";
  std::string lake_;
  std::string signals_;
  std::string horizons_ = "1m,5m,15m,1h,1d";
  std::string json_;
  double cost_bps_ = 5;
  int permutations_ = 200;
  uint64_t seed_ = 1;
  double spike_ratio_ = 2;
  int spike_lookback_ = 30;
  int64_t max_rows_ = 50'000'000;
  bool quiet_ = false;
};

}  // namespace stockpulse
