// WindowStage on out-of-order input with late records: which records are late and which rows
// come out depend only on the order of the records, never on how they were cut into batches or
// when the trigger fired; and the late records are exactly those an independent per-record
// computation finds, the windows exactly those of the records it keeps.

#include "pipeline/window_stage.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "serve/row_json.h"

namespace stockpulse {
namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
const char* const kSymbols[] = {"AAPL", "MSFT", "NVDA"};

// One input record in arrival order: a post or a bar.
struct Record {
  bool is_post = true;
  ScoredPost post;
  Bar bar;
};

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(rng() >> 11) / static_cast<double>(1ULL << 53);
}

// Three hours of posts (every few seconds) and minute bars per symbol, in an order real files
// have: mostly in time, some records a few minutes out of order (within the default lateness of
// 10 min), 3% of posts and 2% of bars 15-30 min behind (late), and a two-hour gap.
std::vector<Record> make_input(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Record> out;
  const int64_t t0 = 1'700'000'000'000 - 1'700'000'000'000 % kMinute;
  int64_t t = t0;
  int64_t post_offset = 0, bar_offset = 0;
  int64_t next_bar_minute = t0;
  for (int i = 0; i < 4000; ++i) {
    t += static_cast<int64_t>(uniform(rng, 0, 5 * kSecond));
    if (i == 2000) t += 2 * 60 * kMinute;  // overnight
    while (next_bar_minute + kMinute <= t) {
      for (const char* s : kSymbols) {
        Record r;
        r.is_post = false;
        r.bar.symbol = s;
        r.bar.ts = EventTime(next_bar_minute);
        r.bar.close = 100 + uniform(rng, -5, 5);
        r.bar.open = r.bar.close + uniform(rng, -1, 1);
        r.bar.high = std::max(r.bar.open, r.bar.close) + 0.5;
        r.bar.low = std::min(r.bar.open, r.bar.close) - 0.5;
        r.bar.volume = std::floor(uniform(rng, 100, 1000));
        const double u = uniform(rng, 0, 1);
        if (u < 0.02) {
          r.bar.ts = EventTime(next_bar_minute - 15 * kMinute - 15 * kMinute * (bar_offset % 2));
        } else if (u < 0.10) {
          r.bar.ts =
              EventTime(next_bar_minute - kMinute * static_cast<int64_t>(uniform(rng, 1, 8)));
        }
        r.bar.position = {PartitionId(0), Offset(bar_offset++)};
        out.push_back(std::move(r));
      }
      next_bar_minute += kMinute;
    }
    Record r;
    ScoredPost& p = r.post;
    p.post.id = std::to_string(post_offset);
    p.post.text = "post";
    int64_t pt = t;
    const double u = uniform(rng, 0, 1);
    if (u < 0.03) {
      pt = t - static_cast<int64_t>(uniform(rng, 15 * kMinute, 30 * kMinute));
    } else if (u < 0.15) {
      pt = t - static_cast<int64_t>(uniform(rng, 0, 9 * kMinute));
    }
    p.post.created_at = EventTime(pt);
    p.post.position = {PartitionId(0), Offset(post_offset++)};
    p.overall.compound = std::round(uniform(rng, -1, 1) * 1000) / 1000;
    const int n = static_cast<int>(uniform(rng, 0, 3));
    for (int k = 0; k < n; ++k) {
      TickerSentiment ts;
      ts.symbol = kSymbols[(i + k) % 3];
      ts.scores.compound = std::round(uniform(rng, -1, 1) * 1000) / 1000;
      p.tickers.push_back(ts);
    }
    out.push_back(std::move(r));
  }
  return out;
}

// Everything the stage gave, as comparable text: final rows of every table (update rows depend
// on when the trigger fires, by design), the posts it stored, and the late records by stream and
// offset.
struct Outcome {
  std::vector<std::string> finals;
  std::set<std::string> late;
  std::vector<std::string> posts_stored;
  uint64_t late_count = 0;
};

void collect(SinkBatch& sink, Outcome& out) {
  std::string json;
  for (const auto& r : sink.sentiment_windows) {
    if (!r.is_final) continue;
    json.clear();
    append_json(r, json);
    out.finals.push_back(json);
  }
  for (const auto& r : sink.market_windows) {
    if (!r.is_final) continue;
    json.clear();
    append_json(r, json);
    out.finals.push_back(json);
  }
  for (const auto& r : sink.alerts) {
    json.clear();
    append_json(r, json);
    out.finals.push_back(json);
  }
  for (const auto& r : sink.indicators) {
    out.finals.push_back(fmt::format("ind {} {} {} {} {} {}", r.symbol, r.ts.value(), r.close,
                                     r.rsi_14, r.ema_20, r.sma_50));
  }
  for (const auto& r : sink.fear_greed) {
    out.finals.push_back(fmt::format("fg {} {} {} {}", r.symbol, r.ts.value(), r.score, r.band));
  }
  for (const auto& r : sink.correlations) {
    out.finals.push_back(
        fmt::format("corr {} {} {} {} {}", r.symbol, r.ts.value(), r.r_lag0, r.best_lag, r.best_r));
  }
  for (const auto& p : sink.posts) out.posts_stored.push_back(p.post.id);
  sink = SinkBatch{};
}

