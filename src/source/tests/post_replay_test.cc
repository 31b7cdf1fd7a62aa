#include "source/post_replay.h"
#include <unistd.h>

#include <duckdb.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "source/deterministic_rng.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;

fs::path test_dir() {
  const auto dir =
      fs::temp_directory_path() / ("sp_post_replay_test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string path = (test_dir() / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

int64_t iso(const char* s) {
  return parse_iso8601(s).value().value();
}

struct Item {
  bool is_post;
  Post post;
  DeadLetter letter;
};

// Reads everything (or `limit` records) from an open replay.
std::vector<Item> drain(PostReplay& r, size_t limit = SIZE_MAX) {
  std::vector<Item> out;
  while (out.size() < limit) {
    Item it;
    const ReplayStatus st = r.next(it.post, it.letter);
    if (st == ReplayStatus::kEnd) break;
    EXPECT_NE(st, ReplayStatus::kError) << r.error();
    if (st == ReplayStatus::kError) break;
    it.is_post = st == ReplayStatus::kPost;
    out.push_back(std::move(it));
  }
  return out;
}

std::string describe(const Item& it) {
  if (it.is_post)
    return "post " + it.post.id + " " + format_iso8601(it.post.created_at) + " " + it.post.user +
           " [" + it.post.text + "] @" + std::to_string(it.post.position.offset.value());
  return std::string("dead ") + reason_name(it.letter.reason) + " @" +
         std::to_string(it.letter.offset.value()) + " " + it.letter.detail;
}

std::vector<std::string> describe_all(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& it : items) out.push_back(describe(it));
  return out;
}

// The stock-market-tweets-data layout: semicolons, quoted text with newlines and delimiters.
const char* kDatasetCsv =
    "id;created_at;text;sentiment\n"
    "77522;2020-04-15 01:03:46+00:00;\"RT @RobertBeadles: Yo 💥\nEnter to WIN 1,000 Monarch "
    "Tokens\";positive\n"
    "661634;2020-04-15 01:04:00+00:00;\"#SriLanka surcharge on fuel removed!\";negative\n"
    "413231;not a date;$AAPL to the moon;positive\n"
    "760262;2020-04-15 01:05:12+00:00;;neutral\n"
    "830153;2020-04-15 01:07:30+00:00;\"Said \"\"sell\"\"; $TSLA\";\n";

// Contract JSON lines (what `stockpulse generate` writes) carry their own "source"; it survives a
// replay, so a post produced to Kafka equals the same post read from the file by `run`.
TEST(PostReplay, JsonLinesKeepTheRecordsOwnSource) {
  const std::string path =
      temp_file("contract.jsonl",
                "{\"id\":\"a\",\"created_at\":\"2024-05-01T14:30:05Z\",\"text\":\"x\",\"source\":"
                "\"synthetic\"}\n"
                "{\"id\":\"b\",\"created_at\":\"2024-05-01T14:30:06Z\",\"text\":\"y\"}\n");
  SimulatedClock clock(1'000'000);
  PostReplay r({.speed = 0}, clock);
  ASSERT_FALSE(r.open(path));
  const auto items = drain(r);
  ASSERT_EQ(items.size(), 2u);
  ASSERT_TRUE(items[0].is_post && items[1].is_post);
  EXPECT_EQ(items[0].post.source, "synthetic");
  EXPECT_EQ(items[1].post.source, "replay");
}

TEST(PostReplay, CsvDatasetLayoutPassesTimestampsThrough) {
  const std::string path = temp_file("dataset.csv", kDatasetCsv);
  SimulatedClock clock(1'000'000);
  PostReplay r({.speed = 0}, clock);
  ASSERT_FALSE(r.open(path));
  EXPECT_EQ(r.format(), PostFileFormat::kCsv);
  const auto items = drain(r);
  ASSERT_EQ(items.size(), 5u);
  ASSERT_TRUE(items[0].is_post);
  EXPECT_EQ(items[0].post.id, "77522");
  EXPECT_EQ(items[0].post.created_at.value(), iso("2020-04-15T01:03:46Z"));
  EXPECT_EQ(items[0].post.text, "RT @RobertBeadles: Yo 💥\nEnter to WIN 1,000 Monarch Tokens");
  EXPECT_EQ(items[0].post.source, "replay");
  EXPECT_EQ(items[0].post.position.offset.value(), 0);
  ASSERT_TRUE(items[1].is_post);
  EXPECT_EQ(items[1].post.created_at.value(), iso("2020-04-15T01:04:00Z"));
  ASSERT_FALSE(items[2].is_post);
  EXPECT_EQ(items[2].letter.reason, DeadLetterReason::kBadTimestamp);
  EXPECT_EQ(items[2].letter.offset.value(), 2);
  EXPECT_EQ(items[2].letter.stream, "tweets");
  EXPECT_NE(items[2].letter.payload.find("not a date"), std::string::npos);
  ASSERT_FALSE(items[3].is_post);
  EXPECT_EQ(items[3].letter.reason, DeadLetterReason::kMissingField);
  ASSERT_TRUE(items[4].is_post);
  EXPECT_EQ(items[4].post.text, "Said \"sell\"; $TSLA");
  EXPECT_EQ(r.position().row, 5);
  EXPECT_EQ(r.position().emitted, 3);
  EXPECT_EQ(r.position().dead_letters, 2);
  EXPECT_EQ(r.position().byte_offset, std::string(kDatasetCsv).size());
}

TEST(PostReplay, MissingColumnsFailAtOpen) {
  SimulatedClock clock;
  PostReplay r({}, clock);
  auto err = r.open(temp_file("notext.csv", "created_at,body2\n2020-01-01,x\n"));
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("text"), std::string::npos);
  PostReplay r2({}, clock);
  EXPECT_TRUE(r2.open((test_dir() / "does-not-exist.csv").string()));
}

