// The lake's part of the protocol: which rows go to the lake (posts, bars, final windows), the
// lake rolling files by age only on a trigger, and "close the lake before the checkpoint" — on a
// real LakeWriter (DuckDB writing Parquet) in a temporary folder.

#include "pipeline/lake_batch.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/checkpoint_commit.h"
#include "sink/tests/sink_test_data.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;
using testing::make_bar;
using testing::make_market_window;
using testing::make_post;
using testing::make_sentiment_window;
using testing::TempDir;

// 2024-05-01T14:30:05.123Z
constexpr int64_t kT0 = 1714573805123;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

SinkBatch mixed_batch() {
  SinkBatch b;
  b.posts.push_back(make_post("p0", kT0, 0.5, {{"AAPL", 0.5}}, 0, 0));
  b.posts.push_back(make_post("p1", kT0 + 1000, -0.5, {}, 0, 1));
  b.bars.push_back(make_bar("AAPL", kT0 - kT0 % 60000, 190.0, 1, 0));
  b.sentiment_windows.push_back(make_sentiment_window("AAPL", kT0, kT0 + 60000, 3, 0.2));
  b.sentiment_windows.push_back(make_sentiment_window("*", kT0, kT0 + 60000, 5, 0.1));
  b.sentiment_windows.back().is_final = false;
  b.sentiment_windows.push_back(make_sentiment_window("*", kT0 - 60000, kT0, 4, 0.3));
  b.market_windows.push_back(make_market_window("AAPL", kT0, kT0 + 60000, 190, TrendSignal{}));
  b.market_windows.back().is_final = false;
  b.market_windows.push_back(make_market_window("MSFT", kT0, kT0 + 60000, 410, TrendSignal{}));
  return b;
}

TEST(LakeBatch, TakesPostsBarsAndOnlyTheFinalWindowRows) {
  SinkBatch b = mixed_batch();
  b.roll_lake = true;
  b.checkpoint = "ckpt";
  const LakeBatch lb = take_lake_rows(b);
  ASSERT_EQ(lb.posts.size(), 2u);
  EXPECT_EQ(lb.posts[1].post.id, "p1");
  ASSERT_EQ(lb.bars.size(), 1u);
  ASSERT_EQ(lb.sentiment.size(), 2u);
  EXPECT_EQ(lb.sentiment[0].symbol, "AAPL");
  EXPECT_EQ(lb.sentiment[1].symbol, "*");
  EXPECT_EQ(lb.sentiment[1].window_end.value(), kT0) << "the final '*' window, not the update";
  ASSERT_EQ(lb.market.size(), 1u);
  EXPECT_EQ(lb.market[0].symbol, "MSFT");
  for (const auto& r : lb.sentiment) EXPECT_TRUE(r.is_final);
  for (const auto& r : lb.market) EXPECT_TRUE(r.is_final);
  EXPECT_TRUE(lb.roll);
  EXPECT_EQ(lb.checkpoint, "ckpt");
  // What the lake took is gone from the batch (nothing written twice); the batch's window rows
  // stay for the serving store and the result fan-out, which ran before.
  EXPECT_TRUE(b.posts.empty());
  EXPECT_TRUE(b.bars.empty());
  EXPECT_TRUE(b.checkpoint.empty());
  EXPECT_EQ(b.sentiment_windows.size(), 3u);
}

TEST(LakeBatch, TheLakeRollsFilesByAgeOnlyOnATrigger) {
  TempDir dir;
  SimulatedClock clock(kT0);
  LakeWriter lake(LakeOptions{.root = dir.path().string(), .roll_age_ms = 60000, .clock = &clock});
  PipelineMetrics metrics;
  SinkBatch b;
  b.posts.push_back(make_post("p0", kT0, 0.5, {}, 0, 0));
  append_to_lake(lake, take_lake_rows(b), metrics);
  EXPECT_GT(metrics.lake_memory_bytes.load(), 0u);
  clock.advance(120000);  // the staging is now older than roll_age_ms
  SinkBatch no_trigger;
  append_to_lake(lake, take_lake_rows(no_trigger), metrics);
  EXPECT_EQ(lake.files_written(), 0u) << "rolled without a trigger";
  SinkBatch trigger;
  trigger.roll_lake = true;
  append_to_lake(lake, take_lake_rows(trigger), metrics);
  EXPECT_EQ(lake.files_written(), 1u);
  EXPECT_EQ(lake.staged_bytes(), 0u);
}

