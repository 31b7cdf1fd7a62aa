// `stockpulse backfill`, end to end: re-scoring a vader run's lake with the finance scorer must
// leave its serving store equal, row for row, to a run that used the finance scorer from the
// start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

CommandResult compare(const std::filesystem::path& expected, const std::filesystem::path& actual) {
  return run(python() + " " + STOCKPULSE_SOURCE_DIR + "/tests/e2e/compare_serving.py " +
             expected.string() + " " + actual.string());
}

TEST(Backfill, RescoringTheLakeGivesTheServingRowsOfARunWithTheNewScorer) {
  const auto dir = scratch("backfill-" + std::to_string(::getpid()));
  const std::string posts = (dir / "posts.jsonl").string(), bars = (dir / "bars.jsonl").string();
  const auto gen = run(binary() + " generate --posts 20000 --seed 21 --posts-per-second 20" +
                       " --posts-out " + posts + " --bars-out " + bars);
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const std::string input = " run --posts " + posts + " --bars " + bars + " --until-eof --quiet";

  const auto a = run(binary() + input + " --output-dir " + (dir / "A").string());
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const auto b =
      run(binary() + input + " --scorer finance --lake none --output-dir " + (dir / "B").string());
  ASSERT_EQ(b.exit_code, 0) << b.output;

  // The scorers differ, so before the backfill the stores differ: the comparison can fail.
  const auto before = compare(dir / "B" / "serving.db", dir / "A" / "serving.db");
  EXPECT_EQ(before.exit_code, 1) << before.output;

  const auto backfill =
      run(binary() + " backfill --from " + (dir / "A" / "lake").string() +
          " --scorer finance --serving sqlite:" + (dir / "A" / "serving.db").string());
  ASSERT_EQ(backfill.exit_code, 0) << backfill.output;
  EXPECT_NE(backfill.output.find("20000 posts"), std::string::npos) << backfill.output;

  const auto after = compare(dir / "B" / "serving.db", dir / "A" / "serving.db");
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_NE(after.output.find("topic_sentiment_avg: expected"), std::string::npos) << after.output;
  std::cout << after.output;
}

TEST(Backfill, BadInputsExitWithTwoAndAMessage) {
  const auto dir = scratch("backfill-bad-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "lake" / "tweets");

  const auto bad_since = run(binary() + " backfill --from " + (dir / "lake").string() +
                             " --since yesterday --output-dir " + dir.string());
  EXPECT_EQ(bad_since.exit_code, 2) << bad_since.output;
  EXPECT_NE(bad_since.output.find("--since 'yesterday'"), std::string::npos) << bad_since.output;

  const auto no_lake = run(binary() + " backfill --from " + (dir / "missing").string() +
                           " --output-dir " + dir.string());
  EXPECT_EQ(no_lake.exit_code, 2) << no_lake.output;
  EXPECT_NE(no_lake.output.find("no such lake folder"), std::string::npos) << no_lake.output;

  const auto bad_scorer = run(binary() + " backfill --from " + (dir / "lake").string() +
                              " --scorer bert --output-dir " + dir.string());
  EXPECT_EQ(bad_scorer.exit_code, 2) << bad_scorer.output;
  EXPECT_NE(bad_scorer.output.find("unknown scorer 'bert'"), std::string::npos)
      << bad_scorer.output;
}

}  // namespace
}  // namespace stockpulse::e2e
