// End-to-end tests of `stockpulse run` in file mode: the real binary on generated data, checked by
// independent computations (pandas for the windows, hyparquet for the lake) and across runs.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <unistd.h>

#include <map>
#include <set>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

class FileMode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Per process: CTest runs the tests of this suite in parallel processes.
    dir_ = scratch("file_mode-" + std::to_string(::getpid()));
    const auto r =
        run(binary() + " generate --posts 20000 --seed 11 --posts-per-second 20 " + "--posts-out " +
            (dir_ / "posts.jsonl").string() + " --bars-out " + (dir_ / "bars.jsonl").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  static CommandResult process(const std::string& out, const std::string& extra = "") {
    return run(binary() + " run --posts " + (dir_ / "posts.jsonl").string() + " --bars " +
               (dir_ / "bars.jsonl").string() + " --until-eof --quiet --output-dir " +
               (dir_ / out).string() + " " + extra);
  }

  static std::filesystem::path dir_;
};
std::filesystem::path FileMode::dir_;

TEST_F(FileMode, WindowsMatchAnIndependentComputation) {
  const auto r = process("a");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0 dead letters"), std::string::npos) << r.output;
  const auto check =
      run(python() + " " + STOCKPULSE_SOURCE_DIR + "/tests/e2e/check_windows.py " +
          (dir_ / "a/serving.db").string() + " " + (dir_ / "bars.jsonl").string() + " 300 60");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find(" 0 problems"), std::string::npos) << check.output;
}

TEST_F(FileMode, LakeIsReadableByAnIndependentReaderWithEveryRow) {
  const auto r = process("lake");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lake = run(std::string("STOCKPULSE_NODE_MODULES=") + STOCKPULSE_SOURCE_DIR +
                        "/.deps/node/node_modules node " + STOCKPULSE_SOURCE_DIR +
                        "/tests/e2e/lake_rows.mjs " + (dir_ / "lake/lake").string());
  ASSERT_EQ(lake.exit_code, 0) << lake.output;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(lake.output).get(doc), simdjson::SUCCESS) << lake.output;
  const size_t posts = count_lines(dir_ / "posts.jsonl");
  const size_t bars = count_lines(dir_ / "bars.jsonl");
  EXPECT_EQ(uint64_t(doc["tweets"]["rows"]), posts);
  EXPECT_EQ(uint64_t(doc["market_data"]["rows"]), bars);
  EXPECT_GT(uint64_t(doc["topic_sentiment_avg"]["rows"]), 0u);
  EXPECT_GT(uint64_t(doc["stock_trends"]["rows"]), 0u);
  for (const char* table : {"tweets", "market_data", "topic_sentiment_avg", "stock_trends"}) {
    EXPECT_TRUE(bool(doc[table]["partitions_ok"])) << table;
    for (auto codec : doc[table]["codecs"].get_array()) {
      EXPECT_EQ(std::string_view(codec), "ZSTD") << table;
    }
  }
}

// The same input gives the same serving tables, row for row: results can be compared across runs.
TEST_F(FileMode, TwoRunsGiveIdenticalTables) {
  ASSERT_EQ(process("r1", "--lake none --workers 2").exit_code, 0);
  ASSERT_EQ(process("r2", "--lake none --workers 1 --batch-size 333").exit_code, 0);
  for (const char* q :
       {"SELECT * FROM topic_sentiment_avg WHERE is_final = 1 ORDER BY 1, 2, 3",
        "SELECT * FROM stock_trends WHERE is_final = 1 ORDER BY 1, 2, 3",
        "SELECT symbol, created_at, id, compound, ticker_compound FROM tweets ORDER BY 1, 2, 3",
        "SELECT * FROM market_data ORDER BY 1, 2"}) {
    const auto a =
        run(std::string("sqlite3 ") + (dir_ / "r1/serving.db").string() + " '" + q + "'");
    const auto b =
        run(std::string("sqlite3 ") + (dir_ / "r2/serving.db").string() + " '" + q + "'");
    ASSERT_EQ(a.exit_code, 0) << a.output;
    EXPECT_GT(a.output.size(), 100u) << q;
    EXPECT_TRUE(a.output == b.output) << "tables differ for: " << q;
  }
}

}  // namespace
}  // namespace stockpulse::e2e
