#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace stockpulse {

// One row of a Parquet file of posts. Views point into the current DuckDB chunk and stay valid
// until the next call to next(). When the time column has a TIMESTAMP/DATE type its value comes
// as epoch milliseconds (time_is_epoch_ms); otherwise as text to be parsed.
struct ParquetPostRow {
  bool has_time = false;
  bool time_is_epoch_ms = false;
  int64_t time_ms = 0;
  std::string_view time_text;
  bool has_text = false;
  std::string_view text;
  std::string_view id;
  std::string_view user;
};

// Streams the post columns of a Parquet file through DuckDB's C API (an in-memory database, one
// thread, a streaming query fetched a chunk of about 2,048 rows at a time), so memory stays
// bounded whatever the file size. Starts at any row number (OFFSET; insertion order is kept, so
// row numbers are the file's).
//
// Lifecycle: construct, open() once, next() until kEnd or kError. Thread-safety: none.
class ParquetPostReader {
 public:
  enum class Status : uint8_t { kRow, kEnd, kError };

  ParquetPostReader();
  ~ParquetPostReader();
  ParquetPostReader(const ParquetPostReader&) = delete;
  ParquetPostReader& operator=(const ParquetPostReader&) = delete;

  // Error message when the file cannot be read or has no time or text column.
  std::optional<std::string> open(const std::string& path, int64_t start_row);
  Status next(ParquetPostRow& row);

  // Rows in the file (from its metadata).
  int64_t total_rows() const { return total_rows_; }
  const std::string& error() const { return error_; }

 private:
  struct Handles;
  std::unique_ptr<Handles> h_;
  int64_t total_rows_ = 0;
  std::string error_;
};

}  // namespace stockpulse
