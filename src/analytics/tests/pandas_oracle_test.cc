// Independent check required by issue #6: a generated trading day of bars and posts is analysed by
// the C++ code and by a pandas script (tests/pandas_oracle.py) that shares no code with it; every
// window metric, indicator and correlation must agree within 1e-9 relative error.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "analytics/correlation_tracker.h"
#include "analytics/indicator_state.h"
#include "analytics/market_agg.h"
#include "analytics/sentiment_agg.h"
#include "common/time_format.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kRel = 1e-9;
// Values that are mathematically 0 (e.g. avg % change of flat bars) come out as ±1e-17-ish from a
// different summation order; relative error is meaningless there, so an absolute floor applies.
constexpr double kAbsFloor = 1e-12;
constexpr const char* kPython = "/usr/bin/python3";

struct PostRec {
  std::string symbol;
  int64_t ts;
  double compound;
};

struct Day {
  std::vector<Bar> bars;
  std::vector<PostRec> posts;
};

// A tiny seeded generator: random-walk bars with gaps, double bars in a minute, missing VWAP, zero
// volume, flat bars and a zero open; posts with VADER-like 4-decimal scores including the exact
// label thresholds and quiet minutes.
Day generate_day(uint64_t seed) {
  Day d;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u01(0, 1);
  std::normal_distribution<double> step(0, 0.0015);
  const int64_t open_ms =
      days_from_civil(2024, 5, 1) * kMillisPerDay + 13 * kMillisPerHour + 30 * kMillisPerMinute;
  const std::vector<std::pair<std::string, double>> symbols = {
      {"AAPL", 170.0}, {"TSLA", 180.0}, {"PENNY", 0.8}};
  for (const auto& [sym, start_price] : symbols) {
    double price = start_price;
    for (int m = 0; m < 390; ++m) {
      const double minute_open_price = price;
      const int64_t minute_ms = open_ms + m * kMillisPerMinute;
      const double r = u01(rng);
      const int nbars = r < 0.05 ? 0 : (r < 0.15 ? 2 : 1);
      for (int k = 0; k < nbars; ++k) {
        Bar b;
        b.symbol = sym;
        b.ts = EventTime(minute_ms + k * 20000 + static_cast<int64_t>(u01(rng) * 19999));
        b.open = price;
        if (u01(rng) < 0.05) {
          b.close = price;  // flat bar: not an up bar
        } else {
          price *= 1 + step(rng);
          b.close = price;
        }
        if (sym == "PENNY" && m == 100 && k == 0) b.open = 0;  // no defined % change
        b.high = std::max(b.open, b.close) * (1 + u01(rng) * 0.001);
        b.low = std::min(b.open, b.close) * (1 - u01(rng) * 0.001);
        b.volume = u01(rng) < 0.03 ? 0 : std::floor(u01(rng) * 50000);
        b.vwap = u01(rng) < 0.1 ? kNaN : (b.high + b.low + b.close) / 3;
        d.bars.push_back(b);
      }
      const int nposts = static_cast<int>(u01(rng) * 6) - 1;  // -1..4: some quiet minutes
      // Posts lean toward this minute's price move, so the correlation is not pure noise.
      const double lean = price > minute_open_price ? 0.3 : (price < minute_open_price ? -0.3 : 0);
      for (int k = 0; k < nposts; ++k) {
        double c = std::round(std::clamp(u01(rng) * 2 - 1 + lean, -1.0, 1.0) * 1e4) / 1e4;
        const double pick = u01(rng);
        if (pick < 0.08) {
          c = 0;
        } else if (pick < 0.12) {
          c = 0.05;
        } else if (pick < 0.16) {
          c = -0.05;
        }
        d.posts.push_back({sym, minute_ms + static_cast<int64_t>(u01(rng) * 59999), c});
      }
    }
  }
  return d;
}