TEST(PostReplay, JsonLinesFieldsAndBadRows) {
  const std::string content =
      "{\"id\": 1250123456789012345, \"created_at\": \"Wed Apr 15 01:03:46 +0000 2020\", "
      "\"text\": \"$NVDA ripping\", \"user\": {\"screen_name\": \"trader1\", \"id\": 5}}\n"
      "{\"created_at\": 1586912626, \"text\": \"epoch seconds\", \"username\": \"u2\", \"x\": "
      "[1,2]}\n"
      "{\"created_at\": \"2020-04-15T01:03:46.250Z\", \"text\": null}\n"
      "{\"created_at\": \"2020-04-15T01:03:46Z\", \"text\": 42}\n"
      "not json at all\n"
      "{\"text\": \"no time\"}\n"
      "[1,2,3]\n";
  const std::string path = temp_file("posts.jsonl", content);
  SimulatedClock clock;
  PostReplay r({.speed = 0}, clock);
  ASSERT_FALSE(r.open(path));
  const auto items = drain(r);
  ASSERT_EQ(items.size(), 7u);
  ASSERT_TRUE(items[0].is_post) << describe(items[0]);
  EXPECT_EQ(items[0].post.id, "1250123456789012345");
  EXPECT_EQ(items[0].post.user, "trader1");
  EXPECT_EQ(items[0].post.created_at.value(), iso("2020-04-15T01:03:46Z"));
  ASSERT_TRUE(items[1].is_post) << describe(items[1]);
  EXPECT_EQ(items[1].post.created_at.value(), 1586912626000);
  EXPECT_EQ(items[1].post.user, "u2");
  EXPECT_EQ(items[1].post.id, "row-1");
  EXPECT_EQ(items[2].letter.reason, DeadLetterReason::kMissingField);
  EXPECT_EQ(items[3].letter.reason, DeadLetterReason::kWrongType);
  EXPECT_EQ(items[4].letter.reason, DeadLetterReason::kMalformedJson);
  EXPECT_EQ(items[5].letter.reason, DeadLetterReason::kMissingField);
  EXPECT_EQ(items[6].letter.reason, DeadLetterReason::kMalformedJson);
}

