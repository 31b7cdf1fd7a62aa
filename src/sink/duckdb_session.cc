#include "sink/duckdb_session.h"

#include <stdexcept>

namespace stockpulse {

namespace {

std::string error_or_unknown(const char* e) {
  return e && *e ? std::string(e) : std::string("unknown DuckDB error");
}

// Destroys a result however the scope is left.
struct ResultGuard {
  duckdb_result* r;
  ~ResultGuard() { duckdb_destroy_result(r); }
};

}  // namespace

DuckDbSession::DuckDbSession(const std::string& who) {
  if (duckdb_open(nullptr, &db_) != DuckDBSuccess) {
    throw std::runtime_error(who + ": cannot open an in-memory DuckDB");
  }
  if (duckdb_connect(db_, &conn_) != DuckDBSuccess) {
    duckdb_close(&db_);
    throw std::runtime_error(who + ": cannot connect to the in-memory DuckDB");
  }
}

DuckDbSession::~DuckDbSession() {
  duckdb_disconnect(&conn_);
  duckdb_close(&db_);
}

std::string DuckDbSession::execute(const std::string& sql) {
  duckdb_result r;
  const bool ok = duckdb_query(conn_, sql.c_str(), &r) == DuckDBSuccess;
  ResultGuard guard{&r};
  return ok ? std::string() : error_or_unknown(duckdb_result_error(&r));
}

Result<DuckDbSession::Rows, std::string> DuckDbSession::rows(const std::string& sql,
                                                             std::vector<std::string>* names) {
  duckdb_result r;
  const bool ok = duckdb_query(conn_, sql.c_str(), &r) == DuckDBSuccess;
  ResultGuard guard{&r};
  if (!ok) return Err{error_or_unknown(duckdb_result_error(&r))};
  const idx_t cols = duckdb_column_count(&r);
  if (names) {
    for (idx_t c = 0; c < cols; ++c) names->emplace_back(duckdb_column_name(&r, c));
  }
  Rows out;
  const idx_t n = duckdb_row_count(&r);
  out.reserve(n);
  for (idx_t i = 0; i < n; ++i) {
    std::vector<std::string> row;
    row.reserve(cols);
    for (idx_t c = 0; c < cols; ++c) {
      if (duckdb_value_is_null(&r, c, i)) {
        row.emplace_back("NULL");
      } else {
        char* v = duckdb_value_varchar(&r, c, i);
        row.emplace_back(v ? v : "");
        duckdb_free(v);
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string DuckDbSession::stream(const std::string& sql,
                                  const std::function<void(duckdb_data_chunk)>& on_chunk) {
  duckdb_prepared_statement stmt = nullptr;
  if (duckdb_prepare(conn_, sql.c_str(), &stmt) != DuckDBSuccess) {
    std::string msg = error_or_unknown(duckdb_prepare_error(stmt));
    duckdb_destroy_prepare(&stmt);
    return msg;
  }
  duckdb_pending_result pending = nullptr;
  if (duckdb_pending_prepared_streaming(stmt, &pending) != DuckDBSuccess) {
    std::string msg = error_or_unknown(duckdb_pending_error(pending));
    duckdb_destroy_pending(&pending);
    duckdb_destroy_prepare(&stmt);
    return msg;
  }
  duckdb_result result;
  const bool ok = duckdb_execute_pending(pending, &result) == DuckDBSuccess;
  duckdb_destroy_pending(&pending);
  duckdb_destroy_prepare(&stmt);
  ResultGuard guard{&result};
  if (!ok) return error_or_unknown(duckdb_result_error(&result));
  while (duckdb_data_chunk chunk = duckdb_fetch_chunk(result)) {
    struct ChunkGuard {
      duckdb_data_chunk& c;
      ~ChunkGuard() { duckdb_destroy_data_chunk(&c); }
    } chunk_guard{chunk};
    if (duckdb_data_chunk_get_size(chunk) == 0) break;
    on_chunk(chunk);
  }
  // A chunk that fails to arrive ends the loop like the end of the result: tell them apart.
  const char* e = duckdb_result_error(&result);
  return e && *e ? std::string(e) : std::string();
}

std::string sql_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace stockpulse
