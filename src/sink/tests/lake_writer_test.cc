#include "sink/lake_writer.h"

#include <duckdb.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "sink/tests/lake_reader.h"
#include "sink/tests/sink_test_data.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;
using testing::files_under;
using testing::hour_folder;
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

// 2024-05-01T14:30:05.123Z, computed independently (Python datetime).
constexpr int64_t kT0 = 1714573805123;
constexpr int64_t kHour15 = 1714575600000;  // 2024-05-01T15:00:00.000Z

std::vector<ScoredPost> posts_0_to(int n, int64_t start_ms, int64_t step_ms) {
  std::vector<ScoredPost> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(make_post("p" + std::to_string(i), start_ms + i * step_ms, 0.1 * (i % 10),
                            {{"AAPL", 0.2}}, 0, i));
  }
  return out;
}

TEST(LakeWriter, PostsLandInTheirEventHourFolderAndReadBackWithValues) {
  TempDir dir;
  SimulatedClock clock(0);
  LakeWriter lake(LakeOptions{.root = dir.path().string(), .clock = &clock});
  std::vector<ScoredPost> posts = {
      make_post("a", kT0, 0.3, {{"NVDA", 0.7}, {"INTC", -0.6}}, 3, 100),
      make_post("b", kHour15 - 1, -0.5, {}, 3, 101),
      make_post("c", kHour15, 0.0, {{"TSLA", 0.0}}, 3, 102),
  };
  lake.append_posts(posts);
  EXPECT_EQ(lake.files_written(), 0u) << "nothing is written before a roll";
  lake.close();
  EXPECT_EQ(lake.files_written(), 2u);
  EXPECT_EQ(lake.rows_written(), 3u);
  EXPECT_EQ(lake.write_errors(), 0u) << lake.last_error();

  EXPECT_EQ(files_under(dir.path()),
            (std::set<std::string>{"tweets/date=2024-05-01/hour=14/part-p3-100-101.parquet",
                                   "tweets/date=2024-05-01/hour=15/part-p3-102-102.parquet"}));

  LakeReader reader;
  auto rows = reader.rows(
      "SELECT id, created_at, text, \"user\", source, compound, pos, neu, neg, label, tickers, "
      "ticker_scores, \"partition\", \"offset\", CAST(date AS VARCHAR), hour FROM " +
      lake_glob(dir, "tweets") + " ORDER BY id");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{
                         "a", "2024-05-01 14:30:05.123", "text of a", "user_a", "test", "0.3",
                         "0.25", "0.5", "0.25", "bullish", "NVDA,INTC",
                         "{\"NVDA\":0.7,\"INTC\":-0.6}", "3", "100", "2024-05-01", "14"}));
  EXPECT_EQ(rows[1][1], "2024-05-01 14:59:59.999");
  EXPECT_EQ(rows[1][9], "bearish");
  EXPECT_EQ(rows[1][10], "");
  EXPECT_EQ(rows[1][11], "{}");
  EXPECT_EQ(rows[2][1], "2024-05-01 15:00:00");
  EXPECT_EQ(rows[2][15], "15");
}

TEST(LakeWriter, FilesAreZstdCompressed) {
  TempDir dir;
  LakeWriter lake(LakeOptions{.root = dir.path().string()});
  auto posts = posts_0_to(50, kT0, 1000);
  lake.append_posts(posts);
  std::vector<Bar> bars = {make_bar("AAPL", kT0, 10, 0, 0)};
  lake.append_bars(bars);
  lake.close();

  LakeReader reader;
  for (const char* table : {"tweets", "market_data"}) {
    auto codecs = reader.rows("SELECT DISTINCT compression FROM parquet_metadata('" +
                              (dir.path() / table).string() + "/**/*.parquet')");
    ASSERT_EQ(codecs.size(), 1u) << table;
    EXPECT_EQ(codecs[0][0], "ZSTD") << table;
  }
}