TEST(PostReplay, OverLongRecordIsADeadLetterAndReplayGoesOn) {
  std::string content = "created_at,text\n2020-01-01T00:00:00Z,\"" + std::string(5000, 'x') + "\n" +
                        std::string(3000, 'y') + "\"\n2020-01-01T00:00:01Z,after\n";
  SimulatedClock clock;
  PostReplay r({.speed = 0, .max_record_bytes = 1024, .block_bytes = 4096}, clock);
  ASSERT_FALSE(r.open(temp_file("long.csv", content)));
  const auto items = drain(r);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].letter.reason, DeadLetterReason::kTooLarge);
  EXPECT_EQ(items[0].letter.payload.size(), kMaxDeadLetterPayload);
  EXPECT_GT(items[0].letter.payload_size, 8000u);
  ASSERT_TRUE(items[1].is_post);
  EXPECT_EQ(items[1].post.text, "after");
}

// created_at values with irregular gaps, some rows bad.
std::vector<std::pair<std::string, std::string>> generated_rows(int n, uint64_t seed) {
  DeterministicRng rng(seed);
  std::vector<std::pair<std::string, std::string>> rows;
  int64_t t = iso("2022-03-01T14:30:00Z");
  for (int i = 0; i < n; ++i) {
    t += static_cast<int64_t>(rng.exponential(700));
    std::string text = "post " + std::to_string(i) + " about $AAPL";
    if (rng.chance(0.1)) text += ", with \"quotes\"\nand a newline";
    std::string time = format_iso8601(EventTime(t));
    if (rng.chance(0.03)) time = "garbage";
    if (rng.chance(0.02)) text.clear();
    rows.emplace_back(time, text);
  }
  return rows;
}

std::string write_csv(const std::string& name,
                      const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string c = "id,created_at,text,username\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string q;
    for (char ch : rows[i].second) {
      if (ch == '"') q += '"';
      q += ch;
    }
    c += "id" + std::to_string(i) + "," + rows[i].first + ",\"" + q + "\",user" +
         std::to_string(i % 7) + "\n";
  }
  return temp_file(name, c);
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"')
      out += "\\\"";
    else if (ch == '\n')
      out += "\\n";
    else
      out += ch;
  }
  return out;
}

std::string write_jsonl(const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string c;
  for (size_t i = 0; i < rows.size(); ++i)
    c += "{\"id\":\"id" + std::to_string(i) + "\",\"created_at\":\"" + rows[i].first +
         "\",\"text\":\"" + json_escape(rows[i].second) + "\",\"username\":\"user" +
         std::to_string(i % 7) + "\"}\n";
  return temp_file(name, c);
}

std::string write_parquet(const std::string& name,
                          const std::vector<std::pair<std::string, std::string>>& rows) {
  // Goes through a CSV that DuckDB reads, so the Parquet file is written by DuckDB itself with a
  // real TIMESTAMP column where the time parses (NULL where it does not).
  const std::string csv = write_csv(name + ".src.csv", rows);
  const std::string path = (test_dir() / name).string();
  duckdb_database db;
  duckdb_connection conn;
  EXPECT_NE(duckdb_open(nullptr, &db), DuckDBError);
  EXPECT_NE(duckdb_connect(db, &conn), DuckDBError);
  const std::string sql =
      "COPY (SELECT id, TRY_CAST(created_at AS TIMESTAMP) AS created_at, NULLIF(text, '') AS text, "
      "username, 42 AS ignored FROM read_csv('" +
      csv +
      "', header=true, all_varchar=true, "
      "quote='\"', escape='\"')) TO '" +
      path + "' (FORMAT PARQUET, ROW_GROUP_SIZE 1000)";
  duckdb_result res;
  const bool ok = duckdb_query(conn, sql.c_str(), &res) != DuckDBError;
  EXPECT_TRUE(ok) << duckdb_result_error(&res);
  duckdb_destroy_result(&res);
  duckdb_disconnect(&conn);
  duckdb_close(&db);
  return path;
}

