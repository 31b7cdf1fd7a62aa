#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backtest/backtest_input.h"
#include "backtest/signal_kind.h"
#include "common/result.h"

namespace stockpulse {

// A forward-return horizon: `ms` of event time ("1m", "15m", "1h"; a multiple of the window
// slide), or `days` trading days ("1d": close to close of consecutive days with prices).
struct Horizon {
  std::string label;
  int64_t ms = 0;
  int days = 0;
};

// "30s", "1m", "15m", "1h", "1d", "5d"; nullopt for anything else (0, no unit, over a year).
std::optional<Horizon> parse_horizon(std::string_view text);

struct BacktestOptions {
  std::vector<SignalKind> signals{kAllSignals.begin(), kAllSignals.end()};
  std::vector<Horizon> horizons;  // empty: 1m,5m,15m,1h,1d
  int permutations = 200;         // K shuffles per (signal, horizon, condition); 0 disables
  uint64_t seed = 1;
  double cost_bps = 5;       // charged on entry and again on exit of every trade
  double spike_ratio = 2.0;  // a post-volume spike: volume_spike >= this
  // Called after each (signal, horizon) with its index and the total, for progress output.
  std::function<void(size_t done, size_t total, const std::string& what)> progress;
};

// The measurements of one signal at one horizon, over every observation or only those at a
// post-volume spike. NaN where there is too little data (fewer than 3 observations, or an
// effective count of 2 or less for the t-statistic).
struct SignalResult {
  SignalKind signal{};
  std::string horizon;
  bool spike_only = false;
  int64_t n = 0;              // (symbol, time) pairs with a signal value and both prices
  double n_eff = 0;           // n / overlap: n divided by the horizon in slides (days for "Nd")
  double ic = 0;              // Spearman rank correlation, pooled over every symbol and time
  double ic_t = 0;            // ic * sqrt((n_eff - 2) / (1 - ic^2))
  double ic_permuted = 0;     // mean IC with the signal shuffled within each symbol
  double ic_permuted_sd = 0;  // its standard deviation over the permutations
  double ic_p = 0;            // (1 + #{|permuted IC| >= |ic|}) / (K + 1)
  int64_t positioned = 0;     // observations with a long or short position and a non-zero return
  double hit_rate = 0;        // share of those where the position's sign is the return's
  int64_t trades = 0;         // non-overlapping trades of the long/short rule
  double pnl = 0;             // sum of the trades' returns after costs (0.01 = 1%)
};

struct BacktestReport {
  std::vector<SignalResult> results;
  int64_t symbols = 0;
  int64_t step_ms = 0;
  int permutations = 0;
  uint64_t seed = 0;
  double cost_bps = 0;
  double spike_ratio = 0;
};

// Runs the backtest: for every requested signal and horizon, the observations are the pairs of a
// signal value known at t and the forward return close(t + h) / close(t) - 1 of the same symbol,
// where close(t) is the close of the market window ending at t (both must exist; daily: the last
// close of each trading day, the signal being the newest value of that day known by then). An
// error (a message for the user) when there is nothing to compute from or a horizon does not fit
// the data's grid.
Result<BacktestReport, std::string> run_backtest(const BacktestInput& input,
                                                 const BacktestOptions& options);

// The report as {"signals":[{"signal","horizon","condition","ic","ic_t","ic_permuted",
// "ic_permuted_sd","ic_p","n","n_eff","hit_rate","positioned","pnl","trades"}...], settings...};
// NaN as null.
std::string backtest_json(const BacktestReport& report);

// The report as a fixed-width text table, one line per result.
std::string backtest_table(const BacktestReport& report);

// Average ranks (1-based; ties share the mean of their positions), as Spearman's rho uses them.
std::vector<double> average_ranks(const std::vector<double>& values);
// Pearson correlation; NaN when either side is constant or there are fewer than 2 values.
double pearson(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace stockpulse
