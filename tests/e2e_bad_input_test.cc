// Bad input loses nothing and stops nothing: every valid record is processed, every bad one lands
// in the dead-letter file with its reason, and the run exits 0.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <map>
#include <set>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

TEST(BadInput, EveryValidRecordProcessedEveryBadOneDeadLettered) {
  const auto dir = scratch("bad_input");
  std::ofstream posts(dir / "posts.jsonl", std::ios::binary);
  std::set<std::string> valid_ids;
  auto good = [&](int i) {
    const std::string id = "ok-" + std::to_string(i);
    valid_ids.insert(id);
    posts << "{\"id\":\"" << id << "\",\"created_at\":\"2024-05-01T14:" << (10 + i % 40)
          << ":00Z\",\"text\":\"$AAPL looks great today " << i << "\",\"user\":\"u\"}\n";
  };
  // Expected reason of each bad record, by its line number (0-based offset).
  std::map<int64_t, std::string> bad;
  int64_t line = 0;
  for (int i = 0; i < 30; ++i) {
    good(i);
    ++line;
    switch (i) {
      case 3:
        posts << "{\"id\":\"t1\",\"created_at\":\"2024-05-01T14:30:00Z\",\"text\":\"cut off\n";
        bad[line++] = "malformed_json";
        break;
      case 6:
        posts << "{\"id\":\"t2\",\"created_at\":\"2024-05-01T14:30:00Z\",\"text\":42}\n";
        bad[line++] = "wrong_type";
        break;
      case 9:
        posts << "{\"id\":\"t3\",\"text\":\"no time $MSFT\"}\n";
        bad[line++] = "missing_field";
        break;
      case 12:
        posts << "{\"id\":\"t4\",\"created_at\":\"yesterday\",\"text\":\"x\"}\n";
        bad[line++] = "bad_timestamp";
        break;
      case 15:
        posts << "{\"id\":\"t5\",\"created_at\":\"2024-05-01T14:30:00Z\",\"text\":\"bad \xC3\x28 "
                 "utf8\"}\n";
        bad[line++] = "invalid_utf8";
        break;
      case 18:
        posts << "{\"id\":\"t6\",\"created_at\":\"2024-05-01T14:30:00Z\",\"text\":\""
              << std::string(10 << 20, 'a') << "\"}\n";
        bad[line++] = "too_large";
        break;
      case 21:
        posts << "not json at all\n";
        bad[line++] = "malformed_json";
        break;
    }
  }
  posts.close();

  std::ofstream bars(dir / "bars.jsonl", std::ios::binary);
  int64_t bar_line = 0;
  std::map<int64_t, std::string> bad_bars;
  std::set<std::string> valid_bar_times;
  for (int i = 0; i < 20; ++i) {
    const std::string ts = "2024-05-01T14:" + std::to_string(10 + i) + ":00Z";
    valid_bar_times.insert(ts);
    bars << "{\"symbol\":\"AAPL\",\"timestamp\":\"" << ts
         << "\",\"open\":10,\"high\":11,\"low\":9,\"close\":10.5,\"volume\":100}\n";
    ++bar_line;
    if (i == 5) {
      bars << "{\"symbol\":\"AAPL\",\"timestamp\":\"2024-05-01T14:40:00Z\",\"open\":10,\"high\":11,"
              "\"low\":9,\"close\":NaN,\"volume\":100}\n";
      bad_bars[bar_line++] = "malformed_json";  // NaN is not JSON
      bars << "{\"symbol\":\"AAPL\",\"timestamp\":\"2024-05-01T14:40:00Z\",\"open\":10,\"high\":11,"
              "\"low\":9,\"close\":\"NaN\",\"volume\":100}\n";
      bad_bars[bar_line++] = "invalid_number";
      bars << "{\"symbol\":\"AAPL\",\"timestamp\":\"2024-05-01T14:40:00Z\",\"open\":10,\"high\":11,"
              "\"low\":9,\"close\":10,\"volume\":-5}\n";
      bad_bars[bar_line++] = "invalid_number";
      bars << "{\"symbol\":\"AAPL\",\"open\":10,\"close\":10}\n";
      bad_bars[bar_line++] = "missing_field";
    }
  }
  bars.close();

  const auto r = run(binary() + " run --posts " + (dir / "posts.jsonl").string() + " --bars " +
                     (dir / "bars.jsonl").string() + " --until-eof --quiet --output-dir " +
                     (dir / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // Every valid post is in the serving store.
  const auto ids = run("sqlite3 " + (dir / "out/serving.db").string() +
                       " 'SELECT DISTINCT id FROM tweets ORDER BY id'");
  ASSERT_EQ(ids.exit_code, 0) << ids.output;
  std::set<std::string> stored;
  std::istringstream in(ids.output);
  for (std::string l; std::getline(in, l);) stored.insert(l);
  EXPECT_EQ(stored, valid_ids);
  const auto nbars =
      run("sqlite3 " + (dir / "out/serving.db").string() + " 'SELECT COUNT(*) FROM market_data'");
  EXPECT_EQ(std::stoi(nbars.output), static_cast<int>(valid_bar_times.size()));

  // Every bad record is in the dead-letter file, at its offset, with the expected reason.
  std::map<std::pair<std::string, int64_t>, std::string> letters;
  std::ifstream dl(dir / "out/dead_letter.jsonl", std::ios::binary);
  simdjson::dom::parser parser;
  for (std::string l; std::getline(dl, l);) {
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(l).get(e), simdjson::SUCCESS) << l.substr(0, 200);
    EXPECT_LE(std::string_view(e["payload"]).size(), 4096u);
    EXPECT_FALSE(std::string_view(e["detail"]).empty());
    letters[{std::string(std::string_view(e["stream"])), int64_t(e["offset"])}] =
        std::string(std::string_view(e["reason"]));
  }
  std::map<std::pair<std::string, int64_t>, std::string> expected;
  for (const auto& [off, reason] : bad) expected[{"tweets", off}] = reason;
  for (const auto& [off, reason] : bad_bars) expected[{"stock-prices", off}] = reason;
  EXPECT_EQ(letters, expected);
  EXPECT_NE(r.output.find(std::to_string(expected.size()) + " dead letters"), std::string::npos)
      << r.output;
}

TEST(Cli, HelpExplainsEveryCommand) {
  const auto r = run(binary() + " --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"run", "generate", "score", "eval"}) {
    EXPECT_NE(r.output.find(cmd), std::string::npos) << cmd;
  }
  const auto rr = run(binary() + " run --help");
  for (const char* flag : {"--posts", "--bars", "--until-eof", "--serving", "--lake", "--duration",
                           "--config", "--seed"}) {
    EXPECT_NE(rr.output.find(flag), std::string::npos) << flag;
  }
}

TEST(Cli, StartUpErrorsAreClear) {
  const auto dir = scratch("cli_errors");
  std::ofstream(dir / "bad.toml") << "[window]\nsize_s = 90\nslide_s = 60\n";
  const auto r = run(binary() + " run --config " + (dir / "bad.toml").string() + " --duration 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("window.size_s must be a positive multiple"), std::string::npos)
      << r.output;
  const auto m = run(binary() + " run --posts " + (dir / "missing.jsonl").string() +
                     " --until-eof --quiet --output-dir " + (dir / "out").string());
  EXPECT_NE(m.exit_code, 0);
  EXPECT_NE(m.output.find("missing.jsonl"), std::string::npos) << m.output;
}

TEST(Synthetic, RunsForItsDurationAndReportsWhereResultsAre) {
  const auto dir = scratch("synthetic");
  const auto r = run(binary() + " run --duration 3 --rate 2000 --speed 120 --listen 127.0.0.1:0 " +
                     "--output-dir " + (dir / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("posts/s"), std::string::npos) << r.output;  // progress lines
  EXPECT_NE(r.output.find("serving store: sqlite:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("dashboard at http://127.0.0.1:"), std::string::npos) << r.output;
  const auto n = run("sqlite3 " + (dir / "out/serving.db").string() +
                     " 'SELECT COUNT(*) FROM topic_sentiment_avg WHERE is_final = 1'");
  EXPECT_GT(std::stoi(n.output), 0) << n.output;
  const auto b =
      run("sqlite3 " + (dir / "out/serving.db").string() + " 'SELECT COUNT(*) FROM market_data'");
  EXPECT_GT(std::stoi(b.output), 0) << b.output;
}

}  // namespace
}  // namespace stockpulse::e2e

namespace stockpulse::e2e {
namespace {

// --rebase-time maps the earliest record to the start of the run and keeps every gap.
TEST(RebaseTime, OldDataLandsAtThePresentWithItsGapsKept) {
  const auto dir = scratch("rebase");
  std::ofstream posts(dir / "posts.jsonl");
  posts << "{\"id\":\"a\",\"created_at\":\"2020-04-09T10:00:00Z\",\"text\":\"$AAPL great\"}\n"
        << "{\"id\":\"b\",\"created_at\":\"2020-04-09T10:07:30Z\",\"text\":\"$AAPL awful\"}\n";
  posts.close();
  std::ofstream bars(dir / "bars.jsonl");
  bars << "{\"symbol\":\"AAPL\",\"timestamp\":\"2020-04-09T10:01:00Z\",\"open\":1,\"high\":2,"
          "\"low\":1,\"close\":2,\"volume\":5}\n";
  bars.close();
  const auto before = std::chrono::system_clock::now();
  const auto r = run(binary() + " run --posts " + (dir / "posts.jsonl").string() + " --bars " +
                     (dir / "bars.jsonl").string() + " --until-eof --rebase-time --quiet " +
                     "--output-dir " + (dir / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto q = run("sqlite3 " + (dir / "out/serving.db").string() +
                     " \"SELECT (julianday(max(created_at)) - julianday(min(created_at))) * 86400,"
                     " strftime('%s', min(created_at)) FROM tweets\"");
  ASSERT_EQ(q.exit_code, 0) << q.output;
  const double gap_s = std::stod(q.output);
  const long first = std::stol(q.output.substr(q.output.find('|') + 1));
  EXPECT_NEAR(gap_s, 450.0, 0.01) << q.output;  // 7 min 30 s apart, as in the file
  const long now_s =
      std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(first), static_cast<double>(now_s), 120.0) << q.output;
  const auto bar = run("sqlite3 " + (dir / "out/serving.db").string() +
                       " \"SELECT strftime('%s', ts) FROM market_data\"");
  EXPECT_EQ(std::stol(bar.output) - first, 60) << "bars shift by the same amount as posts";
}

}  // namespace
}  // namespace stockpulse::e2e

namespace stockpulse::e2e {
namespace {

// Over the key cap, records go to the dead-letter stream with the record itself: counted, not lost.
TEST(KeyLimit, RecordsBeyondTheCapAreDeadLetteredWithTheirContent) {
  const auto dir = scratch("key_limit");
  std::ofstream(dir / "cap.toml") << "[window]\nmax_keys = 2\n";
  std::ofstream bars(dir / "bars.jsonl");
  for (const char* sym : {"AAA", "BBB", "CCC"}) {
    bars << "{\"symbol\":\"" << sym << "\",\"timestamp\":\"2024-05-01T14:00:00Z\",\"open\":1,"
         << "\"high\":2,\"low\":1,\"close\":2,\"volume\":5}\n";
  }
  bars.close();
  const auto r = run(binary() + " run --config " + (dir / "cap.toml").string() + " --bars " +
                     (dir / "bars.jsonl").string() + " --until-eof --quiet --output-dir " +
                     (dir / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string dl = slurp(dir / "out/dead_letter.jsonl");
  EXPECT_NE(dl.find("\"reason\":\"key_limit\""), std::string::npos) << dl;
  EXPECT_NE(dl.find("CCC"), std::string::npos) << dl;
  EXPECT_NE(dl.find("\\\"close\\\":2"), std::string::npos) << "the bar itself is kept: " << dl;
  const auto n = run("sqlite3 " + (dir / "out/serving.db").string() +
                     " 'SELECT group_concat(symbol) FROM market_data'");
  EXPECT_EQ(n.output, "AAA,BBB\n");
}

}  // namespace
}  // namespace stockpulse::e2e
