#pragma once

#include <duckdb.h>

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace stockpulse {

// A private in-memory DuckDB and one connection to it: what the lake writer, `lake compact` /
// `lake sql` and `backfill` run their SQL on. Errors carry DuckDB's own message; the caller adds
// what it was doing.
//
// Lifecycle: the constructor opens and connects, throwing std::runtime_error (prefixed with
// `who`) if it cannot; the destructor disconnects and closes.
// Thread-safety: not thread-safe; one thread at a time.
class DuckDbSession {
 public:
  using Rows = std::vector<std::vector<std::string>>;

  explicit DuckDbSession(const std::string& who);
  ~DuckDbSession();
  DuckDbSession(const DuckDbSession&) = delete;
  DuckDbSession& operator=(const DuckDbSession&) = delete;

  // Runs one or more statements and drops their results. Empty on success, the error otherwise.
  [[nodiscard]] std::string execute(const std::string& sql);

  // The result's rows, every value as text ("NULL" for NULL); column names into *names if given.
  Result<Rows, std::string> rows(const std::string& sql, std::vector<std::string>* names = nullptr);

  // Prepares one statement and streams its result, handing each chunk to on_chunk (the chunk is
  // destroyed after the call), so a large result is never held at once. Empty on success, the
  // error (of preparing, executing or fetching) otherwise. An exception thrown by on_chunk
  // propagates after the result is released; the session stays usable.
  [[nodiscard]] std::string stream(const std::string& sql,
                                   const std::function<void(duckdb_data_chunk)>& on_chunk);

  // For the C API calls not wrapped here (appenders, table functions).
  duckdb_connection connection() const { return conn_; }

 private:
  duckdb_database db_ = nullptr;
  duckdb_connection conn_ = nullptr;
};

// s as an SQL string literal: in single quotes, each ' doubled (file paths and globs in
// read_parquet() and COPY ... TO).
std::string sql_quote(const std::string& s);

}  // namespace stockpulse