// Feeds the input in batches of `batch` records (posts and bars interleaved as they come),
// advancing the watermarks after each batch and firing the trigger (updates) every
// `trigger_every` batches, as the embedded pipeline's window thread does.
Outcome run_stage(const std::vector<Record>& input, size_t batch, size_t trigger_every) {
  Config config;
  SimulatedClock clock(0);
  PipelineMetrics metrics;
  WindowStage stage(config, clock, metrics, WindowStage::Options{});
  Outcome out;
  SinkBatch sink;
  std::vector<DeadLetter> letters;
  size_t batches = 0;
  for (size_t i = 0; i < input.size(); i += batch) {
    for (size_t j = i; j < std::min(input.size(), i + batch); ++j) {
      Record r = input[j];
      if (r.is_post) {
        stage.add_post(r.post, sink, letters);
      } else {
        stage.add_bar(r.bar, sink, letters);
      }
    }
    stage.advance_watermarks(sink);
    if (++batches % trigger_every == 0) stage.emit_updates(sink);
    collect(sink, out);
    clock.advance(10);
  }
  stage.end_of_input(Stream::kPosts, PartitionId(0));
  stage.end_of_input(Stream::kBars, PartitionId(0));
  stage.advance_watermarks(sink);
  stage.flush_all(sink);
  collect(sink, out);
  for (const DeadLetter& d : letters) {
    EXPECT_EQ(d.reason, DeadLetterReason::kLate) << d.detail;
    out.late.insert(fmt::format("{} {}", d.stream, d.offset.value()));
  }
  out.late_count = stage.late_events();
  // Rows of one table come out in the same order at any batch size; across tables the
  // interleaving follows the batches, so compare them as a sorted list.
  std::sort(out.finals.begin(), out.finals.end());
  return out;
}

TEST(WindowStage, SameRowsAndLateRecordsAtAnyBatchSize) {
  const auto input = make_input(7);
  const Outcome one = run_stage(input, 1, 1);
  ASSERT_GT(one.late.size(), 50u) << "the input must hold late records";
  ASSERT_GT(one.finals.size(), 1000u);
  for (size_t batch : {2, 7, 64, 2048, 100000}) {
    for (size_t trigger : {1, 3}) {
      SCOPED_TRACE(fmt::format("batch {} trigger every {} batches", batch, trigger));
      const Outcome other = run_stage(input, batch, trigger);
      EXPECT_EQ(other.late, one.late);
      EXPECT_EQ(other.late_count, one.late_count);
      EXPECT_EQ(other.posts_stored, one.posts_stored);
      ASSERT_EQ(other.finals.size(), one.finals.size());
      for (size_t i = 0; i < one.finals.size(); ++i) {
        ASSERT_EQ(other.finals[i], one.finals[i]) << "row " << i;
      }
    }
  }
}

