#include "sink/lake_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "sink/lake_writer.h"
#include "sink/tests/sink_test_data.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;
using testing::make_post;
using testing::make_sentiment_window;

constexpr int64_t kT0 = 1714573805123;  // 2024-05-01T14:30:05.123Z

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string sql(const std::string& root, const std::string& q) {
  std::ostringstream out, err;
  EXPECT_EQ(lake_sql(root, q, out, err), 0) << err.str();
  return out.str();
}

class LakeCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (dir_.path() / "lake").string();
    // Every post its own file: the small-file problem compaction exists for.
    LakeOptions o;
    o.root = root_;
    o.roll_bytes = 1;
    LakeWriter w(o);
    std::vector<ScoredPost> posts;
    for (int i = 0; i < 6; ++i)
      posts.push_back(make_post("p" + std::to_string(i), kT0, 0.1, {}, 0, i));
    for (int i = 0; i < 3; ++i) {
      posts.push_back(make_post("q" + std::to_string(i), kT0, 0.1, {}, 1, 100 + i));
    }
    w.append_posts(posts);
    // Windows in two files, one window in both (a re-emission after a crash).
    std::vector<SentimentWindowRow> a = {make_sentiment_window("AAPL", kT0, kT0 + 60000, 3, 0.1),
                                         make_sentiment_window("MSFT", kT0, kT0 + 60000, 2, 0.2)};
    w.append_sentiment_windows(a);
    w.close();
    std::vector<SentimentWindowRow> b = {make_sentiment_window("AAPL", kT0, kT0 + 60000, 3, 0.1)};
    w.append_sentiment_windows(b);
    w.close();
  }
  testing::TempDir dir_;
  std::string root_;
  const fs::path hour_ = "tweets/date=2024-05-01/hour=14";
};

TEST_F(LakeCommandTest, CompactsClosedHoursPerPartitionAndDeduplicatesWindows) {
  ASSERT_EQ(files_in(fs::path(root_) / hour_).size(), 9u);
  const std::string before =
      sql(root_, "SELECT id, \"partition\", \"offset\" FROM tweets ORDER BY id");
  SimulatedClock clock(kT0 + 24 * 3600 * 1000LL);
  LakeCompactOptions o;
  o.clock = &clock;
  std::ostringstream out, err;
  ASSERT_EQ(lake_compact(root_, o, out, err), 0) << err.str();
  // One file per input partition, still named by its offset range.
  EXPECT_EQ(files_in(fs::path(root_) / hour_),
            (std::vector<std::string>{"part-p0-0-5.parquet", "part-p1-100-102.parquet"}));
  EXPECT_EQ(sql(root_, "SELECT id, \"partition\", \"offset\" FROM tweets ORDER BY id"), before);
  const fs::path wdir = fs::path(root_) / "topic_sentiment_avg/date=2024-05-01/hour=14";
  EXPECT_EQ(files_in(wdir),
            (std::vector<std::string>{
                "part-w20240501T143005.123Z-20240501T143105.123Z-compact.parquet"}));
  EXPECT_EQ(sql(root_, "SELECT symbol, tweet_count FROM topic_sentiment_avg ORDER BY symbol"),
            "symbol\ttweet_count\nAAPL\t3\nMSFT\t2\n");

  // Again: nothing left to merge, nothing changes.
  std::ostringstream out2, err2;
  ASSERT_EQ(lake_compact(root_, o, out2, err2), 0) << err2.str();
  EXPECT_NE(out2.str().find("nothing to compact"), std::string::npos) << out2.str();
  EXPECT_EQ(files_in(fs::path(root_) / hour_).size(), 2u);

  // A LakeWriter restarted over the compacted lake still skips what is archived.
  LakeOptions lo;
  lo.root = root_;
  LakeWriter w(lo);
  std::vector<ScoredPost> again = {make_post("p3", kT0, 0.1, {}, 0, 3)};
  w.append_posts(again);
  w.close();
  EXPECT_EQ(w.rows_skipped(), 1u);
}

TEST_F(LakeCommandTest, LeavesOpenHoursAlone) {
  SimulatedClock clock(kT0 + 10 * 60 * 1000);  // 14:40, the hour is still open
  LakeCompactOptions o;
  o.clock = &clock;
  std::ostringstream out, err;
  ASSERT_EQ(lake_compact(root_, o, out, err), 0) << err.str();
  EXPECT_EQ(files_in(fs::path(root_) / hour_).size(), 9u);
}

TEST_F(LakeCommandTest, SqlQueriesTablesWithHivePartitions) {
  EXPECT_EQ(sql(root_, "SELECT count(*) AS n, min(hour) AS h, min(date)::VARCHAR AS d FROM tweets"),
            "n\th\td\n9\t14\t2024-05-01\n");
  std::ostringstream out, err;
  EXPECT_EQ(lake_sql(root_, "SELECT nope FROM tweets", out, err), 1);
  EXPECT_NE(err.str().find("nope"), std::string::npos) << err.str();
  EXPECT_EQ(lake_sql((dir_.path() / "missing").string(), "SELECT 1", out, err), 1);
}

TEST(LakeCommandCli, RegistersCompactAndSql) {
  CLI::App app;
  LakeCommand cmd(app);
  testing::TempDir dir;
  const std::string root = (dir.path() / "lake").string();
  fs::create_directories(root);
  std::vector<std::string> args = {"sql", "--lake", root, "SELECT 42 AS x"};
  std::vector<const char*> argv = {"stockpulse", "lake"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(cmd.selected());
  EXPECT_EQ(cmd.execute(), 0);
}

}  // namespace
}  // namespace stockpulse