std::string repr(double x) {
  if (std::isnan(x)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

void write_inputs(const Day& d, const fs::path& dir) {
  std::ofstream bars(dir / "bars.csv");
  bars << "symbol,ts_ms,open,high,low,close,volume,vwap\n";
  for (const Bar& b : d.bars) {
    bars << b.symbol << ',' << b.ts.value() << ',' << repr(b.open) << ',' << repr(b.high) << ','
         << repr(b.low) << ',' << repr(b.close) << ',' << repr(b.volume) << ',' << repr(b.vwap)
         << '\n';
  }
  std::ofstream posts(dir / "posts.csv");
  posts << "symbol,ts_ms,compound\n";
  for (const PostRec& p : d.posts) {
    posts << p.symbol << ',' << p.ts << ',' << repr(p.compound) << '\n';
  }
}

// CSV reader for the oracle's output: a header and rows of plain fields (no quoting needed).
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  size_t col(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  }
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

Csv read_csv(const fs::path& p) {
  Csv csv;
  std::ifstream in(p);
  std::string line;
  if (!std::getline(in, line)) return csv;
  csv.header = split(line);
  while (std::getline(in, line)) csv.rows.push_back(split(line));
  return csv;
}

double num(const std::string& s) {
  if (s.empty() || s == "nan") return kNaN;
  return std::stod(s);
}

::testing::AssertionResult close_rel(double cpp, double py) {
  if (std::isnan(cpp) && std::isnan(py)) return ::testing::AssertionSuccess();
  if (std::isnan(cpp) != std::isnan(py)) {
    return ::testing::AssertionFailure() << "C++ " << repr(cpp) << " vs pandas " << repr(py);
  }
  const double diff = std::fabs(cpp - py);
  if (diff <= kAbsFloor || diff <= kRel * std::max(std::fabs(cpp), std::fabs(py))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "C++ " << repr(cpp) << " vs pandas " << repr(py) << " (rel "
         << diff / std::max(std::fabs(cpp), std::fabs(py)) << ")";
}

int64_t minute_of(int64_t ms) {
  return ms / kMillisPerMinute;
}  // all times are after 1970

// Shared by the checks below: the generated day, where it was written, and whether the oracle ran.
fs::path dir_;
Day* day_ = nullptr;
bool ran_ = false;
std::string error_;

class PandasOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sp_analytics_oracle_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    day_ = new Day(generate_day(20240501));
    write_inputs(*day_, dir_);
    ran_ = false;
    if (!fs::exists(kPython)) {
      error_ = std::string(kPython) + " not found: install Debian python3 and python3-pandas";
      return;
    }
    const std::string script =
        std::string(STOCKPULSE_SOURCE_DIR) + "/src/analytics/tests/pandas_oracle.py";
    const std::string cmd = std::string(kPython) + " " + script + " " + dir_.string() + " " +
                            dir_.string() + " 2> " + (dir_ / "oracle.err").string();
    const int rc = std::system(cmd.c_str());
    if (rc != 0) {
      std::ifstream err(dir_ / "oracle.err");
      std::stringstream ss;
      ss << err.rdbuf();
      error_ = "pandas oracle failed (exit " + std::to_string(rc) + "): " + ss.str();
      return;
    }
    ran_ = true;
  }
  static void TearDownTestSuite() {
    // SP_ORACLE_KEEP=1 keeps the generated CSVs and the oracle's output for inspection.
    if (std::getenv("SP_ORACLE_KEEP") == nullptr) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    } else {
      std::fprintf(stderr, "oracle files kept in %s\n", dir_.c_str());
    }
    delete day_;
    day_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(ran_) << error_; }
};

// Pane-based evaluation, as the window engine does it: one aggregate per symbol and minute, a
// window is the merge of its panes, earliest first.
template <class Agg>
std::map<std::tuple<std::string, int, int64_t>, Agg> windows_from_panes(
    const std::map<std::pair<std::string, int64_t>, Agg>& panes) {
  std::map<std::tuple<std::string, int, int64_t>, Agg> out;
  std::map<std::string, std::pair<int64_t, int64_t>> span;
  for (const auto& [key, agg] : panes) {
    auto [it, fresh] = span.emplace(key.first, std::make_pair(key.second, key.second));
    if (!fresh) it->second.second = std::max(it->second.second, key.second);
  }
  for (const auto& [sym, range] : span) {
    for (int width : {1, 5}) {
      for (int64_t s = range.first - width + 1; s <= range.second; ++s) {
        Agg w;
        for (int64_t m = s; m < s + width; ++m) {
          auto it = panes.find({sym, m});
          if (it != panes.end()) w.merge(it->second);
        }
        if (!w.empty()) out[{sym, width, s * kMillisPerMinute}] = w;
      }
    }
  }
  return out;
}