TEST(LakeWriter, BarsAndWindowsReadBackFromTheirTables) {
  TempDir dir;
  LakeWriter lake(LakeOptions{.root = dir.path().string()});
  Bar no_vwap = make_bar("MSFT", kT0, 400, 1, 7);
  no_vwap.vwap = std::nan("");
  no_vwap.trade_count = -1;
  std::vector<Bar> bars = {make_bar("AAPL", kT0, 10, 1, 6), no_vwap};
  lake.append_bars(bars);
  std::vector<SentimentWindowRow> sw = {make_sentiment_window("AAPL", kT0, kT0 + 300000, 10, 0.2),
                                        make_sentiment_window("*", kT0, kT0 + 300000, 30, 0.1)};
  lake.append_sentiment_windows(sw);
  std::vector<MarketWindowRow> mw = {
      make_market_window("AAPL", kT0, kT0 + 300000, 10, TrendSignal::kBearish)};
  lake.append_market_windows(mw);
  lake.close();
  EXPECT_EQ(lake.rows_written(), 5u);
  EXPECT_EQ(lake.files_written(), 3u);

  EXPECT_EQ(
      files_under(dir.path()),
      (std::set<std::string>{"market_data/date=2024-05-01/hour=14/part-p1-6-7.parquet",
                             "topic_sentiment_avg/date=2024-05-01/hour=14/"
                             "part-w20240501T143005.123Z-20240501T143505.123Z-0000.parquet",
                             "stock_trends/date=2024-05-01/hour=14/"
                             "part-w20240501T143005.123Z-20240501T143505.123Z-0000.parquet"}));

  LakeReader reader;
  auto bars_back = reader.rows("SELECT symbol, ts, close, vwap, trade_count, \"offset\" FROM " +
                               lake_glob(dir, "market_data") + " ORDER BY symbol");
  ASSERT_EQ(bars_back.size(), 2u);
  EXPECT_EQ(bars_back[0], (std::vector<std::string>{"AAPL", "2024-05-01 14:30:05.123", "10.0",
                                                    "9.5", "42", "6"}));
  EXPECT_EQ(bars_back[1][3], "NULL");
  EXPECT_EQ(bars_back[1][4], "NULL");

  auto sw_back = reader.rows(
      "SELECT symbol, window_start, window_end, tweet_count, sentiment_score_avg, "
      "bullish_count, histogram[1], histogram[20], len(histogram) FROM " +
      lake_glob(dir, "topic_sentiment_avg") + " ORDER BY symbol");
  ASSERT_EQ(sw_back.size(), 2u);
  EXPECT_EQ(sw_back[1],
            (std::vector<std::string>{"AAPL", "2024-05-01 14:30:05.123", "2024-05-01 14:35:05.123",
                                      "10", "0.2", "5", "1", "9", "20"}));

  auto mw_back = reader.rows("SELECT symbol, avg_close, volatility, avg_vwap, trend_signal FROM " +
                             lake_glob(dir, "stock_trends"));
  ASSERT_EQ(mw_back.size(), 1u);
  EXPECT_EQ(mw_back[0], (std::vector<std::string>{"AAPL", "10.0", "1.5", "NULL", "BEARISH"}));
}

TEST(LakeWriter, SameInputTwiceGivesTheSameFilesAndNoDuplicateRows) {
  TempDir dir;
  auto posts = posts_0_to(200, kT0, 30000);  // spans 14:30 .. 16:09, three hour folders
  std::vector<SentimentWindowRow> windows;
  for (int i = 0; i < 10; ++i) {
    windows.push_back(
        make_sentiment_window("AAPL", kT0 + i * 60000, kT0 + i * 60000 + 300000, i + 1, 0.1));
  }
  std::set<std::string> first_files;
  {
    LakeWriter lake(LakeOptions{.root = dir.path().string()});
    lake.append_posts(posts);
    lake.append_sentiment_windows(windows);
    lake.close();
    EXPECT_EQ(lake.rows_written(), 210u);
    first_files = files_under(dir.path());
  }
  {
    LakeWriter lake(LakeOptions{.root = dir.path().string()});
    lake.append_posts(posts);
    lake.append_sentiment_windows(windows);
    lake.close();
    EXPECT_EQ(lake.rows_skipped(), 200u) << "posts already archived are skipped";
    EXPECT_EQ(files_under(dir.path()), first_files);
  }
  EXPECT_EQ(first_files.size(), 4u);
  LakeReader reader;
  EXPECT_EQ(reader.count(lake_glob(dir, "tweets")), 200);
  EXPECT_EQ(reader.count("(SELECT DISTINCT id FROM " + lake_glob(dir, "tweets") + ")"), 200);
  EXPECT_EQ(reader.count(lake_glob(dir, "topic_sentiment_avg")), 10);
}

