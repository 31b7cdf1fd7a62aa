#include "backtest/backtest_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "backtest/tests/fixture_store.h"

namespace stockpulse {
namespace {

std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::path(STOCKPULSE_BINARY_DIR) / "test-scratch" /
                   ("backtest_source-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(BacktestSource, ReadsFinalRowsOfASqliteStore) {
  const auto dir = scratch("sqlite");
  const auto db = (dir / "serving.db").string();
  backtest_fixture::Shape shape;
  shape.symbols = 2;
  shape.days = 1;
  shape.minutes_per_day = 30;
  shape.drop_sentiment = 0;
  backtest_fixture::write_store(db, 7, true, shape);
  for (const std::string& url : {db, "sqlite:" + db, "sqlite://" + db}) {
    auto rows = read_backtest_rows(url, 1'000'000);
    ASSERT_TRUE(rows.ok()) << rows.error();
    // 2 symbols x 30 minutes; the open windows after the close and the "*" rows are not read.
    EXPECT_EQ(rows.value().market.size(), 60u);
    EXPECT_EQ(rows.value().sentiment.size(), 60u);
    for (const auto& m : rows.value().market) EXPECT_LT(m.close, 1e9);
    for (const auto& s : rows.value().sentiment) EXPECT_NE(s.symbol, "*");
    // RSI is NaN (NULL) for the first 14 minutes of each symbol.
    EXPECT_EQ(rows.value().rsi.size(), 2u * 16);
    EXPECT_EQ(rows.value().fear_greed.size(), 60u);
  }
  auto capped = read_backtest_rows(db, 100);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.error().find("more than 100 rows"), std::string::npos) << capped.error();
}

TEST(BacktestSource, ClearErrors) {
  const auto dir = scratch("errors");
  auto missing = read_backtest_rows((dir / "nope.db").string(), 100);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("no such file"), std::string::npos) << missing.error();

  const auto empty = (dir / "empty.db").string();
  { SqliteServingStore store(empty); }
  auto e = read_backtest_rows(empty, 100);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().find("empty store"), std::string::npos) << e.error();

  const auto text = dir / "text.db";
  std::ofstream(text) << "not a database\n";
  EXPECT_FALSE(read_backtest_rows(text.string(), 100).ok());

  auto lake = read_backtest_rows("lake:" + dir.string(), 100);
  ASSERT_FALSE(lake.ok());
  EXPECT_NE(lake.error().find("not a stockpulse lake"), std::string::npos) << lake.error();
}

}  // namespace
}  // namespace stockpulse