void check_market_windows() {
  std::map<std::pair<std::string, int64_t>, MarketAgg> panes;
  for (const Bar& b : day_->bars) panes[{b.symbol, minute_of(b.ts.value())}].add(b);
  auto windows = windows_from_panes(panes);

  Csv csv = read_csv(dir_ / "market.csv");
  ASSERT_FALSE(csv.rows.empty());
  EXPECT_EQ(csv.rows.size(), windows.size());
  const char* metrics[] = {"open",         "high",           "low",        "close",
                           "total_volume", "avg_close",      "max_close",  "min_close",
                           "volatility",   "avg_volume",     "avg_vwap",   "vwap_deviation_pct",
                           "buy_pressure", "avg_pct_change", "price_range"};
  int checked = 0, one_bar = 0, no_vwap = 0;
  for (const auto& r : csv.rows) {
    const std::string sym = r[csv.col("symbol")];
    const int width = std::stoi(r[csv.col("width")]);
    const int64_t start = std::stoll(r[csv.col("start_ms")]);
    auto it = windows.find({sym, width, start});
    ASSERT_NE(it, windows.end()) << sym << " " << width << " " << start;
    const MarketWindowRow row = to_market_row(
        sym, EventTime(start), EventTime(start + width * kMillisPerMinute), it->second, true);
    const double cpp[] = {row.open,         row.high,           row.low,
                          row.close,        row.total_volume,   row.avg_close,
                          row.max_close,    row.min_close,      row.volatility,
                          row.avg_volume,   row.avg_vwap,       row.vwap_deviation_pct,
                          row.buy_pressure, row.avg_pct_change, row.price_range};
    EXPECT_EQ(row.bar_count, std::stoll(r[csv.col("bar_count")]));
    for (size_t i = 0; i < std::size(metrics); ++i) {
      EXPECT_TRUE(close_rel(cpp[i], num(r[csv.col(metrics[i])])))
          << metrics[i] << " " << sym << " w" << width << " " << format_iso8601(EventTime(start));
    }
    const std::string py_signal = r[csv.col("trend_signal")];
    if (py_signal != trend_signal_name(row.trend_signal)) {
      // Only a genuine tie at a threshold may differ (the two means differ in the last ulp).
      const double range = row.max_close - row.min_close;
      const double d6 = std::fabs(row.avg_close - (row.min_close + 0.6 * range));
      const double d4 = std::fabs(row.avg_close - (row.min_close + 0.4 * range));
      EXPECT_LE(std::min(d4, d6), kRel * row.avg_close)
          << "trend " << trend_signal_name(row.trend_signal) << " vs " << py_signal;
    }
    one_bar += row.bar_count == 1;
    no_vwap += std::isnan(row.avg_vwap);
    ++checked;
  }
  // The generated day must exercise the edge cases, or this test proves less than it claims.
  EXPECT_GT(checked, 2000);
  EXPECT_GT(one_bar, 10);
  EXPECT_GT(no_vwap, 0);
}

void check_sentiment_windows() {
  std::map<std::pair<std::string, int64_t>, SentimentAgg> panes;
  for (const PostRec& p : day_->posts) panes[{p.symbol, minute_of(p.ts)}].add(p.compound);
  auto windows = windows_from_panes(panes);

  Csv csv = read_csv(dir_ / "sentiment.csv");
  ASSERT_FALSE(csv.rows.empty());
  EXPECT_EQ(csv.rows.size(), windows.size());
  for (const auto& r : csv.rows) {
    const std::string sym = r[csv.col("symbol")];
    const int width = std::stoi(r[csv.col("width")]);
    const int64_t start = std::stoll(r[csv.col("start_ms")]);
    auto it = windows.find({sym, width, start});
    ASSERT_NE(it, windows.end()) << sym << " " << width << " " << start;
    const SentimentWindowRow row = to_sentiment_row(
        sym, EventTime(start), EventTime(start + width * kMillisPerMinute), it->second, true);
    const std::string where =
        sym + " w" + std::to_string(width) + " " + format_iso8601(EventTime(start));
    EXPECT_EQ(row.tweet_count, std::stoll(r[csv.col("tweet_count")])) << where;
    EXPECT_TRUE(close_rel(row.sentiment_score_avg, num(r[csv.col("avg")]))) << where;
    EXPECT_TRUE(close_rel(row.sentiment_score_min, num(r[csv.col("min")]))) << where;
    EXPECT_TRUE(close_rel(row.sentiment_score_max, num(r[csv.col("max")]))) << where;
    EXPECT_TRUE(close_rel(row.sentiment_score_stddev, num(r[csv.col("stddev")]))) << where;
    EXPECT_EQ(row.bullish_count, std::stoll(r[csv.col("bullish")])) << where;
    EXPECT_EQ(row.bearish_count, std::stoll(r[csv.col("bearish")])) << where;
    EXPECT_EQ(row.neutral_count, std::stoll(r[csv.col("neutral")])) << where;
    EXPECT_TRUE(close_rel(row.bullish_share, num(r[csv.col("bullish_share")]))) << where;
    for (int b = 0; b < kSentimentHistogramBuckets; ++b) {
      EXPECT_EQ(row.histogram[static_cast<size_t>(b)],
                std::stoll(r[csv.col("h" + std::to_string(b))]))
          << where << " bucket " << b;
    }
  }
}

// Per symbol, the close of each minute: the last bar's close, read from the 1-minute pane.
std::map<std::string, std::map<int64_t, double>> minute_closes(const Day& d) {
  std::map<std::pair<std::string, int64_t>, MarketAgg> panes;
  for (const Bar& b : d.bars) panes[{b.symbol, minute_of(b.ts.value())}].add(b);
  std::map<std::string, std::map<int64_t, double>> out;
  for (const auto& [key, agg] : panes) out[key.first][key.second] = agg.last_close;
  return out;
}

