#include "source/parquet_post_reader.h"

#include <duckdb.h>

#include <vector>

#include "source/post_columns.h"

namespace stockpulse {

struct ParquetPostReader::Handles {
  duckdb_database db = nullptr;
  duckdb_connection conn = nullptr;
  duckdb_prepared_statement stmt = nullptr;
  duckdb_pending_result pending = nullptr;
  duckdb_result result{};
  bool has_result = false;
  duckdb_data_chunk chunk = nullptr;
  idx_t chunk_size = 0;
  idx_t chunk_row = 0;
  bool time_is_epoch = false;

  ~Handles() {
    if (chunk != nullptr) duckdb_destroy_data_chunk(&chunk);
    if (has_result) duckdb_destroy_result(&result);
    if (pending != nullptr) duckdb_destroy_pending(&pending);
    if (stmt != nullptr) duckdb_destroy_prepare(&stmt);
    if (conn != nullptr) duckdb_disconnect(&conn);
    if (db != nullptr) duckdb_close(&db);
  }
};

namespace {

std::string sql_string(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string sql_ident(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Runs a query that must succeed; the error message otherwise.
std::optional<std::string> run(duckdb_connection conn, const std::string& sql, duckdb_result* out) {
  if (duckdb_query(conn, sql.c_str(), out) == DuckDBError) {
    std::string err = duckdb_result_error(out) ? duckdb_result_error(out) : "query failed";
    duckdb_destroy_result(out);
    return err;
  }
  return std::nullopt;
}

std::string_view string_at(duckdb_vector vec, idx_t row) {
  auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vec));
  duckdb_string_t* s = &data[row];
  return std::string_view(duckdb_string_t_data(s), duckdb_string_t_length(*s));
}

bool valid_at(duckdb_vector vec, idx_t row) {
  uint64_t* validity = duckdb_vector_get_validity(vec);
  return validity == nullptr || duckdb_validity_row_is_valid(validity, row);
}

}  // namespace

ParquetPostReader::ParquetPostReader() : h_(std::make_unique<Handles>()) {}
ParquetPostReader::~ParquetPostReader() = default;

std::optional<std::string> ParquetPostReader::open(const std::string& path, int64_t start_row) {
  char* open_error = nullptr;
  duckdb_config config = nullptr;
  duckdb_create_config(&config);
  // One thread and a modest memory cap: a replay source must not compete with the pipeline, and
  // a streaming scan needs little memory whatever the file size.
  duckdb_set_config(config, "threads", "1");
  duckdb_set_config(config, "memory_limit", "256MB");
  const bool opened = duckdb_open_ext(nullptr, &h_->db, config, &open_error) != DuckDBError;
  duckdb_destroy_config(&config);
  if (!opened) {
    std::string err = open_error ? open_error : "cannot start DuckDB";
    if (open_error) duckdb_free(open_error);
    return err;
  }
  if (duckdb_connect(h_->db, &h_->conn) == DuckDBError)
    return std::string("cannot connect to DuckDB");

  const std::string source = "read_parquet(" + sql_string(path) + ")";
  duckdb_result res;
  if (auto err = run(h_->conn, "DESCRIBE SELECT * FROM " + source, &res))
    return "cannot read " + path + ": " + *err;
  std::vector<std::string> names, types;
  for (idx_t r = 0; r < duckdb_row_count(&res); ++r) {
    char* n = duckdb_value_varchar(&res, 0, r);
    char* t = duckdb_value_varchar(&res, 1, r);
    names.emplace_back(n ? n : "");
    types.emplace_back(t ? t : "");
    duckdb_free(n);
    duckdb_free(t);
  }
  duckdb_destroy_result(&res);
  const PostColumns cols = PostColumns::from_names(names);
  if (cols.time < 0) return path + ": no created_at (or date/timestamp) column";
  if (cols.text < 0) return path + ": no text column";

  if (auto err = run(h_->conn, "SELECT count(*) FROM " + source, &res))
    return "cannot read " + path + ": " + *err;
  total_rows_ = duckdb_value_int64(&res, 0, 0);
  duckdb_destroy_result(&res);

  const std::string& time_type = types[static_cast<size_t>(cols.time)];
  h_->time_is_epoch = time_type.rfind("TIMESTAMP", 0) == 0 || time_type == "DATE";
  const std::string time_col = sql_ident(names[static_cast<size_t>(cols.time)]);
  auto as_text = [&](int c) {
    return c < 0 ? std::string("NULL::VARCHAR")
                 : "CAST(" + sql_ident(names[static_cast<size_t>(c)]) + " AS VARCHAR)";
  };
  const std::string sql =
      "SELECT " +
      (h_->time_is_epoch ? "epoch_ms(" + time_col + (time_type == "DATE" ? "::TIMESTAMP)" : ")")
                         : as_text(cols.time)) +
      ", " + as_text(cols.text) + ", " + as_text(cols.id) + ", " + as_text(cols.user) + " FROM " +
      source + (start_row > 0 ? " OFFSET " + std::to_string(start_row) : std::string());
  if (duckdb_prepare(h_->conn, sql.c_str(), &h_->stmt) == DuckDBError)
    return "cannot read " + path + ": " + duckdb_prepare_error(h_->stmt);
  if (duckdb_pending_prepared_streaming(h_->stmt, &h_->pending) == DuckDBError)
    return "cannot read " + path + ": " + duckdb_pending_error(h_->pending);
  if (duckdb_execute_pending(h_->pending, &h_->result) == DuckDBError) {
    std::string err = duckdb_result_error(&h_->result);
    duckdb_destroy_result(&h_->result);
    return "cannot read " + path + ": " + err;
  }
  h_->has_result = true;
  return std::nullopt;
}

ParquetPostReader::Status ParquetPostReader::next(ParquetPostRow& row) {
  if (!h_->has_result) return Status::kEnd;
  while (h_->chunk == nullptr || h_->chunk_row >= h_->chunk_size) {
    if (h_->chunk != nullptr) duckdb_destroy_data_chunk(&h_->chunk);
    h_->chunk = duckdb_fetch_chunk(h_->result);
    if (h_->chunk == nullptr) {
      const char* err = duckdb_result_error(&h_->result);
      if (err != nullptr) {
        error_ = err;
        return Status::kError;
      }
      return Status::kEnd;
    }
    h_->chunk_size = duckdb_data_chunk_get_size(h_->chunk);
    h_->chunk_row = 0;
  }
  const idx_t r = h_->chunk_row++;
  duckdb_vector time_vec = duckdb_data_chunk_get_vector(h_->chunk, 0);
  duckdb_vector text_vec = duckdb_data_chunk_get_vector(h_->chunk, 1);
  duckdb_vector id_vec = duckdb_data_chunk_get_vector(h_->chunk, 2);
  duckdb_vector user_vec = duckdb_data_chunk_get_vector(h_->chunk, 3);
  row.has_time = valid_at(time_vec, r);
  row.time_is_epoch_ms = h_->time_is_epoch;
  row.time_text = {};
  row.time_ms = 0;
  if (row.has_time) {
    if (h_->time_is_epoch)
      row.time_ms = static_cast<int64_t*>(duckdb_vector_get_data(time_vec))[r];
    else
      row.time_text = string_at(time_vec, r);
  }
  row.has_text = valid_at(text_vec, r);
  row.text = row.has_text ? string_at(text_vec, r) : std::string_view();
  row.id = valid_at(id_vec, r) ? string_at(id_vec, r) : std::string_view();
  row.user = valid_at(user_vec, r) ? string_at(user_vec, r) : std::string_view();
  return Status::kRow;
}

}  // namespace stockpulse