TEST(LakeWriter, RestartAfterAPartialRunWritesOnlyTheRest) {
  TempDir dir;
  auto posts = posts_0_to(100, kT0, 1000);  // all in hour 14
  {
    LakeWriter lake(LakeOptions{.root = dir.path().string()});
    lake.append_posts(std::span(posts).first(60));
    lake.close();
  }
  {
    // The restarted pipeline re-reads from an older committed offset.
    LakeWriter lake(LakeOptions{.root = dir.path().string()});
    lake.append_posts(std::span(posts).subspan(20));
    lake.close();
    EXPECT_EQ(lake.rows_skipped(), 40u);
    EXPECT_EQ(lake.rows_written(), 40u);
  }
  EXPECT_EQ(files_under(dir.path()),
            (std::set<std::string>{"tweets/date=2024-05-01/hour=14/part-p0-0-59.parquet",
                                   "tweets/date=2024-05-01/hour=14/part-p0-60-99.parquet"}));
  LakeReader reader;
  auto r = reader.rows(
      "SELECT count(*), count(DISTINCT \"offset\"), min(\"offset\"), "
      "max(\"offset\") FROM " +
      lake_glob(dir, "tweets"));
  EXPECT_EQ(r[0], (std::vector<std::string>{"100", "100", "0", "99"}));
}

TEST(LakeWriter, RollsBySizeIntoContiguousOffsetRanges) {
  TempDir dir;
  LakeWriter lake(LakeOptions{.root = dir.path().string(), .roll_bytes = 4096});
  auto posts = posts_0_to(300, kT0, 1000);  // all in hour 14, ~170 estimated bytes each
  for (size_t i = 0; i < posts.size(); i += 10) lake.append_posts(std::span(posts).subspan(i, 10));
  EXPECT_GT(lake.files_written(), 5u) << "size alone must roll files";
  lake.close();
  EXPECT_EQ(lake.rows_written(), 300u);

  // The files' offset ranges tile 0..299 with no gap and no overlap.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (const auto& f : files_under(dir.path())) {
    int64_t a = 0, b = 0;
    ASSERT_EQ(std::sscanf(fs::path(f).filename().c_str(), "part-p0-%ld-%ld.parquet", &a, &b), 2)
        << f;
    ranges.emplace_back(a, b);
  }
  std::sort(ranges.begin(), ranges.end());
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front().first, 0);
  EXPECT_EQ(ranges.back().second, 299);
  for (size_t i = 1; i < ranges.size(); ++i) EXPECT_EQ(ranges[i].first, ranges[i - 1].second + 1);

  LakeReader reader;
  EXPECT_EQ(reader.count(lake_glob(dir, "tweets")), 300);
}

TEST(LakeWriter, RollsByAgeOnlyWhenTheStagingIsOldEnough) {
  TempDir dir;
  SimulatedClock clock(1'000'000);
  LakeWriter lake(LakeOptions{.root = dir.path().string(), .roll_age_ms = 60000, .clock = &clock});
  auto posts = posts_0_to(20, kT0, 1000);
  lake.append_posts(std::span(posts).first(10));
  clock.advance(59999);
  lake.maybe_roll();
  EXPECT_EQ(lake.files_written(), 0u);
  clock.advance(1);
  lake.maybe_roll();
  EXPECT_EQ(lake.files_written(), 1u);
  EXPECT_EQ(lake.staged_bytes(), 0u);

  lake.append_posts(std::span(posts).subspan(10));  // a new staging, opened now
  clock.advance(30000);
  lake.maybe_roll();
  EXPECT_EQ(lake.files_written(), 1u) << "the new staging is only 30 s old";
  lake.maybe_roll();
  lake.maybe_roll();
  EXPECT_EQ(lake.files_written(), 1u) << "many triggers must not make many files";
  lake.close();
  EXPECT_EQ(lake.files_written(), 2u);
  EXPECT_EQ(files_under(dir.path()),
            (std::set<std::string>{"tweets/date=2024-05-01/hour=14/part-p0-0-9.parquet",
                                   "tweets/date=2024-05-01/hour=14/part-p0-10-19.parquet"}));
}

