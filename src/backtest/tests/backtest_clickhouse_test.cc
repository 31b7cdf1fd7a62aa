// The backtest over a ClickHouse serving store (a real clickhouse-server started by the test)
// equals the backtest over a SQLite store holding the same rows, figure for figure.
#include <gtest/gtest.h>

#include "backtest/backtest.h"
#include "backtest/backtest_source.h"
#include "backtest/tests/fixture_store.h"
#include "sink/clickhouse_serving_store.h"
#include "sink/tests/clickhouse_suite.h"

namespace stockpulse {
namespace {

class BacktestClickHouse : public testing::ClickHouseSuite {};

std::string report_json(const std::string& source, size_t* rows_read) {
  auto rows = read_backtest_rows(source, 10'000'000);
  EXPECT_TRUE(rows.ok()) << rows.error();
  if (!rows.ok()) return "";
  *rows_read = rows.value().size();
  BacktestOptions options;
  for (const char* h : {"1m", "15m", "1d"}) options.horizons.push_back(*parse_horizon(h));
  options.permutations = 50;
  auto report = run_backtest(build_backtest_input(std::move(rows.value()), {}), options);
  EXPECT_TRUE(report.ok()) << report.error();
  return report.ok() ? backtest_json(report.value()) : "";
}

TEST_F(BacktestClickHouse, SameFiguresAsSqlite) {
  backtest_fixture::Shape shape;
  shape.symbols = 3;
  shape.minutes_per_day = 120;
  const std::string sqlite = (dir_->path() / "serving.db").string();
  backtest_fixture::write_store(sqlite, 99, true, shape);
  {
    ClickHouseOptions o = ClickHouseOptions::from_url(server_->url("sp_backtest"));
    o.request_timeout_ms = 20000;
    ClickHouseServingStore store(o);
    backtest_fixture::write_rows(store, 99, true, shape);
  }
  size_t from_sqlite = 0, from_clickhouse = 0;
  const std::string a = report_json(sqlite, &from_sqlite);
  const std::string b = report_json(server_->url("sp_backtest"), &from_clickhouse);
  EXPECT_GT(from_sqlite, 3u * 3 * 120 * 3);
  EXPECT_EQ(from_clickhouse, from_sqlite);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("\"signal\":\"rsi_14\""), std::string::npos);

  auto down = read_backtest_rows("clickhouse://127.0.0.1:1/nothing", 100);
  ASSERT_FALSE(down.ok());
  EXPECT_NE(down.error().find("127.0.0.1:1"), std::string::npos) << down.error();
}

}  // namespace
}  // namespace stockpulse
