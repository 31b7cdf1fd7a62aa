#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "sink/tests/clickhouse_server.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse::testing {

// Base of the test fixtures that need a real clickhouse-server: one server per test suite,
// started on free ports of 127.0.0.1 in SetUpTestSuite. If it cannot start, every test fails
// with the reason (never skips). Fixtures that set up more call ClickHouseSuite::SetUp() first.
class ClickHouseSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ClickHouseServer(dir_->path() / "clickhouse");
    start_error_ = server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    server_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(start_error_.has_value()) << "cannot start clickhouse-server: " << *start_error_;
  }

  static inline TempDir* dir_ = nullptr;
  static inline ClickHouseServer* server_ = nullptr;
  static inline std::optional<std::string> start_error_;
};

}  // namespace stockpulse::testing