// The lake's schema is a contract with its readers (backfill, `lake sql`, Spark): every table's
// columns, in order, with their Parquet types, ZSTD on every column chunk, the row group size.
TEST(LakeWriter, FilesKeepTheLakeSchema) {
  TempDir dir;
  LakeWriter lake(LakeOptions{.root = dir.path().string(), .row_group_size = 2048});
  auto posts = posts_0_to(5000, kT0, 100);
  lake.append_posts(posts);
  std::vector<Bar> bars = {make_bar("AAPL", kT0, 10, 0, 0)};
  lake.append_bars(bars);
  std::vector<SentimentWindowRow> sw = {make_sentiment_window("AAPL", kT0, kT0 + 300000, 10, 0.2)};
  lake.append_sentiment_windows(sw);
  std::vector<MarketWindowRow> mw = {
      make_market_window("AAPL", kT0, kT0 + 300000, 10, TrendSignal::kBullish)};
  lake.append_market_windows(mw);
  lake.close();
  ASSERT_EQ(lake.write_errors(), 0u) << lake.last_error();

  LakeReader reader;
  auto schema = [&](const std::string& table) {
    std::string out;
    for (const auto& r : reader.rows("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                                     "read_parquet('" +
                                     (dir.path() / table).string() +
                                     "/**/*.parquet', hive_partitioning = false))")) {
      out += r[0] + " " + r[1] + ", ";
    }
    return out;
  };
  EXPECT_EQ(schema("tweets"),
            "id VARCHAR, created_at TIMESTAMP, text VARCHAR, user VARCHAR, source VARCHAR, "
            "compound DOUBLE, pos DOUBLE, neu DOUBLE, neg DOUBLE, label VARCHAR, tickers VARCHAR, "
            "ticker_scores VARCHAR, partition INTEGER, offset BIGINT, ");
  EXPECT_EQ(schema("market_data"),
            "symbol VARCHAR, ts TIMESTAMP, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, "
            "volume DOUBLE, vwap DOUBLE, trade_count BIGINT, partition INTEGER, offset BIGINT, ");
  EXPECT_EQ(schema("topic_sentiment_avg"),
            "symbol VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP, tweet_count BIGINT, "
            "sentiment_score_avg DOUBLE, sentiment_score_min DOUBLE, sentiment_score_max DOUBLE, "
            "sentiment_score_stddev DOUBLE, bullish_count BIGINT, bearish_count BIGINT, "
            "neutral_count BIGINT, bullish_share DOUBLE, histogram BIGINT[], ");
  EXPECT_EQ(schema("stock_trends"),
            "symbol VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP, bar_count BIGINT, "
            "open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, total_volume DOUBLE, "
            "avg_close DOUBLE, max_close DOUBLE, min_close DOUBLE, volatility DOUBLE, "
            "avg_volume DOUBLE, avg_vwap DOUBLE, vwap_deviation_pct DOUBLE, buy_pressure DOUBLE, "
            "avg_pct_change DOUBLE, price_range DOUBLE, trend_signal VARCHAR, ");
  // 5000 posts in row groups of 2048, in offset order.
  const std::string tweets = "'" + (dir.path() / "tweets").string() + "/**/*.parquet'";
  auto groups = reader.rows(
      "SELECT row_group_id, row_group_num_rows, count(*), "
      "count(*) FILTER (compression = 'ZSTD') FROM parquet_metadata(" +
      tweets + ") GROUP BY ALL ORDER BY 1");
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0], (std::vector<std::string>{"0", "2048", "14", "14"}));
  EXPECT_EQ(groups[1], (std::vector<std::string>{"1", "2048", "14", "14"}));
  EXPECT_EQ(groups[2], (std::vector<std::string>{"2", "904", "14", "14"}));
  // No dictionaries by default (LakeOptions::parquet_dictionary): a column with more than one
  // distinct value is PLAIN-encoded.
  auto dictionaries = reader.rows(
      "SELECT string_agg(DISTINCT path_in_schema, ',' ORDER BY path_in_schema) FROM "
      "parquet_metadata(" +
      tweets +
      ") WHERE encodings LIKE '%DICTIONARY%' AND path_in_schema IN ('id', 'text', 'user', "
      "'created_at', 'compound', 'label', 'offset')");
  EXPECT_EQ(dictionaries[0][0], "NULL");
  // Rows stay in append order: the file's row number is the offset.
  auto order = reader.rows(
      "SELECT count(*), count(*) FILTER (\"offset\" <> file_row_number) FROM read_parquet(" +
      tweets + ", file_row_number = true)");
  EXPECT_EQ(order[0], (std::vector<std::string>{"5000", "0"}));
}

