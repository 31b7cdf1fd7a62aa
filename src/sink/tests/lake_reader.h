#pragma once

#include <duckdb.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse::testing {

// What the lake tests read the lake back with.

// A DuckDB of its own, as any other reader of the lake would be: nothing shared with the writer.
class LakeReader {
 public:
  LakeReader() {
    EXPECT_EQ(duckdb_open(nullptr, &db_), DuckDBSuccess);
    EXPECT_EQ(duckdb_connect(db_, &conn_), DuckDBSuccess);
  }
  ~LakeReader() {
    duckdb_disconnect(&conn_);
    duckdb_close(&db_);
  }
  // All rows, every value as text ("NULL" for NULL).
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    duckdb_result r;
    if (duckdb_query(conn_, sql.c_str(), &r) != DuckDBSuccess) {
      ADD_FAILURE() << duckdb_result_error(&r) << " in " << sql;
      duckdb_destroy_result(&r);
      return out;
    }
    for (idx_t row = 0; row < duckdb_row_count(&r); ++row) {
      std::vector<std::string> v;
      for (idx_t col = 0; col < duckdb_column_count(&r); ++col) {
        if (duckdb_value_is_null(&r, col, row)) {
          v.push_back("NULL");
        } else {
          char* s = duckdb_value_varchar(&r, col, row);
          v.push_back(s);
          duckdb_free(s);
        }
      }
      out.push_back(std::move(v));
    }
    duckdb_destroy_result(&r);
    return out;
  }
  int64_t count(const std::string& from) {
    auto r = rows("SELECT count(*) FROM " + from);
    return r.empty() ? -1 : std::stoll(r[0][0]);
  }

 private:
  duckdb_database db_ = nullptr;
  duckdb_connection conn_ = nullptr;
};

inline std::string lake_glob(const TempDir& dir, const std::string& table) {
  return "read_parquet('" + (dir.path() / table).string() +
         "/**/*.parquet', hive_partitioning=true)";
}

// Every file under root, relative to it, temp files included (there should be none).
inline std::set<std::string> files_under(const std::filesystem::path& root) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.insert(std::filesystem::relative(e.path(), root).string());
  }
  return out;
}

// Every file of the lake: its path relative to the root, for tests that follow which folders were
// written. Fails the test on a temp file left behind.
inline std::set<std::string> parquet_files(const std::filesystem::path& root) {
  std::set<std::string> out;
  for (const auto& f : files_under(root)) {
    EXPECT_TRUE(f.ends_with(".parquet") && std::filesystem::path(f).filename().string()[0] != '.')
        << f;
    out.insert(f);
  }
  return out;
}

// The hour folders of `table` that hold a file.
inline std::set<std::string> hours_written(const std::filesystem::path& root,
                                           const std::string& table) {
  std::set<std::string> out;
  if (!std::filesystem::exists(root / table)) return out;
  for (const auto& f : files_under(root / table))
    out.insert(std::filesystem::path(f).parent_path().string());
  return out;
}

constexpr int64_t kHourMs = 3600000;
constexpr int64_t kHour0 = 1704067200000;  // 2024-01-01T00:00:00.000Z

inline std::string hour_folder(int64_t hour_index) {
  const CivilTime c = civil_from_millis(kHour0 + hour_index * kHourMs);
  char buf[64];
  std::snprintf(buf, sizeof buf, "date=%04d-%02d-%02d/hour=%02d", c.year, c.month, c.day, c.hour);
  return buf;
}

}  // namespace stockpulse::testing
