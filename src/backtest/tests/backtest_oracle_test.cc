// The backtest against an independent computation: seeded fixtures written through the SQLite
// serving store, the library's JSON compared with pandas (backtest_oracle.py) to 1e-6, and the
// answers the fixtures were built to have: a predictive signal is clearly positive with a large
// t, a noise signal sits inside its permutation band.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "backtest/backtest.h"
#include "backtest/backtest_source.h"
#include "backtest/tests/fixture_store.h"
#include "common/testing/run_command.h"

namespace stockpulse {
namespace {

class BacktestOracle : public ::testing::TestWithParam<bool> {
 protected:
  // Writes the fixture, runs the backtest over the store, writes the JSON.
  BacktestReport backtest(const std::filesystem::path& dir) {
    const auto db = (dir / "serving.db").string();
    backtest_fixture::write_store(db, GetParam() ? 20240501 : 777, GetParam());
    auto rows = read_backtest_rows(db, 10'000'000);
    EXPECT_TRUE(rows.ok()) << rows.error();
    BacktestOptions options;
    for (const char* h : {"1m", "5m", "15m", "1h", "1d"})
      options.horizons.push_back(*parse_horizon(h));
    options.permutations = 200;
    auto report = run_backtest(build_backtest_input(std::move(rows.value()), {}), options);
    EXPECT_TRUE(report.ok()) << report.error();
    std::ofstream(dir / "backtest.json") << backtest_json(report.value());
    return report.value();
  }
};

const SignalResult& find(const BacktestReport& r, SignalKind s, const std::string& h,
                         bool spike = false) {
  for (const auto& x : r.results) {
    if (x.signal == s && x.horizon == h && x.spike_only == spike) return x;
  }
  throw std::runtime_error("no result");
}

TEST_P(BacktestOracle, MatchesPandasAndHasTheBuiltInAnswer) {
  const auto dir = std::filesystem::path(STOCKPULSE_BINARY_DIR) / "test-scratch" /
                   ("backtest_oracle-" + std::string(GetParam() ? "predictive" : "noise") + "-" +
                    std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const BacktestReport report = backtest(dir);
  std::fputs(backtest_table(report).c_str(), stdout);

  const testing::CommandResult check =
      testing::run_command(std::string(PYTHON3_EXECUTABLE) + " " + STOCKPULSE_SOURCE_DIR +
                           "/src/backtest/tests/backtest_oracle.py " +
                           (dir / "serving.db").string() + " " + (dir / "backtest.json").string());
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find(" 0 problems"), std::string::npos) << check.output;

  const SignalResult& one = find(report, SignalKind::kAvgSentiment, "1m");
  EXPECT_GT(one.n, 6 * 3 * 300);
  // The permutation band: the IC a shuffled signal reaches.
  const double band = 3 * one.ic_permuted_sd;
  EXPECT_LT(std::abs(one.ic_permuted), one.ic_permuted_sd);
  EXPECT_GT(one.ic_permuted_sd, 0);
  if (GetParam()) {
    EXPECT_GT(one.ic, 0.5);
    EXPECT_GT(one.ic_t, 20);
    EXPECT_GT(one.ic, band);
    EXPECT_LT(one.ic_p, 0.01);
    EXPECT_GT(one.hit_rate, 0.6);
    // Before costs the rule earns; a one-minute edge of a few bps does not pay 2 x 5 bps a trade.
    EXPECT_GT(one.pnl + double(one.trades) * 2 * 5e-4, 0);
    // Longer horizons carry the same one-minute edge diluted by later noise.
    EXPECT_LT(find(report, SignalKind::kAvgSentiment, "15m").ic, one.ic);
    EXPECT_GT(find(report, SignalKind::kAvgSentiment, "5m").ic_t, 3);
  } else {
    EXPECT_LT(std::abs(one.ic), band);
    EXPECT_GT(one.ic_p, 0.003);
    EXPECT_LT(std::abs(one.ic_t), 3.5);
    EXPECT_NEAR(one.hit_rate, 0.5, 0.05);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BacktestOracle, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "Predictive" : "Noise"; });

}  // namespace
}  // namespace stockpulse
