#pragma once

#include <cstddef>
#include <string>

#include "backtest/backtest_input.h"
#include "common/result.h"

namespace stockpulse {

// Where a backtest reads its rows from.
//   "sqlite:PATH", "sqlite://PATH" or a bare PATH   a serving store written by `run` (SQLite);
//   "clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DB" a ClickHouse serving store (credentials also
//                                                   from CLICKHOUSE_USER / CLICKHOUSE_PASSWORD);
//   "lake:DIR"                                      the Parquet lake's window tables, read with
//                                                   DuckDB (long histories). The lake holds no
//                                                   indicators or Fear & Greed rows: those two
//                                                   signals are empty there.
// Only final window rows are read. More than `max_rows` rows in all is an error (the bound on
// what an outside store can make this process hold).
//
// Returns the rows, or a message naming the source (never a password) when it cannot be read.
Result<BacktestRows, std::string> read_backtest_rows(const std::string& source, size_t max_rows);

}  // namespace stockpulse
