// `stockpulse produce posts|fanout|alpaca` end to end, through the CLI parser: the tweet dataset
// (CSV, Parquet) replayed to a file, resumed after a stop; daily candles fanned out to the mock
// cluster; Alpaca bars from a local server speaking its protocol.
#include <duckdb.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/kafka/produce_command.h"
#include "bus/kafka/tests/kafka_test_util.h"
#include "bus/kafka/tests/produce_test_util.h"
#include "common/clock.h"
#include "common/time_format.h"
#include "decode/bar_decoder.h"
#include "decode/post_decoder.h"
#include "source/synthetic_posts.h"
#include "source/tests/fake_alpaca_server.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::read_back;
using testing::read_lines;
using testing::run_produce;
using testing::start_cluster;
using testing::temp_dir;
using testing::wait_for;

int64_t iso(const char* s) {
  return parse_iso8601(s).value().value();
}

// What the test wrote into a dataset file, row by row.
struct Row {
  std::string id;
  int64_t created_ms = 0;  // meaningful when `reason` is empty
  std::string text;
  std::string user;
  std::string reason;  // the dead-letter reason the row must get, or "" for a good post
};

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// "2020-04-15 01:03:46+00:00", the dataset's form (whole seconds).
std::string dataset_time(int64_t ms) {
  const CivilTime c = civil_from_millis(ms);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d+00:00", c.year, c.month, c.day,
                c.hour, c.minute, c.second);
  return buf;
}