TEST(LakeWriter, AFailedWriteKeepsTheRowsForTheNextRoll) {
  TempDir dir;
  LakeWriter lake(LakeOptions{.root = dir.path().string()});
  // A file where the date folder must go: the write fails like a full or broken disk.
  fs::create_directories(dir.path() / "tweets");
  {
    std::FILE* f = std::fopen((dir.path() / "tweets" / "date=2024-05-01").c_str(), "w");
    std::fclose(f);
  }
  auto posts = posts_0_to(10, kT0, 1000);
  lake.append_posts(posts);
  lake.close();
  EXPECT_EQ(lake.files_written(), 0u);
  EXPECT_EQ(lake.write_errors(), 1u);
  EXPECT_NE(lake.last_error().find("date=2024-05-01"), std::string::npos) << lake.last_error();
  EXPECT_GT(lake.staged_bytes(), 0u) << "the rows stay staged";

  fs::remove(dir.path() / "tweets" / "date=2024-05-01");
  lake.close();
  EXPECT_EQ(lake.files_written(), 1u);
  EXPECT_EQ(lake.rows_written(), 10u);
  EXPECT_EQ(lake.staged_bytes(), 0u);
  LakeReader reader;
  auto r = reader.rows("SELECT count(*), count(DISTINCT id) FROM " + lake_glob(dir, "tweets"));
  EXPECT_EQ(r[0], (std::vector<std::string>{"10", "10"}));
}

TEST(LakeWriter, TextOfAnyLengthReadsBackAndInvalidUtf8IsReplaced) {
  TempDir dir;
  LakeWriter lake(LakeOptions{.root = dir.path().string()});
  const std::string big(300000, 'x');
  std::vector<ScoredPost> posts;
  for (const std::string& text :
       {std::string(""), std::string("twelve bytes"), std::string("thirteen byte"), big,
        std::string("caf\xc3\xa9 \xf0\x9f\x9a\x80")}) {
    posts.push_back(make_post("p" + std::to_string(posts.size()), kT0, 0.1, {}, 0,
                              static_cast<int64_t>(posts.size())));
    posts.back().post.text = text;
  }
  posts.push_back(make_post("bad", kT0, 0.1, {}, 0, 5));
  posts.back().post.text = "ok \xff\xfe then \xe2\x82 end";
  lake.append_posts(posts);
  lake.close();
  EXPECT_EQ(lake.write_errors(), 0u) << lake.last_error();
  EXPECT_EQ(lake.rows_written(), 6u) << "no row is lost to bad text";
  EXPECT_EQ(lake.values_repaired(), 1u);

  LakeReader reader;
  auto rows = reader.rows("SELECT text, length(text), id FROM " + lake_glob(dir, "tweets") +
                          " ORDER BY \"offset\"");
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0][0], "");
  EXPECT_EQ(rows[1][0], "twelve bytes");
  EXPECT_EQ(rows[2][0], "thirteen byte");
  EXPECT_EQ(rows[3][0], big);
  EXPECT_EQ(rows[4][0], "caf\xc3\xa9 \xf0\x9f\x9a\x80");
  EXPECT_EQ(rows[4][1], "6");
  // Each ill-formed sequence becomes one U+FFFD.
  EXPECT_EQ(rows[5][0], "ok \xef\xbf\xbd\xef\xbf\xbd then \xef\xbf\xbd end");
  EXPECT_EQ(rows[5][2], "bad");
}

