#include "sink/duckdb_session.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace stockpulse {
namespace {

TEST(DuckDbSession, ExecuteReportsDuckDbsErrorAndTheSessionGoesOn) {
  DuckDbSession duck("test");
  EXPECT_EQ(duck.execute("CREATE TABLE t (a INTEGER, b VARCHAR)"), "");
  const std::string missing = duck.execute("INSERT INTO no_such_table VALUES (1)");
  EXPECT_NE(missing.find("no_such_table"), std::string::npos) << missing;
  const std::string syntax = duck.execute("SELEC 1");
  EXPECT_NE(syntax.find("syntax error"), std::string::npos) << syntax;
  EXPECT_EQ(duck.execute("INSERT INTO t VALUES (1, 'x'), (2, NULL)"), "");
  auto rows = duck.rows("SELECT count(*) FROM t");
  ASSERT_TRUE(rows.ok()) << rows.error();
  EXPECT_EQ(rows.value()[0][0], "2");
}

TEST(DuckDbSession, RowsAsTextWithNullsAndNamesOrTheError) {
  DuckDbSession duck("test");
  std::vector<std::string> names;
  auto rows = duck.rows("SELECT 42 AS answer, NULL AS nothing, 'a''b' AS text", &names);
  ASSERT_TRUE(rows.ok()) << rows.error();
  EXPECT_EQ(names, (std::vector<std::string>{"answer", "nothing", "text"}));
  EXPECT_EQ(rows.value(), (DuckDbSession::Rows{{"42", "NULL", "a'b"}}));

  auto bad = duck.rows("SELECT * FROM read_parquet('/nonexistent/sp-duckdb-session.parquet')");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("sp-duckdb-session.parquet"), std::string::npos) << bad.error();
}

TEST(DuckDbSession, StreamHandsOverEveryChunk) {
  DuckDbSession duck("test");
  int64_t rows = 0, sum = 0, chunks = 0;
  const std::string error =
      duck.stream("SELECT i FROM range(10000) t(i)", [&](duckdb_data_chunk c) {
        const idx_t n = duckdb_data_chunk_get_size(c);
        const auto* v =
            static_cast<const int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(c, 0)));
        for (idx_t i = 0; i < n; ++i) sum += v[i];
        rows += static_cast<int64_t>(n);
        ++chunks;
      });
  EXPECT_EQ(error, "");
  EXPECT_EQ(rows, 10000);
  EXPECT_EQ(sum, 9999 * 10000 / 2);
  EXPECT_GT(chunks, 1) << "streamed, not one result";
}

TEST(DuckDbSession, StreamReportsPrepareAndMidStreamErrors) {
  DuckDbSession duck("test");
  int calls = 0;
  const std::string prepare =
      duck.stream("SELECT * FROM no_such_table", [&](duckdb_data_chunk) { ++calls; });
  EXPECT_NE(prepare.find("no_such_table"), std::string::npos) << prepare;
  EXPECT_EQ(calls, 0);

  // Fails on a row far into the result, after chunks have been handed over: the error must not
  // look like the end of the result.
  int64_t rows = 0;
  const std::string mid = duck.stream(
      "SELECT CASE WHEN i < 9000 THEN i ELSE error('boom at ' || i) END FROM range(100000) t(i)",
      [&](duckdb_data_chunk c) { rows += static_cast<int64_t>(duckdb_data_chunk_get_size(c)); });
  EXPECT_NE(mid.find("boom at"), std::string::npos) << mid;
  EXPECT_LT(rows, 100000);
}

TEST(DuckDbSession, AnExceptionFromTheCallbackPropagatesAndTheSessionStaysUsable) {
  DuckDbSession duck("test");
  EXPECT_THROW(
      {
        (void)duck.stream("SELECT i FROM range(10000) t(i)",
                          [](duckdb_data_chunk) { throw std::runtime_error("stop"); });
      },
      std::runtime_error);
  auto rows = duck.rows("SELECT sum(i) FROM range(10) t(i)");
  ASSERT_TRUE(rows.ok()) << rows.error();
  EXPECT_EQ(rows.value()[0][0], "45");
}

}  // namespace
}  // namespace stockpulse
