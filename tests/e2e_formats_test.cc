// `stockpulse run` and `stockpulse produce` on the social-media API formats (Twitter v1.1, v2,
// archive; StockTwits; Reddit), auto-detected: the direct run must equal produce + run on the
// contract it writes, with the dead letters and duplicates the fixtures state
// (tests/fixtures/formats/README.md), and a stopped run with dedupe on must resume to the tables
// of an uninterrupted one.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(STOCKPULSE_SOURCE_DIR) / "tests/fixtures/formats" / name;
}

// Dead letters of a JSON-lines file by reason, e.g. {"bad_timestamp": 2}.
std::map<std::string, int> reasons(const std::filesystem::path& file) {
  std::map<std::string, int> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const std::string key = "\"reason\":\"";
    const size_t at = line.find(key);
    if (at == std::string::npos) continue;
    const size_t begin = at + key.size();
    ++out[line.substr(begin, line.find('"', begin) - begin)];
  }
  return out;
}

std::string sql(const std::filesystem::path& db, const std::string& query) {
  const auto r = run("sqlite3 " + db.string() + " \"" + query + "\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

struct FormatCase {
  const char* file;
  int posts;
  std::map<std::string, int> dead;
};

TEST(Formats, RunAndProduceReadEachFormatToTheSamePosts) {
  const std::vector<FormatCase> cases = {
      {"twitter_v1.jsonl",
       5,
       {{"duplicate", 4},
        {"malformed_json", 1},
        {"bad_timestamp", 1},
        {"wrong_type", 1},
        {"missing_field", 1}}},
      {"twitter_v1_array.json", 5, {{"duplicate", 4}, {"bad_timestamp", 1}, {"malformed_json", 1}}},
      {"twitter_v2_pages.jsonl",
       4,
       {{"duplicate", 1}, {"missing_field", 1}, {"malformed_json", 1}}},
      {"twitter_v2_page.json", 3, {{"missing_field", 1}}},
      {"twitter_v2_tweets.jsonl", 3, {}},
      {"tweets.js", 3, {{"bad_timestamp", 1}}},
      {"stocktwits_response.json", 3, {{"bad_timestamp", 1}, {"duplicate", 1}}},
      {"stocktwits_messages.jsonl", 3, {{"malformed_json", 1}, {"duplicate", 1}}},
      {"reddit.ndjson",
       3,
       {{"missing_field", 1}, {"bad_timestamp", 1}, {"duplicate", 1}, {"malformed_json", 1}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const auto dir = scratch(std::string("formats_") + c.file);
    const std::string input = fixture(c.file).string();
    auto r = run(binary() + " produce posts --from " + input +
                 " --to file:" + (dir / "posts.jsonl").string() + " --dead-letter " +
                 (dir / "produce-dead.jsonl").string() + " --quiet");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(count_lines(dir / "posts.jsonl"), static_cast<size_t>(c.posts));
    r = run(binary() + " run --posts " + (dir / "posts.jsonl").string() +
            " --until-eof --quiet --lake none --output-dir " + (dir / "two-steps").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run(binary() + " run --posts " + input + " --until-eof --quiet --lake none --output-dir " +
            (dir / "direct").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(" " + std::to_string(c.posts) + " posts scored"), std::string::npos)
        << r.output;
    EXPECT_TRUE(dump_serving_tables(dir / "two-steps/serving.db") ==
                dump_serving_tables(dir / "direct/serving.db"))
        << "the direct run's serving tables differ from produce + run";
    EXPECT_EQ(reasons(dir / "produce-dead.jsonl"), c.dead);
    EXPECT_EQ(reasons(dir / "direct/dead_letter.jsonl"), c.dead);
    EXPECT_EQ(reasons(dir / "two-steps/dead_letter.jsonl"), (std::map<std::string, int>{}));
  }
}

// What the formats carry through to the serving store: decoded entities, StockTwits' symbols as
// tickers of their own; and what --no-dedupe lets through.
TEST(Formats, EntitiesSymbolsAndNoDedupe) {
  const auto dir = scratch("formats_fields");
  auto r = run(binary() + " run --posts " + fixture("twitter_v1.jsonl").string() +
               " --until-eof --quiet --lake none --output-dir " + (dir / "v1").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto db = dir / "v1/serving.db";
  EXPECT_EQ(sql(db, "SELECT DISTINCT text FROM tweets WHERE id = '1790000000000000001'"),
            "$AAPL earnings beat & guidance raised > expectations\n");
  EXPECT_EQ(sql(db, "SELECT DISTINCT source FROM tweets"), "twitter\n");

  r = run(binary() + " run --posts " + fixture("twitter_v1.jsonl").string() +
          " --no-dedupe --until-eof --quiet --lake none --output-dir " + (dir / "v1-all").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(" 9 posts scored"), std::string::npos) << r.output;
  EXPECT_EQ(reasons(dir / "v1-all/dead_letter.jsonl").count("duplicate"), 0u);

  // The second message names no cashtag; its symbols make it an AAPL and an MSFT post.
  r = run(binary() + " run --posts " + fixture("stocktwits_response.json").string() +
          " --until-eof --quiet --lake none --output-dir " + (dir / "st").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(sql(dir / "st/serving.db",
                "SELECT symbol FROM tweets WHERE id = '570000002' ORDER BY symbol"),
            "AAPL\nMSFT\n");
  EXPECT_EQ(sql(dir / "st/serving.db",
                "SELECT group_concat(symbol) FROM (SELECT symbol FROM tweets WHERE id = "
                "'570000003' ORDER BY symbol)"),
            "AAPL,NVDA\n");
  // The author's label rides on the contract that produce writes.
  r = run(binary() + " produce posts --from " + fixture("stocktwits_messages.jsonl").string() +
          " --to stdout --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(R"("symbols":["AAPL","MSFT"],"label":"bearish")"), std::string::npos)
      << r.output;

  r = run(binary() + " run --posts " + fixture("reddit.ndjson").string() +
          " --until-eof --quiet --lake none --output-dir " + (dir / "reddit").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(sql(dir / "reddit/serving.db", "SELECT DISTINCT source FROM tweets ORDER BY source"),
            "reddit/r/stocks\nreddit/r/wallstreetbets\n");
}

// Dedupe across a checkpoint: a run stopped with SIGTERM and started again skips exactly the
// retweets and repeated ids an uninterrupted run skips (the resumed run re-reads the records
// before its checkpoint to rebuild what was seen), so the tables and dead letters are equal.
TEST(Formats, DedupeSurvivesAStopAndResume) {
  const auto dir = scratch("formats_resume");
  const int generated = 150000;
  auto r = run(binary() + " generate --posts " + std::to_string(generated) +
               " --seed 5 --posts-per-second 20 --posts-out " + (dir / "generated.jsonl").string() +
               " --bars-out " + (dir / "unused-bars.jsonl").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto tweets = dir / "tweets.jsonl";
  r = run(python() + " " + std::string(STOCKPULSE_SOURCE_DIR) + "/tests/e2e/social_files.py " +
          "twitter-v1 " + (dir / "generated.jsonl").string() + " " + tweets.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int copies = std::stoi(r.output.substr(r.output.find(' ') + 1));
  ASSERT_GT(copies, generated / 5);

  // Paced (2,000 times faster than the posts' own times: a few seconds), so the stop lands
  // while posts are still read whatever the machine's speed; pacing changes no result.
  auto command = [&](const std::string& out) {
    return std::vector<std::string>{
        binary(),         "run",     "--posts",      tweets.string(),
        "--until-eof",    "--quiet", "--workers",    "1",
        "--batch-size",   "256",     "--lake",       "none",
        "--replay-speed", "2000",    "--output-dir", (dir / out).string()};
  };
  ASSERT_EQ(wait_exit(spawn(command("ref"), (dir / "ref.log").string())), 0)
      << slurp(dir / "ref.log");
  EXPECT_EQ(reasons(dir / "ref/dead_letter.jsonl"),
            (std::map<std::string, int>{{"duplicate", copies}}));
  stop_and_resume(command("stopped"), dir / "stopped", dir / "stopped.log",
                  std::chrono::milliseconds(1500));
  if (::testing::Test::HasFatalFailure()) return;
  const std::string log = slurp(dir / "stopped.log");
  const std::string from = "(posts from record ";
  const size_t at = log.find(from);
  ASSERT_NE(at, std::string::npos) << log;
  const long long resumed_at = std::stoll(log.substr(at + from.size()));
  EXPECT_GT(resumed_at, 0) << log;
  EXPECT_LT(resumed_at, generated) << log;
  EXPECT_TRUE(dump_serving_tables(dir / "ref/serving.db") ==
              dump_serving_tables(dir / "stopped/serving.db"))
      << "serving tables differ after a stop and a second run";
  EXPECT_EQ(reasons(dir / "stopped/dead_letter.jsonl"), reasons(dir / "ref/dead_letter.jsonl"));
}

}  // namespace
}  // namespace stockpulse::e2e