// Rows in the stock-market-tweets-data layout (semicolons, quoted texts, a user column), with
// synthetic texts, a few texts holding newlines, quotes and delimiters, and bad rows sprinkled in.
std::vector<Row> make_rows(int n, uint64_t seed) {
  SyntheticPostOptions po;
  po.seed = seed;
  SyntheticPostGenerator gen(po);
  std::vector<Row> rows;
  Post p;
  const int64_t base = iso("2020-04-15T01:00:00Z");
  for (int i = 0; i < n; ++i) {
    gen.next(p);
    Row r;
    r.id = std::to_string(1000000 + i);
    r.created_ms = base + i * 7000 + (i % 3) * 1000;
    r.text = p.text;
    r.user = "user" + std::to_string(i % 17);
    if (i % 50 == 7) r.text += "\nsecond line; with \"quotes\" and a ; delimiter";
    if (i % 97 == 13) {
      r.reason = "bad_timestamp";
    } else if (i % 113 == 29) {
      r.reason = "missing_field";
      r.text.clear();
    } else if (i % 131 == 41) {
      r.reason = "invalid_utf8";
      r.text = "caf\xC3 $AAPL \xFF\xFE";
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

fs::path write_csv(const fs::path& path, const std::vector<Row>& rows) {
  std::ofstream out(path, std::ios::binary);
  out << "id;created_at;text;user;sentiment\n";
  for (const Row& r : rows) {
    out << r.id << ';'
        << (r.reason == "bad_timestamp" ? "sometime in April" : dataset_time(r.created_ms)) << ';'
        << csv_quote(r.text) << ';' << r.user << ";positive\n";
  }
  return path;
}

// Checks that `lines` are exactly the good rows, in order, as contract JSON.
void expect_posts(const std::vector<std::string>& lines, const std::vector<Row>& rows,
                  bool check_times = true) {
  PostDecoder decoder;
  size_t li = 0;
  for (const Row& r : rows) {
    if (!r.reason.empty()) continue;
    ASSERT_LT(li, lines.size()) << "missing post " << r.id;
    auto post = decoder.decode(std::string_view(lines[li]), SourcePosition{});
    ASSERT_TRUE(post.ok()) << post.error().detail << " in " << lines[li];
    EXPECT_EQ(post.value().id, r.id);
    EXPECT_EQ(post.value().text, r.text);
    EXPECT_EQ(post.value().user, r.user);
    EXPECT_EQ(post.value().source, "replay");
    if (check_times) {
      EXPECT_EQ(post.value().created_at.value(), r.created_ms) << r.id;
    }
    ++li;
  }
  EXPECT_EQ(li, lines.size()) << "more lines than good rows";
}

std::map<std::string, int64_t> expected_reasons(const std::vector<Row>& rows) {
  std::map<std::string, int64_t> m;
  for (const Row& r : rows)
    if (!r.reason.empty()) ++m[r.reason];
  return m;
}

TEST(ProducePostsTest, DatasetCsvToAFileWithDeadLetters) {
  const auto dir = temp_dir();
  const std::vector<Row> rows = make_rows(400, 11);
  write_csv(dir / "tweets.csv", rows);
  ProduceCommand::Summary s;
  ASSERT_EQ(run_produce({"posts", "--from", (dir / "tweets.csv").string(), "--to",
                         "file:" + (dir / "out.jsonl").string(), "--dead-letter",
                         (dir / "dead.jsonl").string()},
                        &s),
            0);
  const auto reasons = expected_reasons(rows);
  ASSERT_EQ(reasons.size(), 3u);  // the rows above hold all three kinds
  int64_t bad = 0;
  for (const auto& [reason, n] : reasons) {
    EXPECT_EQ(s.dead_letters_by_reason[reason], n) << reason;
    bad += n;
  }
  EXPECT_EQ(s.read, 400);
  EXPECT_EQ(s.dead_letters, bad);
  EXPECT_EQ(s.sent, 400 - bad);
  EXPECT_TRUE(s.all_delivered);
  expect_posts(read_lines(dir / "out.jsonl"), rows);
  const auto dead = read_lines(dir / "dead.jsonl");
  ASSERT_EQ(static_cast<int64_t>(dead.size()), bad);
  for (const auto& l : dead) EXPECT_NE(l.find("\"stream\":\"tweets\""), std::string::npos) << l;
  std::filesystem::remove_all(dir);
}

TEST(ProducePostsTest, ExplicitFormatOverridesTheExtension) {
  const auto dir = temp_dir();
  const std::vector<Row> rows = make_rows(30, 5);
  write_csv(dir / "tweets.data", rows);  // sniffed as CSV anyway; --format csv says so
  ProduceCommand::Summary s;
  ASSERT_EQ(run_produce({"posts", "--from", (dir / "tweets.data").string(), "--format", "csv",
                         "--to", "file:" + (dir / "out.jsonl").string(), "--quiet"},
                        &s),
            0);
  expect_posts(read_lines(dir / "out.jsonl"), rows);
  // Read as JSON lines, every CSV record is malformed: dead letters, and the producer goes on.
  ASSERT_EQ(run_produce({"posts", "--from", (dir / "tweets.data").string(), "--format", "jsonl",
                         "--to", "file:" + (dir / "out2.jsonl").string(), "--quiet"},
                        &s),
            0);
  EXPECT_EQ(s.sent, 0);
  EXPECT_EQ(s.dead_letters, s.read);
  EXPECT_EQ(s.dead_letters_by_reason["malformed_json"], s.read);
  EXPECT_GT(s.read, 30);  // the header and every record
  std::filesystem::remove_all(dir);
}

TEST(ProducePostsTest, ParquetByExtension) {
  const auto dir = temp_dir();
  const std::string path = (dir / "tweets.parquet").string();
  {
    duckdb_database db;
    duckdb_connection conn;
    ASSERT_NE(duckdb_open(nullptr, &db), DuckDBError);
    ASSERT_NE(duckdb_connect(db, &conn), DuckDBError);
    const std::string sql =
        "COPY (SELECT (5000 + i)::VARCHAR AS id, TIMESTAMP '2020-04-15 01:00:00' + "
        "to_seconds(i * 7) AS created_at, 'post ' || i || ' about $NVDA' AS text, 'u' || (i % 9) "
        "AS username FROM range(500) t(i) ORDER BY i) TO '" +
        path + "' (FORMAT PARQUET)";
    duckdb_result res;
    const bool ok = duckdb_query(conn, sql.c_str(), &res) != DuckDBError;
    EXPECT_TRUE(ok) << duckdb_result_error(&res);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&conn);
    duckdb_close(&db);
    ASSERT_TRUE(ok);
  }
  ProduceCommand::Summary s;
  ASSERT_EQ(
      run_produce({"posts", "--from", path, "--to", "file:" + (dir / "out.jsonl").string()}, &s),
      0);
  EXPECT_EQ(s.sent, 500);
  const auto lines = read_lines(dir / "out.jsonl");
  ASSERT_EQ(lines.size(), 500u);
  PostDecoder decoder;
  for (int i = 0; i < 500; ++i) {
    auto post = decoder.decode(std::string_view(lines[static_cast<size_t>(i)]), SourcePosition{});
    ASSERT_TRUE(post.ok()) << post.error().detail;
    EXPECT_EQ(post.value().id, std::to_string(5000 + i));
    EXPECT_EQ(post.value().created_at.value(), iso("2020-04-15T01:00:00Z") + i * 7000);
    EXPECT_EQ(post.value().text, "post " + std::to_string(i) + " about $NVDA");
    EXPECT_EQ(post.value().user, "u" + std::to_string(i % 9));
  }
  std::filesystem::remove_all(dir);
}

// A producer stopped by --count and restarted from its resume file, several times, writes exactly
// what one uninterrupted run writes: no post repeated, none skipped, the same dead letters.
TEST(ProducePostsTest, StoppedAndResumedEqualsOneRun) {
  const auto dir = temp_dir();
  const std::vector<Row> rows = make_rows(1000, 23);
  const std::string in = write_csv(dir / "tweets.csv", rows).string();
  ProduceCommand::Summary full;
  ASSERT_EQ(run_produce(
                {"posts", "--from", in, "--to", "file:" + (dir / "full.jsonl").string(), "--quiet"},
                &full),
            0);
  const std::string pos = (dir / "replay.pos").string();
  const std::string part = "file:" + (dir / "part.jsonl").string();
  int64_t read = 0, sent = 0, dead = 0, runs = 0;
  for (const char* count : {"137", "1", "250", "0"}) {
    ProduceCommand::Summary s;
    ASSERT_EQ(run_produce({"posts", "--from", in, "--to", part, "--resume-file", pos, "--count",
                           count, "--quiet"},
                          &s),
              0);
    EXPECT_TRUE(s.position_saved);
    if (std::string(count) != "0") {
      EXPECT_EQ(s.read, std::stoll(count));
    }
    read += s.read, sent += s.sent, dead += s.dead_letters, ++runs;
  }
  EXPECT_EQ(read, full.read);
  EXPECT_EQ(sent, full.sent);
  EXPECT_EQ(dead, full.dead_letters);
  const auto whole = read_lines(dir / "full.jsonl");
  EXPECT_EQ(read_lines(dir / "part.jsonl"), whole);
  expect_posts(whole, rows);
  // A finished replay restarted once more has nothing left to send.
  ProduceCommand::Summary again;
  ASSERT_EQ(
      run_produce({"posts", "--from", in, "--to", part, "--resume-file", pos, "--quiet"}, &again),
      0);
  EXPECT_EQ(again.read, 0);
  EXPECT_EQ(read_lines(dir / "part.jsonl").size(), whole.size());
  std::filesystem::remove_all(dir);
}

// The same to Kafka: the position is saved only after the producer's flush confirmed delivery.
TEST(ProducePostsTest, StoppedAndResumedToKafkaDeliversEveryPostOnce) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("tweets", 4).ok());
  const auto dir = temp_dir();
  const std::vector<Row> rows = make_rows(500, 41);
  const std::string in = write_csv(dir / "tweets.csv", rows).string();
  const std::string pos = (dir / "replay.pos").string();
  const std::string to = "kafka://" + mc->bootstraps() + "/tweets";
  int64_t sent = 0;
  for (const char* count : {"170", "0"}) {
    ProduceCommand::Summary s;
    ASSERT_EQ(run_produce({"posts", "--from", in, "--to", to, "--resume-file", pos, "--count",
                           count, "--quiet"},
                          &s),
              0);
    EXPECT_TRUE(s.position_saved);
    EXPECT_EQ(s.delivery.delivered, static_cast<uint64_t>(s.sent));
    sent += s.sent;
  }
  std::set<std::string> want;
  for (const Row& r : rows)
    if (r.reason.empty()) want.insert(r.id);
  EXPECT_EQ(sent, static_cast<int64_t>(want.size()));
  const auto messages = read_back(mc->bootstraps(), {"tweets"}, want.size());
  PostDecoder decoder;
  std::set<std::string> got;
  for (const auto& m : messages) {
    auto post = decoder.decode(std::string_view(m.value), SourcePosition{});
    ASSERT_TRUE(post.ok()) << post.error().detail;
    EXPECT_TRUE(got.insert(post.value().id).second) << "repeated " << post.value().id;
  }
  EXPECT_EQ(got, want);
  std::filesystem::remove_all(dir);
}