struct CheckpointFixture {
  TempDir dir;
  PipelineMetrics metrics;
  std::string dead_path = dir.file("dead_letter.jsonl");
  std::string checkpoint_path = dir.file("checkpoint.bin");
  DeadLetterWriter dead{dead_path, metrics};
  LakeWriter lake{LakeOptions{.root = dir.file("lake")}};

  void stage_rows() {
    SinkBatch b = mixed_batch();
    append_to_lake(lake, take_lake_rows(b), metrics);
    DeadLetter d;
    d.stream = "tweets";
    d.reason = DeadLetterReason::kMalformedJson;
    d.detail = "not JSON";
    d.payload = "{oops";
    d.payload_size = 5;
    dead.write(std::span<const DeadLetter>(&d, 1));
  }
};

TEST(CheckpointCommit, TheLakeIsClosedAndTheDeadLettersFlushedBeforeTheCheckpoint) {
  CheckpointFixture f;
  f.stage_rows();
  ASSERT_GT(f.lake.staged_bytes(), 0u);
  ASSERT_EQ(f.lake.files_written(), 0u);
  const auto err =
      commit_file_checkpoint(f.checkpoint_path, "state-bytes", nullptr, f.dead, &f.lake, f.metrics);
  ASSERT_FALSE(err) << *err;
  EXPECT_EQ(f.lake.staged_bytes(), 0u) << "rows the checkpoint covers are still only staged";
  EXPECT_EQ(f.lake.files_written(), 4u);  // tweets, market_data, two window tables
  EXPECT_EQ(f.lake.rows_written(), 2u + 1u + 2u + 1u);
  EXPECT_EQ(slurp(f.checkpoint_path), "state-bytes");
  EXPECT_NE(slurp(f.dead_path).find("not JSON"), std::string::npos) << "dead letters not flushed";
  EXPECT_EQ(f.metrics.checkpoints.load(), 1u);
}

TEST(CheckpointCommit, NoCheckpointWhenTheLakeCannotWriteItsFiles) {
  CheckpointFixture f;
  // A file where the tweets' date folder must go: the lake's write fails like a broken disk.
  fs::create_directories(fs::path(f.dir.file("lake")) / "tweets");
  const std::string blocker =
      (fs::path(f.dir.file("lake")) / "tweets" / "date=2024-05-01").string();
  std::fclose(std::fopen(blocker.c_str(), "w"));
  f.stage_rows();
  const auto err =
      commit_file_checkpoint(f.checkpoint_path, "state-bytes", nullptr, f.dead, &f.lake, f.metrics);
  ASSERT_TRUE(err) << "a checkpoint was written over rows that are not in the lake";
  EXPECT_NE(err->find("writing the lake failed"), std::string::npos) << *err;
  EXPECT_NE(err->find("date=2024-05-01"), std::string::npos) << *err;
  EXPECT_FALSE(fs::exists(f.checkpoint_path));
  EXPECT_EQ(f.metrics.checkpoints.load(), 0u);

  // The disk is back: the rows were kept, and the next checkpoint goes through.
  fs::remove(blocker);
  const auto retry =
      commit_file_checkpoint(f.checkpoint_path, "state-2", nullptr, f.dead, &f.lake, f.metrics);
  ASSERT_FALSE(retry) << *retry;
  EXPECT_EQ(slurp(f.checkpoint_path), "state-2");
  EXPECT_EQ(f.lake.staged_bytes(), 0u);
}

}  // namespace
}  // namespace stockpulse