TEST(PostReplay, ParquetThroughDuckDb) {
  const auto rows = generated_rows(3000, 5);
  const std::string path = write_parquet("posts.parquet", rows);
  SimulatedClock clock;
  PostReplay r({.speed = 0}, clock);
  ASSERT_FALSE(r.open(path));
  EXPECT_EQ(r.format(), PostFileFormat::kParquet);
  const auto items = drain(r);
  ASSERT_EQ(items.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto t = parse_iso8601(rows[i].first);
    if (!t || rows[i].second.empty()) {
      EXPECT_FALSE(items[i].is_post) << i;
      continue;
    }
    ASSERT_TRUE(items[i].is_post) << i << " " << describe(items[i]);
    EXPECT_EQ(items[i].post.created_at, *t);
    EXPECT_EQ(items[i].post.text, rows[i].second);
    EXPECT_EQ(items[i].post.id, "id" + std::to_string(i));
    EXPECT_EQ(items[i].post.user, "user" + std::to_string(i % 7));
  }
  EXPECT_EQ(r.progress().total_rows, 3000);
  EXPECT_DOUBLE_EQ(r.progress().percent, 100.0);
}

TEST(PostReplay, ParquetTimestampWithTimeZoneAndDateColumns) {
  const std::string path = (test_dir() / "tz.parquet").string();
  duckdb_database db;
  duckdb_connection conn;
  ASSERT_NE(duckdb_open(nullptr, &db), DuckDBError);
  ASSERT_NE(duckdb_connect(db, &conn), DuckDBError);
  duckdb_result res;
  const std::string sql =
      "COPY (SELECT TIMESTAMPTZ '2020-04-15 01:03:46.5+00' AS created_at, 'tz' AS Text, 7 AS id "
      "UNION ALL SELECT TIMESTAMPTZ '2020-04-15 03:00:00+02', 'tz2', 8) TO '" +
      path + "' (FORMAT PARQUET)";
  ASSERT_NE(duckdb_query(conn, sql.c_str(), &res), DuckDBError) << duckdb_result_error(&res);
  duckdb_destroy_result(&res);
  duckdb_disconnect(&conn);
  duckdb_close(&db);
  SimulatedClock clock;
  PostReplay r({.speed = 0}, clock);
  ASSERT_FALSE(r.open(path));
  const auto items = drain(r);
  ASSERT_EQ(items.size(), 2u);
  ASSERT_TRUE(items[0].is_post) << describe(items[0]);
  EXPECT_EQ(items[0].post.created_at.value(), iso("2020-04-15T01:03:46.500Z"));
  EXPECT_EQ(items[0].post.id, "7");
  EXPECT_EQ(items[1].post.created_at.value(), iso("2020-04-15T01:00:00Z"));
}

// Stops a replay at random points, saves the position to a file, restarts from it with a new
// object (and a clock that moved on), and compares the concatenation with one uninterrupted run.
void check_resume(const std::string& path, bool rebase, uint32_t max_chunk = 120) {
  SimulatedClock clock(iso("2026-01-05T15:00:00Z"));
  PostReplayOptions o{.rebase_time = rebase, .speed = 0, .block_bytes = 4096};
  PostReplay whole(o, clock);
  ASSERT_FALSE(whole.open(path));
  const auto expected = describe_all(drain(whole));
  ASSERT_GT(expected.size(), 100u);

  DeterministicRng rng(11);
  const std::string pos_file = (test_dir() / "position.txt").string();
  fs::remove(pos_file);
  std::vector<std::string> got;
  for (int session = 0; session < 50; ++session) {
    auto loaded = load_replay_position(pos_file);
    ASSERT_TRUE(loaded.ok()) << loaded.error();
    PostReplay r(o, clock);
    ASSERT_FALSE(r.open(path, loaded.value().value_or(ReplayPosition{})));
    const size_t chunk = session == 49 ? SIZE_MAX : 1 + rng.below(max_chunk);
    const auto part = describe_all(drain(r, chunk));
    got.insert(got.end(), part.begin(), part.end());
    ASSERT_TRUE(save_replay_position(pos_file, r.position()));
    if (part.size() < chunk) break;
    clock.advance(3'600'000);  // a restart an hour later must not move rebased times
  }
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expected[i]) << "item " << i;
}

