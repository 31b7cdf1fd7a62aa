#include "app/backtest_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/commands.h"
#include "backtest/backtest.h"
#include "backtest/backtest_source.h"
#include "sink/clickhouse_client.h"

namespace stockpulse {

BacktestCommand::BacktestCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "backtest",
      "Does a signal say anything about forward returns? Spearman IC (pooled over symbols), its "
      "t-statistic (effective n for overlapping horizons), a within-symbol permutation baseline, "
      "hit rate and a long/short P&L with costs, per signal and horizon, also at post-volume "
      "spikes only.");
  cmd_->add_option("--store", store_,
                   "Serving store: sqlite:PATH, a bare PATH or clickhouse://HOST:PORT/DB")
      ->capture_default_str();
  cmd_->add_option("--lake", lake_,
                   "Read the Parquet lake's window tables in this folder instead of a store "
                   "(no RSI or Fear & Greed there)");
  cmd_->add_option("--signals", signals_,
                   "Comma-separated: avg_sentiment, bullish_share, sentiment_change, "
                   "volume_spike, trend_signal, fear_greed, rsi_14 [all]");
  cmd_->add_option("--horizons", horizons_,
                   "Comma-separated forward-return horizons: Ns, Nm, Nh (multiples of the "
                   "window slide) or Nd (trading days, close to close)")
      ->capture_default_str();
  cmd_->add_option("--cost-bps", cost_bps_, "Cost per trade side in basis points")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 10000.0));
  cmd_->add_option("--permutations", permutations_,
                   "Shuffles of the signal within each symbol for the baseline (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  cmd_->add_option("--seed", seed_, "Seed of the permutations")->capture_default_str();
  cmd_->add_option("--spike-ratio", spike_ratio_,
                   "A post-volume spike: tweet_count at least this many times the trailing mean")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1000.0));
  cmd_->add_option("--spike-lookback", spike_lookback_,
                   "Slides in the trailing mean of the post-volume spike")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd_->add_option("--json", json_, "Also write the results as JSON to this file");
  cmd_->add_option("--max-rows", max_rows_, "Refuse inputs of more rows than this")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000'000}));
  cmd_->add_flag("-q,--quiet", quiet_, "No progress output");
}

int BacktestCommand::execute() {
  BacktestOptions options;
  if (!signals_.empty()) {
    options.signals.clear();
    for (const auto& name : split_csv_list(signals_)) {
      const auto s = parse_signal(name);
      if (!s) {
        fmt::print(stderr,
                   "stockpulse backtest: unknown signal '{}' (known: avg_sentiment, "
                   "bullish_share, sentiment_change, volume_spike, trend_signal, fear_greed, "
                   "rsi_14)\n",
                   name);
        return 2;
      }
      options.signals.push_back(*s);
    }
  }
  for (const auto& text : split_csv_list(horizons_)) {
    const auto h = parse_horizon(text);
    if (!h) {
      fmt::print(stderr,
                 "stockpulse backtest: unknown horizon '{}' (a count and a unit: 30s, 1m, 15m, "
                 "1h, 1d)\n",
                 text);
      return 2;
    }
    options.horizons.push_back(*h);
  }
  if (options.signals.empty() || options.horizons.empty()) {
    fmt::print(stderr, "stockpulse backtest: no signals or no horizons given\n");
    return 2;
  }
  options.permutations = permutations_;
  options.seed = seed_;
  options.cost_bps = cost_bps_;
  options.spike_ratio = spike_ratio_;
  if (!quiet_) {
    options.progress = [](size_t done, size_t total, const std::string& what) {
      fmt::print(stderr, "stockpulse backtest: {}/{} {}\n", done, total, what);
    };
  }

  const std::string source = lake_.empty() ? store_ : "lake:" + lake_;
  const auto started = std::chrono::steady_clock::now();
  auto rows = read_backtest_rows(source, size_t(max_rows_));
  if (!rows.ok()) {
    fmt::print(stderr, "stockpulse backtest: {}\n", rows.error());
    return 1;
  }
  const size_t count = rows.value().size();
  const BacktestInput input = build_backtest_input(std::move(rows.value()),
                                                   InputOptions{.spike_lookback = spike_lookback_});
  if (!quiet_) {
    fmt::print(stderr, "stockpulse backtest: {} rows of {} symbols read from {} in {:.1f} s\n",
               count, input.symbols.size(), mask_url_password(source),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  auto report = run_backtest(input, options);
  if (!report.ok()) {
    fmt::print(stderr, "stockpulse backtest: {}\n", report.error());
    return 1;
  }
  std::fputs(backtest_table(report.value()).c_str(), stdout);
  if (!json_.empty()) {
    // Written next to its final name and renamed, so a server reading it never sees half a file.
    const std::filesystem::path out(json_);
    const std::filesystem::path tmp = out.string() + ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f << backtest_json(report.value());
      if (!f.flush()) {
        fmt::print(stderr, "stockpulse backtest: cannot write {}\n", tmp.string());
        return 1;
      }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, out, ec);
    if (ec) {
      fmt::print(stderr, "stockpulse backtest: cannot write {}: {}\n", json_, ec.message());
      return 1;
    }
  }
  return 0;
}

}  // namespace stockpulse