void check_indicators() {
  std::map<std::pair<std::string, int64_t>, IndicatorValues> cpp;
  for (const auto& [sym, closes] : minute_closes(*day_)) {
    IndicatorState st;
    for (const auto& [m, close] : closes) {
      auto v = st.update(EventTime(m * kMillisPerMinute), close);
      ASSERT_TRUE(v.ok());
      cpp[{sym, m * kMillisPerMinute}] = v.value();
    }
  }
  Csv csv = read_csv(dir_ / "indicators.csv");
  ASSERT_EQ(csv.rows.size(), cpp.size());
  int with_all = 0;
  for (const auto& r : csv.rows) {
    const std::string sym = r[csv.col("symbol")];
    const int64_t m = std::stoll(r[csv.col("minute_ms")]);
    auto it = cpp.find({sym, m});
    ASSERT_NE(it, cpp.end());
    const std::string where = sym + " " + format_iso8601(EventTime(m));
    EXPECT_TRUE(close_rel(it->second.close, num(r[csv.col("close")]))) << where;
    EXPECT_TRUE(close_rel(it->second.rsi_14, num(r[csv.col("rsi_14")]))) << "rsi " << where;
    EXPECT_TRUE(close_rel(it->second.ema_20, num(r[csv.col("ema_20")]))) << "ema " << where;
    EXPECT_TRUE(close_rel(it->second.sma_50, num(r[csv.col("sma_50")]))) << "sma " << where;
    with_all += !std::isnan(it->second.sma_50);
  }
  EXPECT_GT(with_all, 900);
}

void check_correlation() {
  // Per-minute average sentiment from 1-minute sentiment panes.
  std::map<std::string, std::map<int64_t, SentimentAgg>> sent;
  for (const PostRec& p : day_->posts) sent[p.symbol][minute_of(p.ts)].add(p.compound);
  auto closes = minute_closes(*day_);

  std::map<std::pair<std::string, int64_t>, CorrelationResult> cpp;
  CorrelationTracker tracker;
  std::set<std::string> symbols;
  for (const auto& [s, unused] : closes) symbols.insert(s);
  for (const auto& [s, unused] : sent) symbols.insert(s);
  for (const std::string& sym : symbols) {
    std::set<int64_t> minutes;
    for (const auto& [m, unused] : closes[sym]) minutes.insert(m);
    for (const auto& [m, unused] : sent[sym]) minutes.insert(m);
    for (int64_t m : minutes) {
      const EventTime t(m * kMillisPerMinute);
      if (auto it = sent[sym].find(m); it != sent[sym].end()) {
        tracker.add_sentiment(sym, t, it->second.mean);
      }
      if (auto it = closes[sym].find(m); it != closes[sym].end()) {
        tracker.add_close(sym, t, it->second);
      }
      auto r = tracker.compute(sym);
      ASSERT_TRUE(r.has_value());
      cpp[{sym, m * kMillisPerMinute}] = *r;
    }
  }
  Csv csv = read_csv(dir_ / "correlation.csv");
  ASSERT_EQ(csv.rows.size(), cpp.size());
  int defined = 0;
  for (const auto& r : csv.rows) {
    const std::string sym = r[csv.col("symbol")];
    const int64_t m = std::stoll(r[csv.col("as_of_ms")]);
    auto it = cpp.find({sym, m});
    ASSERT_NE(it, cpp.end());
    const CorrelationResult& c = it->second;
    const std::string where = sym + " " + format_iso8601(EventTime(m));
    EXPECT_EQ(c.as_of, EventTime(m));
    EXPECT_TRUE(close_rel(c.r_lag0, num(r[csv.col("r_lag0")]))) << "r0 " << where;
    EXPECT_EQ(c.pairs_lag0, std::stoi(r[csv.col("pairs_lag0")])) << where;
    EXPECT_EQ(c.best_lag, std::stoi(r[csv.col("best_lag")])) << where;
    EXPECT_TRUE(close_rel(c.best_r, num(r[csv.col("best_r")]))) << "best r " << where;
    EXPECT_EQ(c.pairs_best, std::stoi(r[csv.col("pairs_best")])) << where;
    defined += !std::isnan(c.r_lag0);
  }
  EXPECT_GT(defined, 500);
}

// One test, so that CTest (one process per test) runs the pandas script once, not once per check.
TEST_F(PandasOracle, AllMetricsMatchPandas) {
  {
    SCOPED_TRACE("market windows");
    check_market_windows();
  }
  {
    SCOPED_TRACE("sentiment windows");
    check_sentiment_windows();
  }
  {
    SCOPED_TRACE("indicators");
    check_indicators();
  }
  {
    SCOPED_TRACE("correlation");
    check_correlation();
  }
}

}  // namespace
}  // namespace stockpulse
