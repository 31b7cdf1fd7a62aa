// The lake's memory on a sparse, multi-year replay (issue #14): posts a few a day over two years
// and daily candles fanned out to minute bars keep thousands of (table, hour) stagings open over
// the run. The lake must stay within its memory budget: the whole process's peak RSS is bounded,
// and every input record is in the lake once.
#include <sys/resource.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string iso_date(int64_t days) {
  // civil_from_days, the inverse of the above.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y + (m <= 2)), m, d);
  return buf;
}

struct SparseInput {
  std::filesystem::path posts, candles;
  int64_t posts_count = 0;
  int64_t bars_count = 0;  // minute bars the candles fan out to
};

// Posts: `per_day` a day at scattered times over `days` days from 2023-01-02, in time order (a
// tweet dataset's dump). Candles: one per symbol and weekday over the same span (long layout),
// each fanned out by the pipeline to 390 minute bars.
SparseInput make_sparse_input(const std::filesystem::path& dir, int days, int per_day,
                              const std::vector<std::string>& symbols) {
  SparseInput in{dir / "posts.jsonl", dir / "prices.csv"};
  const int64_t first_day = days_from_civil(2023, 1, 2);
  uint64_t rng = 12345;
  auto next = [&rng](uint64_t bound) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (rng >> 33) % bound;
  };
  {
    std::ofstream out(in.posts);
    for (int d = 0; d < days; ++d) {
      std::vector<uint64_t> seconds;
      for (int i = 0; i < per_day; ++i) seconds.push_back(next(86400));
      std::sort(seconds.begin(), seconds.end());
      for (const uint64_t s : seconds) {
        char time[96];
        std::snprintf(time, sizeof time, "%sT%02u:%02u:%02u.000Z", iso_date(first_day + d).c_str(),
                      static_cast<unsigned>(s / 3600), static_cast<unsigned>(s / 60 % 60),
                      static_cast<unsigned>(s % 60));
        const std::string& symbol = symbols[next(symbols.size())];
        out << "{\"id\": \"t" << in.posts_count << "\", \"created_at\": \"" << time
            << "\", \"text\": \"$" << symbol
            << (next(2) ? " looks strong, buying more" : " is a trap, selling")
            << "\", \"user\": \"u" << next(50) << "\", \"source\": \"dataset\"}\n";
        ++in.posts_count;
      }
    }
  }
  {
    std::ofstream out(in.candles);
    out << "Date,Symbol,Open,High,Low,Close,Adj Close,Volume\n";
    for (int d = 0; d < days; ++d) {
      const int64_t day = first_day + d;
      if ((day + 4) % 7 >= 5) continue;  // 1970-01-01 was a Thursday: skip Saturday, Sunday
      for (size_t i = 0; i < symbols.size(); ++i) {
        const double open =
            100.0 + 10.0 * static_cast<double>(i) + static_cast<double>(next(500)) / 100.0;
        const double close = open * (0.99 + static_cast<double>(next(200)) / 10000.0);
        out << iso_date(day) << ',' << symbols[i] << ',' << open << ','
            << std::max(open, close) * 1.005 << ',' << std::min(open, close) * 0.995 << ',' << close
            << ',' << close << ',' << 1000000 + next(1000000) << '\n';
        in.bars_count += 390;
      }
    }
  }
  return in;
}

// Runs a command to its end; its exit code and peak resident set size in bytes (the kernel's
// ru_maxrss of the child, so nothing is sampled and nothing can be missed).
struct Measured {
  int exit_code = -1;
  int64_t peak_rss_bytes = -1;
};
Measured run_measured(const std::vector<std::string>& args, const std::filesystem::path& log) {
  Measured m;
  const pid_t pid = spawn(args, log.string());
  if (pid <= 0) return m;
  int status = 0;
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) != pid) return m;
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  m.peak_rss_bytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;
  return m;
}

// One value of `stockpulse lake sql`: the first cell under the header.
std::string lake_value(const std::filesystem::path& lake, const std::string& query) {
  const auto r = run(binary() + " lake sql --lake " + lake.string() + " \"" + query + "\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const size_t line = r.output.find('\n');
  if (line == std::string::npos) return r.output;
  return r.output.substr(line + 1, r.output.find('\n', line + 1) - line - 1);
}

TEST(LakeMemory, SparseTwoYearReplayStaysWithinBoundedMemoryAndArchivesEveryRecordOnce) {
  const auto dir = scratch("lake_memory");
  const SparseInput in = make_sparse_input(dir, 730, 3, {"AAPL", "NVDA"});
  ASSERT_GT(in.posts_count, 2000);

  const Measured m =
      run_measured({binary(), "run", "--posts", in.posts.string(), "--bars", in.candles.string(),
                    "--until-eof", "--quiet", "--output-dir", (dir / "out").string()},
                   dir / "run.log");
  ASSERT_EQ(m.exit_code, 0) << slurp(dir / "run.log");
  std::printf("peak RSS of the sparse two-year run with the lake on: %.1f MiB\n",
              static_cast<double>(m.peak_rss_bytes) / (1 << 20));
  RecordProperty("peak_rss_bytes", std::to_string(m.peak_rss_bytes));
  EXPECT_LE(m.peak_rss_bytes, int64_t{512} << 20);

  const auto lake = dir / "out" / "lake";
  EXPECT_EQ(lake_value(lake, "SELECT count(*) || ' ' || count(DISTINCT id) FROM tweets"),
            std::to_string(in.posts_count) + " " + std::to_string(in.posts_count));
  EXPECT_EQ(lake_value(lake,
                       "SELECT count(*) || ' ' || count(DISTINCT \\\"offset\\\") FROM "
                       "market_data"),
            std::to_string(in.bars_count) + " " + std::to_string(in.bars_count));
  // Windows are written once each too (no restart here).
  EXPECT_EQ(lake_value(lake,
                       "SELECT count(*) - count(DISTINCT (symbol, window_start)) FROM "
                       "topic_sentiment_avg"),
            "0");
  EXPECT_EQ(lake_value(lake,
                       "SELECT count(*) - count(DISTINCT (symbol, window_start)) FROM "
                       "stock_trends"),
            "0");
}

}  // namespace
}  // namespace stockpulse::e2e