TEST(PostReplayResume, CsvContinuesWithoutRepeatsOrGaps) {
  check_resume(write_csv("resume.csv", generated_rows(2000, 1)), false);
}
TEST(PostReplayResume, JsonLinesWithRebasing) {
  check_resume(write_jsonl("resume.jsonl", generated_rows(2000, 2)), true);
}
TEST(PostReplayResume, ParquetByRowNumber) {
  check_resume(write_parquet("resume.parquet", generated_rows(2500, 3)), true, 400);
}

TEST(ReplayPosition, EncodesAndRejectsDamage) {
  ReplayPosition p{.byte_offset = 123456789012,
                   .row = 77,
                   .emitted = 70,
                   .dead_letters = 7,
                   .has_rebase = true,
                   .rebase_from_ms = 1,
                   .rebase_to_ms = 2};
  auto back = decode_replay_position(encode_replay_position(p));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back.value(), p);
  std::string text = encode_replay_position(p);
  EXPECT_FALSE(decode_replay_position(text.substr(0, text.size() - 5)).ok());
  EXPECT_FALSE(decode_replay_position("hello").ok());
  const std::string bad = temp_file("bad-position", "garbage");
  EXPECT_FALSE(load_replay_position(bad).ok());
  auto none = load_replay_position((test_dir() / "no-such-position").string());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value());
}

TEST(PostReplayPacing, RebaseKeepsGapsAndSpeedDividesThem) {
  const std::string path = temp_file(
      "pace.csv",
      "created_at,text\n2021-06-01T10:00:00Z,a\n2021-06-01T10:00:10Z,b\n2021-06-01T10:01:00Z,c\n");
  const int64_t now = iso("2026-02-02T12:00:00Z");
  SimulatedClock clock(now);
  PostReplay r({.rebase_time = true, .speed = 10}, clock);
  ASSERT_FALSE(r.open(path));
  std::vector<int64_t> created, due;
  Post p;
  DeadLetter d;
  while (r.next(p, d) == ReplayStatus::kPost) {
    created.push_back(p.created_at.value());
    due.push_back(r.due().value());
    clock.set(r.due().value());  // the caller waits until due
  }
  EXPECT_EQ(created, (std::vector<int64_t>{now, now + 10'000, now + 60'000}));
  EXPECT_EQ(due, (std::vector<int64_t>{now, now + 1'000, now + 6'000}));
}

TEST(PostReplayPacing, WithoutRebaseOriginalTimesPassThroughAndMaxSpeedIsDueNow) {
  const std::string path =
      temp_file("pace2.csv", "created_at,text\n2021-06-01T10:00:00Z,a\n2021-06-01T11:00:00Z,b\n");
  SimulatedClock clock(5000);
  PostReplay r({.speed = 0}, clock);
  ASSERT_FALSE(r.open(path));
  Post p;
  DeadLetter d;
  ASSERT_EQ(r.next(p, d), ReplayStatus::kPost);
  EXPECT_EQ(p.created_at.value(), iso("2021-06-01T10:00:00Z"));
  EXPECT_EQ(r.due().value(), 5000);
  clock.advance(7);
  ASSERT_EQ(r.next(p, d), ReplayStatus::kPost);
  EXPECT_EQ(p.created_at.value(), iso("2021-06-01T11:00:00Z"));
  EXPECT_EQ(r.due().value(), 5007);
}

