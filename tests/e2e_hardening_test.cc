// The CLIs under hostile input (issue #15): times at the end of the supported range,
// non-finite or absurd floating-point options, an endless line on `score --jsonl`, and a disk
// that fills up during `run`. The real binary, its exit code and what it prints.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Item 3: a post of 9999-12-31 made a window ending in the year 10000, stored as
// "10000-01-01T00:04:00.000" plus a NUL, after which /api/symbols answered 500. Such records are
// dead letters now; every stored time is a 24-character ISO text.
TEST(Hardening, TimesBeyondTheSupportedRangeAreDeadLettersNotStoredRows) {
  const auto dir = scratch("hardening_year_10000");
  {
    std::ofstream posts(dir / "posts.jsonl");
    posts << R"({"id":"a","created_at":"2024-05-01T14:30:00Z","text":"$AAPL strong"})"
          << "\n"
          << R"({"id":"b","created_at":"9999-12-31T23:59:00Z","text":"$AAPL doom"})"
          << "\n"
          << R"({"id":"c","created_at":"9998-12-31T23:59:59Z","text":"$AAPL fine"})"
          << "\n"
          << R"({"id":"d","created_at":"9998-12-31T23:00:00-04:00","text":"$AAPL doom"})"
          << "\n";
  }
  const auto r = run(binary() + " run --posts " + (dir / "posts.jsonl").string() +
                     " --until-eof --quiet --lake none --output-dir " + (dir / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string dead = slurp(dir / "out/dead_letter.jsonl");
  EXPECT_EQ(count_of(dead, "\"reason\":\"bad_timestamp\""), 2u) << dead;
  const std::string db = (dir / "out/serving.db").string();
  const auto bad = run("sqlite3 " + db +
                       " \"SELECT COUNT(*) FROM topic_sentiment_avg WHERE length(window_end) != 24 "
                       "OR length(window_start) != 24 OR instr(window_end, char(0)) > 0\"");
  EXPECT_EQ(bad.output, "0\n");
  const auto latest = run("sqlite3 " + db + " \"SELECT MAX(window_end) FROM topic_sentiment_avg\"");
  EXPECT_EQ(latest.output, "9999-01-01T00:04:00.000Z\n");
}

// Item 5: every floating-point option is a finite number in a documented range, refused like any
// other configuration error (exit 2, one message naming the option), never an abort or a hang.
// `timeout` bounds the runs: before, --speed 1e15 ignored --duration and SIGTERM.
TEST(Hardening, NonFiniteOrAbsurdFloatOptionsAreConfigurationErrors) {
  const auto dir = scratch("hardening_floats");
  const std::string out = " --output-dir " + (dir / "out").string();
  for (const std::string flags :
       {"--speed nan", "--speed inf", "--speed -inf", "--speed 1e15", "--speed 1e308", "--speed 0",
        "--rate nan", "--rate inf", "--rate 1e300", "--replay-speed nan", "--replay-speed inf"}) {
    const auto r =
        run("timeout 60 " + binary() + " run --duration 2 --no-dashboard " + flags + out);
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.output;
    EXPECT_NE(r.output.find("must be"), std::string::npos) << flags << ": " << r.output;
    EXPECT_NE(r.output.find("finite number"), std::string::npos) << flags << ": " << r.output;
  }
  for (const std::string toml : {"speed = nan", "speed = inf", "speed = 1e308",
                                 "posts_per_second = -inf", "replay_speed = nan"}) {
    std::ofstream(dir / "c.toml") << "[sources]\n" << toml << "\n";
    const auto r = run("timeout 60 " + binary() + " run --duration 2 --no-dashboard --config " +
                       (dir / "c.toml").string() + out);
    EXPECT_EQ(r.exit_code, 2) << toml << ": " << r.output;
    EXPECT_NE(r.output.find("sources."), std::string::npos) << toml << ": " << r.output;
  }
  for (const std::string& command :
       {"generate --posts 10 --posts-per-second nan --posts-out " + (dir / "p.jsonl").string() +
            " --bars-out " + (dir / "b.jsonl").string(),
        "lake compact --lake " + (dir / "lake").string() + " --grace-minutes inf"}) {
    const auto r = run("timeout 60 " + binary() + " " + command);
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.output;
    EXPECT_NE(r.output.find("finite number"), std::string::npos) << command << ": " << r.output;
  }
  // The largest speed allowed still stops at --duration.
  const auto fast =
      run("timeout 120 " + binary() +
          " run --duration 2 --no-dashboard --quiet --lake none --speed 10000 --rate 1" + out);
  EXPECT_EQ(fast.exit_code, 0) << fast.output;
}

// Item 6: `score --jsonl` reads lines as `run` does, in bounded memory: a line longer than the
// record limit is reported and skipped, and the next line is scored. 512 MB of spaces on one
// line under a 256 MB data limit: before, the whole line was held (and the process died).
// Under a sanitizer the binary cannot start with a data limit (ASan maps its shadow memory
// first), so there the bound is checked on the peak RSS instead.
TEST(Hardening, ScoreJsonlSkipsOverlongLinesInBoundedMemory) {
#ifdef STOCKPULSE_SANITIZED
  const std::string limited = "/usr/bin/time -f maxrss_kb=%M " + binary() + " score --jsonl";
#else
  const std::string limited = "sh -c 'ulimit -d 262144; exec " + binary() + " score --jsonl'";
#endif
  const auto r = run(
      "( echo '{\"id\":1,\"text\":\"good\"}'; head -c 536870912 /dev/zero | tr '\\0' ' '; echo; "
      "echo '{\"id\":2,\"text\":\"$NVDA to the moon\"}' ) | " +
      limited);
#ifdef STOCKPULSE_SANITIZED
  const size_t at = r.output.rfind("maxrss_kb=");
  ASSERT_NE(at, std::string::npos) << r.output.substr(0, 2000);
  EXPECT_LT(std::stoll(r.output.substr(at + 10)), 400 * 1024) << "peak RSS in KB";
#endif
  EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 2000);  // 1: some lines were not scored
  EXPECT_NE(r.output.find("{\"id\":\"1\""), std::string::npos) << r.output.substr(0, 2000);
  EXPECT_NE(r.output.find("\"line\":2,\"error\":\"line of 536870912 bytes is longer than "
                          "--max-record-bytes (1048576)\""),
            std::string::npos)
      << r.output.substr(0, 2000);
  EXPECT_NE(r.output.find("{\"id\":\"2\""), std::string::npos) << r.output.substr(0, 2000);
  EXPECT_NE(r.output.find("\"symbol\":\"NVDA\""), std::string::npos) << r.output.substr(0, 2000);
}

// Item 9: a full disk during `run` is reported once (what failed, what was stored, how to
// resume), the run exits non-zero and never says "done" (before: 44 identical error lines, then
// "done. 100000 posts scored"). The output folder is a small tmpfs mounted by the test (CI runs
// as root); the test fails, not skips, when it cannot mount.
class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch("hardening_disk_full");
    mnt_ = dir_ / "mnt";
    std::filesystem::create_directories(mnt_);
    const auto g =
        run(binary() + " generate --posts 100000 --posts-out " + (dir_ / "posts.jsonl").string() +
            " --bars-out " + (dir_ / "bars.jsonl").string());
    ASSERT_EQ(g.exit_code, 0) << g.output;
    // Room for the run's sorted copy of the inputs (made at start) and 3 MiB more: the serving
    // store fills it mid-run.
    const auto size = std::filesystem::file_size(dir_ / "posts.jsonl") +
                      std::filesystem::file_size(dir_ / "bars.jsonl") + (3u << 20);
    const std::string options = "size=" + std::to_string(size);
    if (::mount("tmpfs", mnt_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      FAIL() << "cannot mount a tmpfs on " << mnt_ << ": " << std::strerror(errno)
             << " (this test needs root, as CI has)";
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(mnt_.c_str(), MNT_DETACH);
  }
  std::filesystem::path dir_, mnt_;
  bool mounted_ = false;
};

TEST_F(DiskFullTest, ItIsReportedOnceWithWhatWasStoredAndHowToResume) {
  const auto g =
      run(binary() + " generate --posts 100000 --posts-out " + (dir_ / "posts.jsonl").string() +
          " --bars-out " + (dir_ / "bars.jsonl").string());
  ASSERT_EQ(g.exit_code, 0) << g.output;
  const auto r = run(binary() + " run --posts " + (dir_ / "posts.jsonl").string() + " --bars " +
                     (dir_ / "bars.jsonl").string() + " --until-eof --quiet --output-dir " +
                     (mnt_ / "out").string() + " --checkpoint-interval 1");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("done"), std::string::npos) << r.output;
  EXPECT_EQ(count_of(r.output, "FAILED"), 1u) << r.output;
  EXPECT_EQ(count_of(r.output, "error"), 0u) << r.output;  // no repeated error lines besides it
  EXPECT_NE(r.output.find("full"), std::string::npos) << r.output;  // what failed
  EXPECT_NE(r.output.find("stored:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("resume:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("run the same command again"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace stockpulse::e2e