// ---- memory: a bounded number of open stagings within a memory budget -------------------------

// When the open-staging cap is reached, the staging appended to least recently is the one
// written out, whatever the order the stagings were opened in.
TEST(LakeWriter, TheLeastRecentlyAppendedStagingIsWrittenOutFirst) {
  TempDir dir;
  LakeWriter lake(LakeOptions{.root = dir.path().string(), .max_open_stagings = 3});
  int64_t offset = 0;
  auto post_at = [&](int64_t hour) {
    std::vector<ScoredPost> one = {
        make_post("p" + std::to_string(offset), kHour0 + hour * kHourMs, 0.1, {}, 0, offset)};
    ++offset;
    lake.append_posts(one);
  };
  post_at(0);
  post_at(1);
  post_at(2);
  EXPECT_EQ(lake.files_written(), 0u);
  post_at(0);  // hour 0 is now the most recent; hour 1 the least
  post_at(3);
  EXPECT_EQ(hours_written(dir.path(), "tweets"), std::set<std::string>{hour_folder(1)});
  post_at(4);
  EXPECT_EQ(hours_written(dir.path(), "tweets"),
            (std::set<std::string>{hour_folder(1), hour_folder(2)}));
  EXPECT_EQ(lake.open_stagings(), 3u);
  EXPECT_EQ(lake.early_writes(), 2u);
  post_at(1);  // hour 1 again: a second file in its folder, named by its own offsets
  EXPECT_EQ(hours_written(dir.path(), "tweets"),
            (std::set<std::string>{hour_folder(0), hour_folder(1), hour_folder(2)}));
  lake.close();
  EXPECT_EQ(parquet_files(dir.path()),
            (std::set<std::string>{"tweets/" + hour_folder(0) + "/part-p0-0-3.parquet",
                                   "tweets/" + hour_folder(1) + "/part-p0-1-1.parquet",
                                   "tweets/" + hour_folder(1) + "/part-p0-6-6.parquet",
                                   "tweets/" + hour_folder(2) + "/part-p0-2-2.parquet",
                                   "tweets/" + hour_folder(3) + "/part-p0-4-4.parquet",
                                   "tweets/" + hour_folder(4) + "/part-p0-5-5.parquet"}));
}

// The memory budget evicts in the same order: rows of 250 KB text in three hours, the first one
// appended to again, then a row for a fourth hour that does not fit: the second hour goes.
TEST(LakeWriter, TheMemoryBudgetWritesOutTheLeastRecentlyAppendedFirst) {
  TempDir dir;
  constexpr uint64_t kBudget = 1 << 20;
  LakeWriter lake(LakeOptions{.root = dir.path().string(), .memory_bytes = kBudget});
  int64_t offset = 0;
  auto post_at = [&](int64_t hour) {
    std::vector<ScoredPost> one = {
        make_post("p" + std::to_string(offset), kHour0 + hour * kHourMs, 0.1, {}, 0, offset)};
    one[0].post.text = std::string(250000, 'a' + static_cast<char>(offset % 26));
    ++offset;
    lake.append_posts(one);
    EXPECT_LE(lake.memory_bytes(), kBudget);
  };
  post_at(0);
  post_at(1);
  post_at(2);
  post_at(0);
  EXPECT_EQ(lake.files_written(), 0u) << "four rows of 250 KB fit in 1 MiB";
  EXPECT_GT(lake.memory_bytes(), 1000000u) << "the text is counted";
  post_at(3);
  EXPECT_EQ(hours_written(dir.path(), "tweets"), std::set<std::string>{hour_folder(1)});
  post_at(4);
  EXPECT_EQ(hours_written(dir.path(), "tweets"),
            (std::set<std::string>{hour_folder(1), hour_folder(2)}));
  lake.close();
  EXPECT_LE(lake.peak_memory_bytes(), kBudget);
  LakeReader reader;
  auto r = reader.rows("SELECT count(*), sum(length(text)) FROM " + lake_glob(dir, "tweets"));
  EXPECT_EQ(r[0], (std::vector<std::string>{"6", "1500000"}));
}