// SIGINT while the producer waits for a post's rate slot: that post is not sent and not counted
// in the saved position, so the resumed run starts with it.
TEST(ProducePostsTest, InterruptedWhilePacedThenResumedEqualsOneRun) {
  const auto dir = temp_dir();
  const std::vector<Row> rows = make_rows(600, 31);
  const std::string in = write_csv(dir / "tweets.csv", rows).string();
  ASSERT_EQ(run_produce({"posts", "--from", in, "--to", "file:" + (dir / "full.jsonl").string(),
                         "--quiet"}),
            0);
  const std::string pos = (dir / "replay.pos").string();
  const fs::path part = dir / "part.jsonl";
  std::thread interrupter([&] {
    // The output exists once the command runs with its signal handlers installed.
    ASSERT_TRUE(wait_for([&] { return fs::exists(part); }, 10s));
    std::this_thread::sleep_for(300ms);
    std::raise(SIGINT);
  });
  ProduceCommand::Summary first;
  const int rc = run_produce({"posts", "--from", in, "--to", "file:" + part.string(),
                              "--resume-file", pos, "--rate", "200", "--quiet"},
                             &first);
  interrupter.join();
  ASSERT_EQ(rc, 0);
  ASSERT_LT(first.read, 600) << "the run was not interrupted";
  ProduceCommand::Summary rest;
  ASSERT_EQ(run_produce({"posts", "--from", in, "--to", "file:" + part.string(), "--resume-file",
                         pos, "--quiet"},
                        &rest),
            0);
  EXPECT_EQ(first.read + rest.read, 600);
  EXPECT_EQ(read_lines(part), read_lines(dir / "full.jsonl"));
  std::filesystem::remove_all(dir);
}

