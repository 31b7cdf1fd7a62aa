// `stockpulse backtest` on a dataset replay: `run` over a generated multi-day dataset (market
// hours only), then the backtest over its SQLite store and over its Parquet lake. The store's
// JSON is recomputed by pandas (src/backtest/tests/backtest_oracle.py); the lake, holding the
// same final windows, gives the same figures for the signals it has; errors are clear.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <string>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

class Backtest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = scratch("backtest-" + std::to_string(::getpid()));
    auto r = run(binary() + " generate --span-days 8 --posts-per-day 10000 --bar-layout " +
                 "market-hours --seed 17 --posts-out " + (dir_ / "posts.jsonl").string() +
                 " --bars-out " + (dir_ / "bars.jsonl").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run(binary() + " run --posts " + (dir_ / "posts.jsonl").string() + " --bars " +
            (dir_ / "bars.jsonl").string() + " --until-eof --quiet --no-dashboard --output-dir " +
            (dir_ / "out").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static std::string db() { return (dir_ / "out" / "serving.db").string(); }
  static std::filesystem::path dir_;
};
std::filesystem::path Backtest::dir_;

using Rows = std::map<std::string, std::pair<int64_t, double>>;  // key -> (n, ic)

Rows rows_of(const std::string& json, const std::set<std::string>& signals) {
  Rows out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  for (auto row : doc["signals"].get_array()) {
    const std::string signal{std::string_view(row["signal"])};
    if (!signals.contains(signal)) continue;
    double ic = -2;
    if (!row["ic"].is_null()) ic = double(row["ic"]);
    out[signal + " " + std::string(std::string_view(row["horizon"])) + " " +
        std::string(std::string_view(row["condition"]))] = {int64_t(row["n"]), ic};
  }
  return out;
}

TEST_F(Backtest, StoreMatchesPandasAndTheLakeAgrees) {
  const auto json = dir_ / "store.json";
  const auto r = run(binary() + " backtest --store sqlite:" + db() + " --json " + json.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::printf("%s\n", r.output.c_str());  // the table (and progress) in the test log
  EXPECT_NE(r.output.find("avg_sentiment"), std::string::npos);
  EXPECT_NE(r.output.find("stockpulse backtest: 35/35"), std::string::npos) << r.output;
  const auto check = run(python() + " " + STOCKPULSE_SOURCE_DIR +
                         "/src/backtest/tests/backtest_oracle.py " + db() + " " + json.string());
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find(" 0 problems"), std::string::npos) << check.output;

  const auto lake_json = dir_ / "lake.json";
  const auto l = run(binary() + " backtest --quiet --lake " + (dir_ / "out" / "lake").string() +
                     " --json " + lake_json.string());
  ASSERT_EQ(l.exit_code, 0) << l.output;
  const std::set<std::string> in_both = {"avg_sentiment", "bullish_share", "sentiment_change",
                                         "volume_spike", "trend_signal"};
  const Rows store = rows_of(slurp(json), in_both);
  const Rows lake = rows_of(slurp(lake_json), in_both);
  ASSERT_EQ(store.size(), 5u * 5 + 4u * 5);
  int64_t daily = 0;
  for (const auto& [key, v] : store) {
    ASSERT_TRUE(lake.contains(key)) << key;
    EXPECT_EQ(lake.at(key).first, v.first) << key;
    EXPECT_NEAR(lake.at(key).second, v.second, 1e-9) << key;
    if (key.starts_with("avg_sentiment 1d all")) daily = v.first;
  }
  // Every symbol trades every day of the bars: one close-to-close return per pair of days.
  std::set<std::string> dates;
  std::ifstream bars(dir_ / "bars.jsonl");
  for (std::string line; std::getline(bars, line);) {
    const auto at = line.find("\"timestamp\":\"");
    if (at != std::string::npos) dates.insert(line.substr(at + 13, 10));
  }
  ASSERT_GE(dates.size(), 5u);
  EXPECT_EQ(daily, 12 * int64_t(dates.size() - 1));
}

TEST_F(Backtest, ClearErrors) {
  auto r = run(binary() + " backtest --store " + db() + " --signals avg_sentiment,moon");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown signal 'moon'"), std::string::npos) << r.output;
  r = run(binary() + " backtest --store " + db() + " --horizons 1m,2x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown horizon '2x'"), std::string::npos) << r.output;
  r = run(binary() + " backtest --store " + db() + " --horizons 90s");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("not a multiple"), std::string::npos) << r.output;
  r = run(binary() + " backtest --store " + (dir_ / "missing.db").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no such file"), std::string::npos) << r.output;
  // A store with posts but no bars: windows of sentiment only, nothing to compute returns from.
  const auto posts_only = dir_ / "posts-only";
  ASSERT_EQ(
      run(binary() + " run --posts " + (dir_ / "posts.jsonl").string() +
          " --until-eof --quiet --no-dashboard --lake none --output-dir " + posts_only.string())
          .exit_code,
      0);
  r = run(binary() + " backtest --store " + (posts_only / "serving.db").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no prices"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace stockpulse::e2e