// The independent computation: a record is late when its time is more than the allowed lateness
// behind the newest record before it in its stream; the windows are those of the records kept.
TEST(WindowStage, LateRecordsAndWindowsMatchAPerRecordComputation) {
  const auto input = make_input(11);
  const Outcome got = run_stage(input, 2048, 1);
  const Config config;
  const int64_t lateness = config.window.allowed_lateness_s * kSecond;
  const int64_t size = config.window.size_s * kSecond;
  const int64_t slide = config.window.slide_s * kSecond;

  std::set<std::string> late;
  // (key, window start) -> count, sum of scores
  std::map<std::pair<std::string, int64_t>, std::pair<int64_t, double>> windows;
  int64_t max_post = INT64_MIN, max_bar = INT64_MIN;
  std::map<std::pair<std::string, int64_t>, int64_t> bar_windows;
  auto add = [&](const std::string& key, int64_t t, double v) {
    for (int64_t s = (t / slide) * slide - size + slide; s <= t; s += slide) {
      auto& w = windows[{key, s}];
      ++w.first;
      w.second += v;
    }
  };
  for (const Record& r : input) {
    if (r.is_post) {
      const int64_t t = r.post.post.created_at.value();
      if (max_post != INT64_MIN && t < max_post - lateness) {
        late.insert(fmt::format("tweets {}", r.post.post.position.offset.value()));
        continue;
      }
      max_post = std::max(max_post, t);
      add("*", t, r.post.overall.compound);
      for (const auto& ts : r.post.tickers) add(ts.symbol, t, ts.scores.compound);
    } else {
      const int64_t t = r.bar.ts.value();
      if (max_bar != INT64_MIN && t < max_bar - lateness) {
        late.insert(fmt::format("stock-prices {}", r.bar.position.offset.value()));
        continue;
      }
      max_bar = std::max(max_bar, t);
      for (int64_t s = (t / slide) * slide - size + slide; s <= t; s += slide) {
        ++bar_windows[{r.bar.symbol, s}];
      }
    }
  }
  EXPECT_EQ(got.late, late);

  // Final rows from the stage, keyed the same way.
  std::map<std::pair<std::string, int64_t>, std::pair<int64_t, double>> got_windows;
  std::map<std::pair<std::string, int64_t>, int64_t> got_bar_windows;
  Config c;
  SimulatedClock clock(0);
  PipelineMetrics metrics;
  WindowStage stage(c, clock, metrics, WindowStage::Options{});
  SinkBatch sink;
  std::vector<DeadLetter> letters;
  for (size_t i = 0; i < input.size(); ++i) {
    Record r = input[i];
    if (r.is_post) {
      stage.add_post(r.post, sink, letters);
    } else {
      stage.add_bar(r.bar, sink, letters);
    }
    if (i % 500 == 499) stage.advance_watermarks(sink);
  }
  stage.advance_watermarks(sink);
  stage.flush_all(sink);
  for (const auto& row : sink.sentiment_windows) {
    ASSERT_TRUE(row.is_final);
    auto [it, fresh] = got_windows.try_emplace({row.symbol, row.window_start.value()},
                                               row.tweet_count, row.sentiment_score_avg);
    EXPECT_TRUE(fresh) << "window emitted twice: " << row.symbol << " " << row.window_start.value();
  }
  for (const auto& row : sink.market_windows) {
    got_bar_windows[{row.symbol, row.window_start.value()}] = row.bar_count;
  }
  ASSERT_EQ(got_windows.size(), windows.size());
  for (const auto& [key, want] : windows) {
    auto it = got_windows.find(key);
    ASSERT_NE(it, got_windows.end()) << key.first << " " << key.second;
    EXPECT_EQ(it->second.first, want.first) << key.first << " " << key.second;
    EXPECT_NEAR(it->second.second, want.second / static_cast<double>(want.first), 1e-9);
  }
  EXPECT_EQ(got_bar_windows, bar_windows);
}

// Posts without any bars (a posts-only dataset): the analytics do not wait for a stream that
// will never come, so they come out as the posts' watermark moves instead of piling up until the
// end, and they are the same rows.
TEST(WindowStage, AStreamWithoutInputHoldsNoAnalyticsBack) {
  std::vector<Record> posts_only;
  for (Record& r : make_input(31)) {
    if (r.is_post) posts_only.push_back(std::move(r));
  }
  auto feed = [&](bool declare_no_bars, size_t& rows_before_end) {
    Config config;
    SimulatedClock clock(0);
    PipelineMetrics metrics;
    WindowStage stage(config, clock, metrics, WindowStage::Options{});
    if (declare_no_bars) stage.no_input(Stream::kBars);
    Outcome out;
    SinkBatch sink;
    std::vector<DeadLetter> letters;
    for (size_t i = 0; i < posts_only.size(); ++i) {
      Record r = posts_only[i];
      stage.add_post(r.post, sink, letters);
      if (i % 64 == 63) stage.advance_watermarks(sink);
    }
    stage.advance_watermarks(sink);
    rows_before_end = sink.fear_greed.size() + sink.indicators.size() + sink.alerts.size();
    stage.end_of_input(Stream::kPosts, PartitionId(0));
    stage.advance_watermarks(sink);
    stage.flush_all(sink);
    collect(sink, out);
    std::sort(out.finals.begin(), out.finals.end());
    return out;
  };
  size_t waiting = 0, following = 0;
  const Outcome a = feed(false, waiting);
  const Outcome b = feed(true, following);
  EXPECT_EQ(waiting, 0u) << "without the declaration the analytics wait for bars";
  EXPECT_GT(following, 100u);
  EXPECT_EQ(a.finals, b.finals);
}

