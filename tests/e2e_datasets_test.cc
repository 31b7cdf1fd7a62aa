// `stockpulse run` on the datasets the reference systems replayed: a tweet dataset as CSV and
// daily OHLCV candles fanned out to minute bars, read directly. The serving tables must equal
// those of the two-step path (`stockpulse produce` to contract JSON lines, then `run` on them),
// bad rows must be dead-lettered with their reasons, and a stopped run must resume to the same
// tables.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

struct Datasets {
  std::filesystem::path posts_csv, candles_csv;
};

Datasets make_datasets(const std::filesystem::path& dir, int posts, int symbols, int days) {
  Datasets d{dir / "tweets.csv", dir / "prices.csv"};
  const auto gen =
      run(binary() + " generate --posts " + std::to_string(posts) +
          " --seed 3 --posts-per-second 20 --posts-out " + (dir / "generated.jsonl").string() +
          " --bars-out " + (dir / "unused-bars.jsonl").string());
  EXPECT_EQ(gen.exit_code, 0) << gen.output;
  const std::string script = std::string(STOCKPULSE_SOURCE_DIR) + "/tests/e2e/dataset_files.py";
  auto r = run(python() + " " + script + " posts " + (dir / "generated.jsonl").string() + " " +
               d.posts_csv.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string list;
  for (int i = 0; i < symbols; ++i) list += (i ? ",S" : "S") + std::to_string(i);
  r = run(python() + " " + script + " candles " + d.candles_csv.string() + " " + list + " " +
          std::to_string(days));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return d;
}

// The dataset CSV as Parquet, written by DuckDB (through `stockpulse lake sql`): columns typed
// as DuckDB infers them, mixed time forms and ids kept as text.
std::filesystem::path to_parquet(const std::filesystem::path& csv) {
  auto parquet = csv;
  parquet.replace_extension(".parquet");
  std::filesystem::create_directories(csv.parent_path() / "no-lake");
  const auto r = run(binary() + " lake sql --lake " + (csv.parent_path() / "no-lake").string() +
                     " \"COPY (SELECT * FROM read_csv_auto('" + csv.string() + "')) TO '" +
                     parquet.string() + "' (FORMAT parquet)\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return parquet;
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

TEST(Datasets, RunReadsTweetCsvAndDailyCandlesAsProduceWritesThem) {
  const auto dir = scratch("datasets");
  const Datasets d = make_datasets(dir, 3000, 3, 4);

  // Two steps: produce the contract files, then run on them.
  auto r = run(binary() + " produce posts --from " + d.posts_csv.string() +
               " --to file:" + (dir / "posts.jsonl").string() + " --dead-letter " +
               (dir / "produce-posts-dead.jsonl").string() + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run(binary() + " produce fanout --from " + d.candles_csv.string() +
          " --to file:" + (dir / "bars.jsonl").string() + " --dead-letter " +
          (dir / "produce-bars-dead.jsonl").string() + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run(binary() + " run --posts " + (dir / "posts.jsonl").string() + " --bars " +
          (dir / "bars.jsonl").string() + " --until-eof --quiet --lake none --output-dir " +
          (dir / "two-steps").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // One step: run reads the datasets themselves.
  r = run(binary() + " run --posts " + d.posts_csv.string() + " --bars " + d.candles_csv.string() +
          " --until-eof --quiet --output-dir " + (dir / "direct").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3000 posts scored"), std::string::npos) << r.output;
  // 3 good symbols x 4 days x 390 minutes.
  EXPECT_NE(r.output.find("4680 bars"), std::string::npos) << r.output;

  const std::string expected = dump_serving_tables(dir / "two-steps/serving.db");
  EXPECT_GT(expected.size(), 100000u);
  EXPECT_TRUE(expected == dump_serving_tables(dir / "direct/serving.db"))
      << "the direct run's serving tables differ from produce + run";

  // The bad rows: dead letters with the same reasons produce gives them, and nothing else.
  auto want = reasons(dir / "produce-posts-dead.jsonl");
  for (const auto& [reason, n] : reasons(dir / "produce-bars-dead.jsonl")) want[reason] += n;
  EXPECT_EQ(want, (std::map<std::string, int>{
                      {"bad_timestamp", 3}, {"missing_field", 3}, {"invalid_number", 1}}));
  EXPECT_EQ(reasons(dir / "direct/dead_letter.jsonl"), want);

  // The lake holds every post once (one tweets row per post).
  r = run(binary() + " lake sql --lake " + (dir / "direct/lake").string() +
          " \"SELECT count(*) || '/' || count(DISTINCT id) FROM tweets\"");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3000/3000"), std::string::npos) << r.output;

  // The same dataset as Parquet gives the same tables and dead letters.
  r = run(binary() + " run --posts " + to_parquet(d.posts_csv).string() + " --bars " +
          d.candles_csv.string() + " --until-eof --quiet --lake none --output-dir " +
          (dir / "parquet").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(expected == dump_serving_tables(dir / "parquet/serving.db"))
      << "the Parquet run's serving tables differ from produce + run";
  EXPECT_EQ(reasons(dir / "parquet/dead_letter.jsonl"), want);
}

TEST(Datasets, RebaseTimeMapsTheFirstRecordOfEitherFileToNow) {
  const auto dir = scratch("datasets_rebase");
  const Datasets d = make_datasets(dir, 200, 2, 1);
  const auto now_s = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const int64_t before = now_s();
  const auto r =
      run(binary() + " run --posts " + d.posts_csv.string() + " --bars " + d.candles_csv.string() +
          " --rebase-time --until-eof --quiet --output-dir " + (dir / "out").string());
  const int64_t after = now_s();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("maps to now"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" 0 late"), std::string::npos) << r.output;
  // The earliest record of the two files (a post or the 09:30 bar) is at the start of the run.
  const auto q = run("sqlite3 " + (dir / "out/serving.db").string() +
                     " \"SELECT min((SELECT strftime('%s', min(created_at)) FROM tweets), "
                     "(SELECT strftime('%s', min(ts)) FROM market_data))\"");
  ASSERT_EQ(q.exit_code, 0) << q.output;
  const int64_t first = std::stoll(q.output);
  EXPECT_GE(first, before - 1) << q.output;
  EXPECT_LE(first, after + 1) << q.output;
}

// --replay-speed paces records by their event times (here 8x), from a dataset and from contract
// JSON lines alike, and pacing changes no result.
TEST(Datasets, ReplaySpeedPacesRecordsByTheirEventTimes) {
  const auto dir = scratch("datasets_paced");
  const Datasets d = make_datasets(dir, 400, 1, 1);
  for (const auto& posts : {d.posts_csv, dir / "generated.jsonl"}) {
    const std::string name = posts.extension().string().substr(1);
    const auto fast_dir = dir / ("fast-" + name), paced_dir = dir / ("paced-" + name);
    const auto fast = run(binary() + " run --posts " + posts.string() +
                          " --until-eof --quiet --lake none --output-dir " + fast_dir.string());
    ASSERT_EQ(fast.exit_code, 0) << fast.output;
    const auto span = run("sqlite3 " + (fast_dir / "serving.db").string() +
                          " \"SELECT (julianday(max(created_at)) - julianday(min(created_at))) * "
                          "86400 FROM tweets\"");
    ASSERT_EQ(span.exit_code, 0) << span.output;
    const double span_s = std::stod(span.output);
    ASSERT_GT(span_s, 10) << "the posts should span some seconds of event time";

    const auto started = std::chrono::steady_clock::now();
    const auto r =
        run(binary() + " run --posts " + posts.string() +
            " --replay-speed 8 --until-eof --quiet --lake none --output-dir " + paced_dir.string());
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // Never faster than asked: the last post is due span / 8 after the first.
    EXPECT_GE(took, span_s / 8 * 0.95) << posts;
    EXPECT_TRUE(dump_serving_tables(fast_dir / "serving.db") ==
                dump_serving_tables(paced_dir / "serving.db"))
        << posts << ": pacing changed the results";
  }
}

// A run stopped with SIGTERM keeps its windows in a checkpoint; the next run skips the dataset
// records the checkpoint holds (CSV: read past; Parquet: sought by row) and finishes with the
// tables, dead letters and lake of an uninterrupted run.
void expect_resume_equals_uninterrupted(const std::filesystem::path& dir,
                                        const std::filesystem::path& posts,
                                        const std::filesystem::path& candles, int post_count) {
  auto command = [&](const std::string& out) {
    return std::vector<std::string>{
        binary(), "run", "--posts", posts.string(), "--bars", candles.string(), "--until-eof",
        "--quiet", "--workers", "1", "--batch-size", "256", "--output-dir", (dir / out).string(),
        // In file order, so the resume reads the dataset itself from the middle (CSV: read
        // past; Parquet: sought by row) rather than its sorted copy.
        "--keep-file-order"};
  };
  ASSERT_EQ(wait_exit(spawn(command("ref"), (dir / "ref.log").string())), 0)
      << slurp(dir / "ref.log");
  // While stopped: the same files read with another fan-out seed would number the bars
  // differently, so that checkpoint is refused rather than resumed.
  const auto other_seed = [&] {
    std::string cmd;
    for (const auto& a : command("stopped")) cmd += a + " ";
    const auto r = run(cmd + "--seed 7");
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("--seed changed"), std::string::npos) << r.output;
  };
  stop_and_resume(command("stopped"), dir / "stopped", dir / "stopped.log",
                  std::chrono::milliseconds(1500), other_seed);
  if (::testing::Test::HasFatalFailure()) return;
  // The stop came while posts were still being read, so the resume skipped some and read on.
  const std::string log = slurp(dir / "stopped.log");
  const std::string from = "(posts from record ";
  const size_t at = log.find(from);
  ASSERT_NE(at, std::string::npos) << log;
  const long long resumed_at = std::stoll(log.substr(at + from.size()));
  EXPECT_GT(resumed_at, 0) << log;
  EXPECT_LT(resumed_at, post_count) << log;

  const std::string a = dump_serving_tables(dir / "ref/serving.db");
  EXPECT_GT(a.size(), 1000000u);
  EXPECT_TRUE(a == dump_serving_tables(dir / "stopped/serving.db"))
      << "serving tables differ after a stop and a second run";
  // Every dead letter once: the stopped run's file (appended to on resume) equals the reference.
  EXPECT_EQ(reasons(dir / "stopped/dead_letter.jsonl"), reasons(dir / "ref/dead_letter.jsonl"));
  // And the lake holds every post exactly once.
  const std::string want = std::to_string(post_count) + "/" + std::to_string(post_count);
  for (const char* out : {"ref", "stopped"}) {
    const auto r = run(binary() + " lake sql --lake " + (dir / out / "lake").string() +
                       " \"SELECT count(*) || '/' || count(DISTINCT id) FROM tweets\"");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(want), std::string::npos) << out << ": " << r.output;
  }
}

TEST(Datasets, StoppedRunOnACsvDatasetResumesToTheSameTables) {
  const auto dir = scratch("datasets_resume_csv");
  const Datasets d = make_datasets(dir, 150000, 12, 40);
  expect_resume_equals_uninterrupted(dir, d.posts_csv, d.candles_csv, 150000);
}

TEST(Datasets, StoppedRunOnAParquetDatasetResumesToTheSameTables) {
  const auto dir = scratch("datasets_resume_parquet");
  const Datasets d = make_datasets(dir, 150000, 12, 40);
  expect_resume_equals_uninterrupted(dir, to_parquet(d.posts_csv), d.candles_csv, 150000);
}

}  // namespace
}  // namespace stockpulse::e2e