// --rebase-time: the first post is moved to now, every gap kept, also across a restart.
TEST(ProducePostsTest, RebasedTimesKeepTheirGapsAcrossARestart) {
  const auto dir = temp_dir();
  const std::vector<Row> rows = make_rows(200, 3);
  const std::string in = write_csv(dir / "tweets.csv", rows).string();
  const std::string pos = (dir / "replay.pos").string();
  const std::string out = "file:" + (dir / "out.jsonl").string();
  const int64_t before = SystemClock().now().value();
  ASSERT_EQ(run_produce({"posts", "--from", in, "--to", out, "--rebase-time", "--resume-file", pos,
                         "--count", "60", "--quiet"}),
            0);
  const int64_t after = SystemClock().now().value();
  ASSERT_EQ(run_produce({"posts", "--from", in, "--to", out, "--rebase-time", "--resume-file", pos,
                         "--quiet"}),
            0);
  const auto lines = read_lines(dir / "out.jsonl");
  expect_posts(lines, rows, /*check_times=*/false);
  PostDecoder decoder;
  std::vector<int64_t> original, rebased;
  for (const Row& r : rows)
    if (r.reason.empty()) original.push_back(r.created_ms);
  for (const auto& l : lines)
    rebased.push_back(
        decoder.decode(std::string_view(l), SourcePosition{}).value().created_at.value());
  ASSERT_EQ(rebased.size(), original.size());
  EXPECT_GE(rebased[0], before);
  EXPECT_LE(rebased[0], after);
  for (size_t i = 0; i < rebased.size(); ++i)
    EXPECT_EQ(rebased[i] - rebased[0], original[i] - original[0]) << i;
  std::filesystem::remove_all(dir);
}

TEST(ProducePostsTest, UsageErrors) {
  EXPECT_THROW(run_produce({"posts", "--to", "stdout", "--from", "/nonexistent/x.csv"}),
               std::runtime_error);
  EXPECT_THROW(run_produce({"posts", "--to", "stdout", "--from", "-", "--resume-file", "/tmp/p"}),
               std::runtime_error);
  for (const char* speed : {"0", "-2", "fast", "nan"}) {
    EXPECT_THROW(run_produce({"posts", "--to", "stdout", "--from", "x.csv", "--speed", speed}),
                 std::runtime_error)
        << speed;
  }
  EXPECT_THROW(run_produce({"bars", "--to", "stdout", "--format", "csv"}), std::runtime_error);
  EXPECT_THROW(run_produce({"fanout", "--to", "stdout"}), std::runtime_error);
}