// A stage restored from a checkpoint taken mid-stream (its watermark trackers included) rules
// the same records late as the stage that ran through.
// Issue #17: the windows the end-of-input flush emits (the watermark never closed them) are
// stored, but raise no alert; alerts from windows the watermark closed still come.
TEST(WindowStage, FlushedWindowsAreStoredButRaiseNoAlerts) {
  Config config;
  // The raw rules, so that every change in the trailing windows would be an alert.
  config.alerts.policy = AlertConfig{.trend_dwell_windows = 1,
                                     .trend_margin = 0,
                                     .band_dwell_readings = 1,
                                     .band_margin = 0,
                                     .cooldown_s = 0};
  SimulatedClock clock(0);
  PipelineMetrics metrics;
  WindowStage stage(config, clock, metrics, WindowStage::Options{});
  SinkBatch sink;
  std::vector<DeadLetter> letters;
  const auto input = make_input(11);
  for (size_t i = 0; i < input.size(); ++i) {
    Record r = input[i];
    if (r.is_post) {
      stage.add_post(r.post, sink, letters);
    } else {
      stage.add_bar(r.bar, sink, letters);
    }
    if (i % 50 == 49) stage.advance_watermarks(sink);
  }
  stage.advance_watermarks(sink);
  // Everything so far was closed by the watermarks.
  int64_t market_end = INT64_MIN, sentiment_end = INT64_MIN;
  for (const auto& w : sink.market_windows) market_end = std::max(market_end, w.window_end.value());
  for (const auto& w : sink.sentiment_windows) {
    sentiment_end = std::max(sentiment_end, w.window_end.value());
  }
  ASSERT_GT(sink.alerts.size(), 10u);
  const size_t market_before = sink.market_windows.size();
  stage.end_of_input(Stream::kPosts, PartitionId(0));
  stage.end_of_input(Stream::kBars, PartitionId(0));
  stage.advance_watermarks(sink);
  stage.flush_all(sink);
  // The flush emitted the trailing windows (about the allowed lateness plus a window's worth)...
  ASSERT_GT(sink.market_windows.size(), market_before + 20);
  EXPECT_GT(sink.market_windows.back().window_end.value(), market_end);
  // ...and no alert came from them: a trend change only from a window the watermark closed, a
  // spike likewise, a band change (which reads both) only where both were closed.
  for (const AlertRow& a : sink.alerts) {
    const int64_t limit = a.kind == "trend_signal_change" ? market_end
                          : a.kind == "sentiment_spike"   ? sentiment_end
                                                          : std::min(market_end, sentiment_end);
    EXPECT_LE(a.ts.value(), limit) << a.kind << " " << a.message;
  }
}

TEST(WindowStage, RestoredStageRulesTheSameRecordsLate) {
  const auto input = make_input(23);
  const Outcome through = run_stage(input, 64, 1);
  Config config;
  SimulatedClock clock(0);
  PipelineMetrics metrics;
  Outcome out;
  SinkBatch sink;
  std::vector<DeadLetter> letters;
  std::string s, m, sig, wm;
  {
    WindowStage first(config, clock, metrics, WindowStage::Options{});
    for (size_t i = 0; i < input.size() / 2; ++i) {
      Record r = input[i];
      if (r.is_post) {
        first.add_post(r.post, sink, letters);
      } else {
        first.add_bar(r.bar, sink, letters);
      }
    }
    first.advance_watermarks(sink);
    collect(sink, out);
    first.save(s, m, sig, wm);
  }
  WindowStage second(config, clock, metrics, WindowStage::Options{});
  ASSERT_TRUE(second.restore(s, m, sig, wm));
  ASSERT_FALSE(second.restore(s, m, sig, wm.substr(0, wm.size() - 1)));
  for (size_t i = input.size() / 2; i < input.size(); ++i) {
    Record r = input[i];
    if (r.is_post) {
      second.add_post(r.post, sink, letters);
    } else {
      second.add_bar(r.bar, sink, letters);
    }
  }
  second.end_of_input(Stream::kPosts, PartitionId(0));
  second.end_of_input(Stream::kBars, PartitionId(0));
  second.advance_watermarks(sink);
  second.flush_all(sink);
  collect(sink, out);
  for (const DeadLetter& d : letters) {
    out.late.insert(fmt::format("{} {}", d.stream, d.offset.value()));
  }
  std::sort(out.finals.begin(), out.finals.end());
  EXPECT_EQ(out.late, through.late);
  EXPECT_EQ(out.posts_stored, through.posts_stored);
  ASSERT_EQ(out.finals.size(), through.finals.size());
  for (size_t i = 0; i < out.finals.size(); ++i) ASSERT_EQ(out.finals[i], through.finals[i]);
}

}  // namespace
}  // namespace stockpulse