// Rows of large text (up to the default 64 KiB text limit and beyond) under a 1 MiB budget, in one
// hour and spread over a few: the budget holds, and every text reads back whole.
TEST(LakeWriter, TheBudgetHoldsWithLargeTextRows) {
  TempDir dir;
  constexpr uint64_t kBudget = 1 << 20;
  LakeWriter lake(LakeOptions{.root = dir.path().string(), .memory_bytes = kBudget});
  std::vector<ScoredPost> batch;
  int64_t total_text = 0;
  for (int64_t i = 0; i < 400; ++i) {
    const int64_t hour = i < 200 ? 0 : i % 5;
    ScoredPost p =
        make_post("p" + std::to_string(i), kHour0 + hour * kHourMs + i, 0.1, {{"AAPL", 0.1}}, 0, i);
    p.post.text = std::string(static_cast<size_t>(1000 + (i * 7919) % 300000), 'x');
    p.post.text.replace(0, std::to_string(i).size(), std::to_string(i));
    total_text += static_cast<int64_t>(p.post.text.size());
    batch.push_back(std::move(p));
    if (batch.size() == 8) {
      lake.append_posts(batch);
      EXPECT_LE(lake.memory_bytes(), kBudget);
      batch.clear();
    }
  }
  lake.close();
  ASSERT_EQ(lake.write_errors(), 0u) << lake.last_error();
  EXPECT_LE(lake.peak_memory_bytes(), kBudget);
  EXPECT_GT(lake.early_writes(), 10u);
  EXPECT_EQ(lake.memory_bytes(), 0u) << "nothing staged, nothing kept";
  LakeReader reader;
  auto r = reader.rows("SELECT count(*), count(DISTINCT \"offset\"), sum(length(text)) FROM " +
                       lake_glob(dir, "tweets"));
  EXPECT_EQ(r[0], (std::vector<std::string>{"400", "400", std::to_string(total_text)}));
  auto wrong = reader.rows("SELECT count(*) FROM " + lake_glob(dir, "tweets") +
                           " WHERE NOT starts_with(text, CAST(\"offset\" AS VARCHAR))");
  EXPECT_EQ(wrong[0][0], "0");
}