// Daily candles: three symbols over two days, one bad row.
const char* kDailyCsv =
    "Date,Symbol,Open,High,Low,Close,Adj Close,Volume\n"
    "2024-05-01,AAPL,169.58,172.71,169.11,169.30,169.0,50383100\n"
    "2024-05-01,MSFT,392.61,401.72,390.31,394.94,394.0,28323700\n"
    "2024-05-01,NVDA,850.77,869.50,812.54,830.41,830.41,48363000\n"
    "2024-05-02,AAPL,172.51,173.42,170.89,173.03,172.8,94214900\n"
    "2024-13-02,AAPL,1,2,0.5,1.5,1,10\n"
    "2024-05-02,MSFT,397.66,399.93,394.65,397.84,,17709400\n"
    "2024-05-02,NVDA,844.00,860.00,835.10,858.17,,32000000\n";

struct Candle {
  double open, high, low, close, volume;
};
// The candles above, keyed by (symbol, date).
const std::map<std::pair<std::string, std::string>, Candle> kCandles = {
    {{"AAPL", "2024-05-01"}, {169.58, 172.71, 169.11, 169.30, 50383100}},
    {{"MSFT", "2024-05-01"}, {392.61, 401.72, 390.31, 394.94, 28323700}},
    {{"NVDA", "2024-05-01"}, {850.77, 869.50, 812.54, 830.41, 48363000}},
    {{"AAPL", "2024-05-02"}, {172.51, 173.42, 170.89, 173.03, 94214900}},
    {{"MSFT", "2024-05-02"}, {397.66, 399.93, 394.65, 397.84, 17709400}},
    {{"NVDA", "2024-05-02"}, {844.00, 860.00, 835.10, 858.17, 32000000}},
};

TEST(ProduceFanoutTest, MinuteBarsToKafkaKeyedBySymbol) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("stock-prices", 4).ok());
  const auto dir = temp_dir();
  std::ofstream(dir / "daily.csv") << kDailyCsv;
  ProduceCommand::Summary s;
  ASSERT_EQ(run_produce({"fanout", "--from", (dir / "daily.csv").string(), "--to",
                         "kafka://" + mc->bootstraps() + "/stock-prices", "--seed", "9"},
                        &s),
            0);
  EXPECT_EQ(s.sent, 6 * 390);
  EXPECT_EQ(s.dead_letters, 1);
  EXPECT_EQ(s.dead_letters_by_reason["bad_timestamp"], 1);
  EXPECT_EQ(s.delivery.delivered, 6u * 390u);

  const auto messages = read_back(mc->bootstraps(), {"stock-prices"}, 6 * 390);
  ASSERT_EQ(messages.size(), 6u * 390u);
  BarDecoder decoder;
  std::map<std::string, int32_t> partition_of;
  std::map<std::pair<std::string, std::string>, std::vector<Bar>> days;
  for (const auto& m : messages) {
    auto b = decoder.decode(std::string_view(m.value), SourcePosition{});
    ASSERT_TRUE(b.ok()) << b.error().detail;
    EXPECT_EQ(m.key, b.value().symbol);
    auto [it, fresh] = partition_of.emplace(m.key, m.partition);
    EXPECT_TRUE(fresh || it->second == m.partition) << m.key;
    days[{b.value().symbol, format_iso8601(b.value().ts).substr(0, 10)}].push_back(b.value());
  }
  ASSERT_EQ(days.size(), kCandles.size());
  for (auto& [day, bars] : days) {
    SCOPED_TRACE(day.first + " " + day.second);
    const Candle& c = kCandles.at(day);
    ASSERT_EQ(bars.size(), 390u);
    // One partition per symbol: the consumer sees them in produced order.
    EXPECT_EQ(format_iso8601(bars.front().ts), day.second + "T13:30:00.000Z");  // 09:30 EDT
    EXPECT_EQ(format_iso8601(bars.back().ts), day.second + "T19:59:00.000Z");
    EXPECT_EQ(bars.front().open, c.open);
    EXPECT_EQ(bars.back().close, c.close);
    double high = 0, low = 1e300, volume = 0;
    for (size_t i = 0; i < bars.size(); ++i) {
      high = std::max(high, bars[i].high);
      low = std::min(low, bars[i].low);
      volume += bars[i].volume;
      if (i > 0) {
        EXPECT_EQ(bars[i].ts.value() - bars[i - 1].ts.value(), 60000);
      }
    }
    EXPECT_EQ(high, c.high);
    EXPECT_EQ(low, c.low);
    EXPECT_EQ(volume, c.volume);
  }
  std::filesystem::remove_all(dir);
}