TEST(PostReplayPacing, RateCapHoldsAboveClockResolution) {
  std::string c = "created_at,text\n";
  for (int i = 0; i < 20000; ++i) c += "2021-06-01T10:00:00Z,x\n";
  const std::string path = temp_file("rate.csv", c);
  SimulatedClock clock(0);
  PostReplay r({.speed = 0, .rate = 4000}, clock);  // 0.25 ms apart on a 1 ms clock
  ASSERT_FALSE(r.open(path));
  Post p;
  DeadLetter d;
  int n = 0;
  while (r.next(p, d) == ReplayStatus::kPost) {
    if (r.due().value() > clock.now().value()) clock.set(r.due().value());
    ++n;
  }
  ASSERT_EQ(n, 20000);
  // 20,000 posts at 4,000/s take 5 s (the first at 0).
  EXPECT_NEAR(static_cast<double>(clock.now().value()), 5000.0, 2.0);
}

TEST(PostReplayPacing, RateCapLimitsCatchUpBurst) {
  std::string c = "created_at,text\n";
  for (int i = 0; i < 100; ++i) c += "2021-06-01T10:00:00Z,x\n";
  SimulatedClock clock(0);
  PostReplay r({.speed = 0, .rate = 10, .rate_burst_ms = 1000}, clock);
  ASSERT_FALSE(r.open(temp_file("burst.csv", c)));
  Post p;
  DeadLetter d;
  ASSERT_EQ(r.next(p, d), ReplayStatus::kPost);
  clock.set(60'000);  // the caller stalled for a minute
  int due_now = 0;
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(r.next(p, d), ReplayStatus::kPost);
    if (r.due().value() <= clock.now().value()) ++due_now;
  }
  // At most one second (10 posts) of backlog is released at once.
  EXPECT_LE(due_now, 11);
  EXPECT_GE(due_now, 9);
}

TEST(PostReplayProgress, PercentRateAndEta) {
  const auto rows = generated_rows(1000, 9);
  const std::string path = write_csv("progress.csv", rows);
  SimulatedClock clock(0);
  PostReplay r({.speed = 0}, clock);
  ASSERT_FALSE(r.open(path));
  Post p;
  DeadLetter d;
  for (int i = 0; i < 250; ++i) ASSERT_NE(r.next(p, d), ReplayStatus::kEnd);
  clock.advance(2000);
  const ReplayProgress pr = r.progress();
  EXPECT_EQ(pr.rows, 250);
  EXPECT_DOUBLE_EQ(pr.rows_per_s, 125.0);
  EXPECT_EQ(pr.total_bytes, fs::file_size(path));
  const double frac = static_cast<double>(pr.bytes) / static_cast<double>(pr.total_bytes);
  EXPECT_NEAR(pr.percent, 100 * frac, 1e-9);
  EXPECT_NEAR(pr.eta_s, 2.0 * (1 - frac) / frac, 1e-6);
  const std::string line = format_replay_progress(pr);
  EXPECT_NE(line.find("250 rows"), std::string::npos) << line;
  EXPECT_NE(line.find("125 rows/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA"), std::string::npos) << line;
}

TEST(ParsePostTimestamp, Forms) {
  EXPECT_EQ(parse_post_timestamp("Wed Apr 15 01:03:46 +0000 2020"), iso("2020-04-15T01:03:46Z"));
  EXPECT_EQ(parse_post_timestamp("Wed Apr 15 01:03:46 -0430 2020"), iso("2020-04-15T05:33:46Z"));
  EXPECT_EQ(parse_post_timestamp("2020-04-15 01:03:46+00"), iso("2020-04-15T01:03:46Z"));
  EXPECT_EQ(parse_post_timestamp("2020-04-15 01:03:46+00:00"), iso("2020-04-15T01:03:46Z"));
  EXPECT_EQ(parse_post_timestamp("1586912626"), 1586912626000);
  EXPECT_EQ(parse_post_timestamp("1586912626.25"), 1586912626250);
  EXPECT_EQ(parse_post_timestamp("1586912626250"), 1586912626250);
  EXPECT_FALSE(parse_post_timestamp(""));
  EXPECT_FALSE(parse_post_timestamp("yesterday"));
  EXPECT_FALSE(parse_post_timestamp("Wed Foo 15 01:03:46 +0000 2020"));
}

}  // namespace
}  // namespace stockpulse