// A run killed after early writes (its staged rows lost), restarted from its last checkpoint
// (where the lake was closed): the restarted writer skips the rows the early files hold and writes
// the rest, so every post and bar is in the lake once.
TEST(LakeWriter, ARestartAfterEarlyWritesNeitherLosesNorDoublesRows) {
  TempDir dir;
  constexpr int kRows = 600;
  std::vector<ScoredPost> posts;
  std::vector<Bar> bars;
  for (int i = 0; i < kRows; ++i) {
    // Three interleaved hours at a time, so early writes cut each hour's rows into several files.
    const int64_t hour = i / 9 + i % 3;
    posts.push_back(make_post("p" + std::to_string(i), kHour0 + hour * kHourMs, 0.1, {}, 0, i));
    posts.back().post.text = std::string(2000, 'x');
    bars.push_back(make_bar("AAPL", kHour0 + hour * kHourMs, 10, 1, i));
  }
  // A budget of about 60 rows of text in all.
  const LakeOptions options{.root = dir.path().string(), .memory_bytes = 160 << 10};
  constexpr int kCheckpoint = 200, kKilledAt = 450, kBatch = 25;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The first run: a checkpoint at 200 closes the lake; killed at 450 with rows staged.
    LakeWriter lake(options);
    for (int i = 0; i < kKilledAt; i += kBatch) {
      lake.append_posts(std::span(posts).subspan(static_cast<size_t>(i), kBatch));
      lake.append_bars(std::span(bars).subspan(static_cast<size_t>(i), kBatch));
      if (i + kBatch == kCheckpoint) lake.close();
    }
    const bool ok = lake.early_writes() > 0 && lake.staged_bytes() > 0;
    std::_Exit(ok ? 0 : 1);  // no close(): what was staged is lost, as in a crash
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the first run must have written early and had rows staged when killed";
  LakeReader reader;
  const int64_t posts_before = reader.count(lake_glob(dir, "tweets"));
  const int64_t bars_before = reader.count(lake_glob(dir, "market_data"));
  EXPECT_GT(posts_before + bars_before, 2 * kCheckpoint) << "rows after the checkpoint were "
                                                            "written early";
  EXPECT_LT(posts_before + bars_before, 2 * kKilledAt) << "rows staged at the kill were lost";

  {
    LakeWriter lake(options);  // resumes at the checkpoint's offsets
    for (int i = kCheckpoint; i < kRows; i += kBatch) {
      lake.append_posts(std::span(posts).subspan(static_cast<size_t>(i), kBatch));
      lake.append_bars(std::span(bars).subspan(static_cast<size_t>(i), kBatch));
    }
    lake.close();
    EXPECT_EQ(lake.rows_skipped(),
              static_cast<uint64_t>(posts_before + bars_before - 2 * kCheckpoint));
    EXPECT_GT(lake.early_writes(), 0u);
  }
  for (const char* table : {"tweets", "market_data"}) {
    auto r = reader.rows(
        "SELECT count(*), count(DISTINCT \"offset\"), min(\"offset\"), "
        "max(\"offset\"), count(*) FILTER (hour <> hour(" +
        std::string(table == std::string("tweets") ? "created_at" : "ts") + ")) FROM " +
        lake_glob(dir, table));
    EXPECT_EQ(r[0], (std::vector<std::string>{"600", "600", "0", "599", "0"})) << table;
  }
}

// The same rows under the same budget give the same files, byte for byte: early writes depend on
// the rows, never on the clock, and the chunks handed to DuckDB do not depend on how the staging
// grew.
TEST(LakeWriter, EarlyWritesAreDeterministic) {
  auto run = [](const fs::path& root) {
    LakeWriter lake(LakeOptions{.root = root.string(), .memory_bytes = 256 << 10});
    std::vector<ScoredPost> posts;
    for (int i = 0; i < 1500; ++i) {
      posts.push_back(
          make_post("p" + std::to_string(i), kHour0 + (i / 100 + i % 3) * kHourMs, 0.1, {}, 0, i));
      posts.back().post.text = std::string(static_cast<size_t>(1000 + i % 3000), 'y');
    }
    for (size_t i = 0; i < posts.size(); i += 100) {
      lake.append_posts(std::span(posts).subspan(i, 100));
    }
    lake.close();
    EXPECT_LE(lake.peak_memory_bytes(), 256u << 10);
    return lake.early_writes();
  };
  TempDir a, b;
  EXPECT_GT(run(a.path()), 5u);
  run(b.path());
  const auto files = parquet_files(a.path());
  EXPECT_EQ(files, parquet_files(b.path()));
  for (const auto& f : files) {
    EXPECT_EQ(fs::file_size(a.path() / f), fs::file_size(b.path() / f)) << f;
  }
  LakeReader reader;
  EXPECT_EQ(reader.count(lake_glob(a, "tweets")), 1500);
}

TEST(LakeWriter, UnwritableRootIsAStartUpError) {
  EXPECT_THROW(LakeWriter(LakeOptions{.root = "/proc/sp-sink-cannot-create-this"}),
               std::runtime_error);
  EXPECT_THROW(LakeWriter(LakeOptions{.root = ""}), std::runtime_error);
}

}  // namespace
}  // namespace stockpulse