TEST(ProduceFanoutTest, ToAFileMinuteByMinuteAndCountStopsAtAMinuteEnd) {
  const auto dir = temp_dir();
  std::ofstream(dir / "daily.csv") << kDailyCsv;
  ProduceCommand::Summary s;
  ASSERT_EQ(run_produce({"fanout", "--from", (dir / "daily.csv").string(), "--to",
                         "file:" + (dir / "out.jsonl").string(), "--count", "7", "--quiet"},
                        &s),
            0);
  // The bad row is record 1; then whole minutes of three bars until 7 records are reached.
  EXPECT_EQ(s.sent, 6);
  const auto lines = read_lines(dir / "out.jsonl");
  ASSERT_EQ(lines.size(), 6u);
  BarDecoder decoder;
  for (size_t minute = 0; minute < 2; ++minute) {
    std::set<std::string> symbols;
    for (size_t k = 0; k < 3; ++k) {
      auto b = decoder.decode(std::string_view(lines[minute * 3 + k]), SourcePosition{});
      ASSERT_TRUE(b.ok()) << b.error().detail;
      EXPECT_EQ(b.value().ts.value(),
                iso("2024-05-01T13:30:00Z") + static_cast<int64_t>(minute) * 60000);
      symbols.insert(b.value().symbol);
    }
    EXPECT_EQ(symbols, (std::set<std::string>{"AAPL", "MSFT", "NVDA"}));
  }
  std::filesystem::remove_all(dir);
}

// --- alpaca ---------------------------------------------------------------------------------

using testing::bar_json;
using testing::FakeAlpacaServer;
using testing::kKey;
using testing::kSecret;

const std::vector<std::string> kAlpacaFrames = {
    "[" + bar_json("AAPL", "2024-05-01T14:30:00Z", 170) + "," +
        bar_json("MSFT", "2024-05-01T14:30:00Z", 400) + "]",
    "[" + bar_json("AAPL", "2024-05-01T14:31:00Z", 171) + "]",
    "[" + bar_json("MSFT", "2024-05-01T14:31:00Z", 401) + "]",
};

// Sets (or, with nullptr, removes) the Alpaca keys for one test.
class AlpacaKeys {
 public:
  AlpacaKeys(const char* key, const char* secret) {
    set("ALPACA_API_KEY", key);
    set("ALPACA_API_SECRET", secret);
  }
  ~AlpacaKeys() {
    ::unsetenv("ALPACA_API_KEY");
    ::unsetenv("ALPACA_API_SECRET");
  }

 private:
  static void set(const char* name, const char* value) {
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
};

std::string url_of(const FakeAlpacaServer& server) {
  return "ws://127.0.0.1:" + std::to_string(server.port()) + "/v2/iex";
}

// The bars the frames above hold, as contract JSON.
void expect_alpaca_bars(const std::vector<std::string>& lines) {
  ASSERT_EQ(lines.size(), 4u);
  const std::vector<std::pair<std::string, double>> expected = {
      {"AAPL", 170}, {"MSFT", 400}, {"AAPL", 171}, {"MSFT", 401}};
  const int64_t t0 = iso("2024-05-01T14:30:00Z");
  BarDecoder decoder;
  for (size_t i = 0; i < 4; ++i) {
    auto b = decoder.decode(std::string_view(lines[i]), SourcePosition{});
    ASSERT_TRUE(b.ok()) << b.error().detail << " in " << lines[i];
    EXPECT_EQ(b.value().symbol, expected[i].first);
    EXPECT_EQ(b.value().close, expected[i].second);
    EXPECT_EQ(b.value().open, expected[i].second - 1);
    EXPECT_EQ(b.value().high, expected[i].second + 1);
    EXPECT_EQ(b.value().low, expected[i].second - 2);
    EXPECT_EQ(b.value().vwap, expected[i].second);
    EXPECT_EQ(b.value().volume, 1200);
    EXPECT_EQ(b.value().trade_count, 42);
    EXPECT_EQ(b.value().ts.value(), t0 + (i < 2 ? 0 : 60000));
  }
}

TEST(ProduceAlpacaTest, BarsToAFileAsContractJson) {
  FakeAlpacaServer server({.frames = kAlpacaFrames}, nullptr);
  AlpacaKeys keys(kKey, kSecret);
  const auto dir = temp_dir();
  ProduceCommand::Summary s;
  ASSERT_EQ(run_produce({"alpaca", "--symbols", "AAPL,MSFT", "--alpaca-url", url_of(server), "--to",
                         "file:" + (dir / "bars.jsonl").string(), "--count", "4"},
                        &s),
            0);
  EXPECT_EQ(s.read, 4);
  EXPECT_EQ(s.sent, 4);
  EXPECT_TRUE(s.all_delivered);
  expect_alpaca_bars(read_lines(dir / "bars.jsonl"));
  const auto got = server.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], R"({"action":"subscribe","bars":["AAPL","MSFT"]})");
  std::filesystem::remove_all(dir);
}

