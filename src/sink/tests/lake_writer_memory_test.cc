// The lake writer's memory over thousands of hours open at once (issue #14): a slow suite, one
// Parquet file per (table, hour) makes it write some 12,000 files.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sink/lake_writer.h"
#include "sink/tests/lake_reader.h"
#include "sink/tests/sink_test_data.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse {
namespace {

using testing::hours_written;
using testing::kHour0;
using testing::kHourMs;
using testing::lake_glob;
using testing::LakeReader;
using testing::make_bar;
using testing::make_market_window;
using testing::make_post;
using testing::make_sentiment_window;
using testing::parquet_files;
using testing::TempDir;

// Thousands of hours (a sparse multi-year replay): posts, bars and windows of 3,000 hours, posts
// in time order, windows an hour behind, bars of another stream in no time order at all, under a
// 2 MiB budget that binds before the open-staging cap. The writer never holds more than the
// budget or the cap, and every row is in the lake exactly once, in valid Parquet files.
TEST(LakeWriter, ThousandsOfOpenHoursStayWithinTheBudgetAndEveryRowIsWrittenOnce) {
  TempDir dir;
  constexpr uint64_t kBudget = 2 << 20;
  constexpr size_t kMaxOpen = 1000;
  constexpr int kHours = 3000;
  LakeWriter lake(LakeOptions{
      .root = dir.path().string(), .memory_bytes = kBudget, .max_open_stagings = kMaxOpen});
  uint64_t worst_memory = 0;
  size_t worst_open = 0;
  auto check = [&] {
    worst_memory = std::max(worst_memory, lake.memory_bytes());
    worst_open = std::max(worst_open, lake.open_stagings());
  };
  int64_t post_offset = 0, bar_offset = 0;
  std::vector<ScoredPost> posts;
  std::vector<Bar> bars;
  std::vector<SentimentWindowRow> sentiment;
  std::vector<MarketWindowRow> market;
  for (int h = 0; h < kHours; ++h) {
    const int64_t t = kHour0 + h * kHourMs;
    posts.clear();
    for (int i = 0; i < 3; ++i, ++post_offset) {
      posts.push_back(make_post("p" + std::to_string(post_offset), t + i * 600000, 0.2,
                                {{"AAPL", 0.3}}, 0, post_offset));
      posts.back().post.text = "post " + std::to_string(post_offset) + " about $AAPL, long enough";
    }
    lake.append_posts(posts);
    check();
    bars.clear();
    const int64_t bar_hour = h * 7919 % kHours;  // every hour once, scattered
    for (const char* symbol : {"AAPL", "NVDA"}) {
      bars.push_back(make_bar(symbol, kHour0 + bar_hour * kHourMs + 1800000, 100, 1, bar_offset++));
    }
    lake.append_bars(bars);
    check();
    if (h > 0) {  // windows become final an hour later
      const int64_t w = t - kHourMs;
      sentiment = {make_sentiment_window("AAPL", w, w + 300000, 3, 0.3),
                   make_sentiment_window("*", w, w + 300000, 3, 0.2)};
      lake.append_sentiment_windows(sentiment);
      check();
      market = {make_market_window("AAPL", w, w + 300000, 100, TrendSignal::kNeutral)};
      lake.append_market_windows(market);
      check();
    }
    if (h % 500 == 0) lake.maybe_roll();  // triggers never roll young stagings
    check();
  }
  lake.close();
  ASSERT_EQ(lake.write_errors(), 0u) << lake.last_error();
  EXPECT_LE(worst_memory, kBudget);
  EXPECT_LE(lake.peak_memory_bytes(), kBudget) << "not even between two rows";
  EXPECT_LE(worst_open, kMaxOpen);
  EXPECT_GT(worst_open, 100u) << "the budget, not the cap, bounded the stagings";
  EXPECT_GE(lake.early_writes(), 4u * kHours - 2 - worst_open) << "hours written as they aged";
  EXPECT_EQ(lake.open_stagings(), 0u);
  EXPECT_EQ(lake.staged_bytes(), 0u);

  // Every file is valid Parquet, and every row is there once.
  const auto files = parquet_files(dir.path());
  EXPECT_EQ(files.size(), lake.files_written());
  EXPECT_EQ(hours_written(dir.path(), "tweets").size(), static_cast<size_t>(kHours));
  LakeReader reader;
  EXPECT_EQ(reader.count("(SELECT DISTINCT file_name FROM parquet_metadata('" +
                         dir.path().string() + "/**/*.parquet'))"),
            static_cast<int64_t>(files.size()));
  auto tweets = reader.rows(
      "SELECT count(*), count(DISTINCT id), count(DISTINCT \"offset\"), "
      "min(\"offset\"), max(\"offset\"), count(*) FILTER (hour <> "
      "hour(created_at)) FROM " +
      lake_glob(dir, "tweets"));
  const std::string n_posts = std::to_string(3 * kHours);
  EXPECT_EQ(tweets[0], (std::vector<std::string>{n_posts, n_posts, n_posts, "0",
                                                 std::to_string(3 * kHours - 1), "0"}));
  auto ids = reader.rows("SELECT count(*) FROM " + lake_glob(dir, "tweets") +
                         " WHERE id <> 'p' || \"offset\" OR text NOT LIKE 'post ' || \"offset\" "
                         "|| ' about%'");
  EXPECT_EQ(ids[0][0], "0") << "each row keeps its own values";
  auto bars_back = reader.rows("SELECT count(*), count(DISTINCT \"offset\") FROM " +
                               lake_glob(dir, "market_data"));
  EXPECT_EQ(bars_back[0],
            (std::vector<std::string>{std::to_string(2 * kHours), std::to_string(2 * kHours)}));
  auto windows = reader.rows("SELECT count(*), count(DISTINCT (symbol, window_start)) FROM " +
                             lake_glob(dir, "topic_sentiment_avg"));
  EXPECT_EQ(windows[0], (std::vector<std::string>{std::to_string(2 * (kHours - 1)),
                                                  std::to_string(2 * (kHours - 1))}));
  EXPECT_EQ(reader.count(lake_glob(dir, "stock_trends")), kHours - 1);
}

}  // namespace
}  // namespace stockpulse