TEST(ProduceAlpacaTest, SigtermStopsCleanlyAndFlushesToKafka) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("stock-prices", 4).ok());
  FakeAlpacaServer server({.frames = kAlpacaFrames}, nullptr);
  AlpacaKeys keys(kKey, kSecret);
  std::atomic<bool> produced{false};
  std::thread stopper([&] {
    // All four bars were handed over once the server sent its frames and the client turned them
    // into bars; the delivery counters below show whether the stop flushed them.
    ASSERT_TRUE(wait_for([&] { return server.frames_sent() == 3; }, 10s));
    std::this_thread::sleep_for(500ms);
    produced = true;
    std::raise(SIGTERM);
  });
  ProduceCommand::Summary s;
  const int rc = run_produce({"alpaca", "--symbols", "AAPL,MSFT", "--alpaca-url", url_of(server),
                              "--to", "kafka://" + mc->bootstraps() + "/stock-prices"},
                             &s);
  stopper.join();
  ASSERT_TRUE(produced);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(s.sent, 4);
  EXPECT_TRUE(s.all_delivered);
  EXPECT_EQ(s.delivery.delivered, 4u);
  EXPECT_EQ(s.delivery.in_flight(), 0u);
  auto messages = read_back(mc->bootstraps(), {"stock-prices"}, 4);
  ASSERT_EQ(messages.size(), 4u);
  BarDecoder decoder;
  std::map<std::string, int> per_symbol;
  for (const auto& m : messages) {
    auto b = decoder.decode(std::string_view(m.value), SourcePosition{});
    ASSERT_TRUE(b.ok()) << b.error().detail;
    EXPECT_EQ(m.key, b.value().symbol);
    ++per_symbol[m.key];
  }
  EXPECT_EQ(per_symbol, (std::map<std::string, int>{{"AAPL", 2}, {"MSFT", 2}}));
}

TEST(ProduceAlpacaTest, MissingKeysAreAClearStartUpError) {
  AlpacaKeys keys(nullptr, kSecret);
  try {
    run_produce({"alpaca", "--symbols", "AAPL", "--alpaca-url", "ws://127.0.0.1:1/v2/iex", "--to",
                 "stdout"});
    ADD_FAILURE() << "no error without ALPACA_API_KEY";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("ALPACA_API_KEY"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(kSecret), std::string::npos);
  }
  AlpacaKeys both(kKey, kSecret);
  EXPECT_THROW(run_produce({"alpaca", "--to", "stdout"}), std::runtime_error);  // no --symbols
}

TEST(ProduceAlpacaTest, WrongKeysExitNonZeroWithoutPrintingThem) {
  FakeAlpacaServer server({.frames = kAlpacaFrames}, nullptr);
  AlpacaKeys keys(kKey, "WRONG-SECRET-zzzzzzzz");
  const auto dir = temp_dir();
  ::testing::internal::CaptureStderr();
  ProduceCommand::Summary s;
  const int rc = run_produce({"alpaca", "--symbols", "AAPL,MSFT", "--alpaca-url", url_of(server),
                              "--to", "file:" + (dir / "bars.jsonl").string()},
                             &s);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(s.sent, 0);
  EXPECT_NE(err.find("402"), std::string::npos) << err;
  EXPECT_EQ(err.find("WRONG-SECRET"), std::string::npos) << err;
  EXPECT_EQ(err.find(kKey), std::string::npos) << err;
  EXPECT_EQ(server.connections(), 1);  // a configuration error, not a reconnect loop
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stockpulse
