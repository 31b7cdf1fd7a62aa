// Checkpoints of the analytics state: a restored object must continue exactly like the original
// (every output bit-identical), and bad bytes must be rejected without touching the object.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "analytics/alert_detector.h"
#include "analytics/checkpoint_frame.h"
#include "analytics/correlation_tracker.h"
#include "analytics/fear_greed_index.h"
#include "analytics/indicator_state.h"
#include "analytics/market_agg.h"
#include "window/checkpoint_codec.h"

namespace stockpulse {
namespace {

constexpr int64_t kMinute = 60000;

// A double as its exact bits plus a readable value, so outputs compare bit for bit and a failure
// still says what the numbers were.
std::string bits(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 "(%.17g)", std::bit_cast<uint64_t>(v), v);
  return buf;
}

std::string describe(const IndicatorValues& v) {
  return std::to_string(v.minute.value()) + " close=" + bits(v.close) + " rsi=" + bits(v.rsi_14) +
         " ema=" + bits(v.ema_20) + " sma=" + bits(v.sma_50);
}

std::string describe(const std::optional<CorrelationResult>& c) {
  if (!c) return "none";
  return std::to_string(c->as_of.value()) + " r0=" + bits(c->r_lag0) +
         " n0=" + std::to_string(c->pairs_lag0) + " lag=" + std::to_string(c->best_lag) +
         " best=" + bits(c->best_r) + " nb=" + std::to_string(c->pairs_best);
}

std::string describe(const std::optional<FearGreedReading>& r) {
  if (!r) return "none";
  return std::to_string(r->minute.value()) + " score=" + bits(r->score) +
         " band=" + fear_greed_band_name(r->band) + " s=" + bits(r->sentiment) +
         " b=" + bits(r->bullish) + " m=" + bits(r->momentum) + " v=" + bits(r->volatility) +
         " vol=" + bits(r->volume);
}

std::string describe(const std::vector<AlertRow>& alerts) {
  std::string s;
  for (const AlertRow& a : alerts) {
    s += a.symbol + "|" + std::to_string(a.ts.value()) + "|" + a.kind + "|" + a.message + "|" +
         bits(a.value) + ";";
  }
  return s;
}

// Every strict prefix of a checkpoint, and the checkpoint with any one byte changed, must be
// rejected, and the target object must keep its state (its own checkpoint stays byte-identical).
template <class T>
void expect_rejects_damage(const std::string& good, T& target) {
  std::string before;
  target.save(before);
  for (size_t n = 0; n < good.size(); ++n) {
    ASSERT_FALSE(target.restore(std::string_view(good).substr(0, n))) << "prefix of " << n;
  }
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ (1 << (i % 8)));
    ASSERT_FALSE(target.restore(bad)) << "byte " << i << " flipped";
  }
  std::string longer = good + "x";
  EXPECT_FALSE(target.restore(longer));
  std::string after;
  target.save(after);
  EXPECT_TRUE(before == after);
}

// Re-seals a checkpoint whose body was edited, so the checksum passes and only the decoder's
// own checks stand between the bytes and the object.
std::string reseal(std::string body_and_sum) {
  body_and_sum.resize(body_and_sum.size() - sizeof(uint64_t));
  CheckpointWriter w(body_and_sum);
  w.seal(0);
  return body_and_sum;
}

// ---------------------------------------------------------------- IndicatorState

// One step of a random close series: mostly the next minute, sometimes a gap, a revision of the
// latest minute, an earlier minute (rejected) or an invalid close.
std::string indicator_step(IndicatorState& s, std::mt19937_64& rng, int64_t& minute,
                           double& price) {
  const int kind = static_cast<int>(rng() % 20);
  int64_t m = minute;
  if (kind == 0) {
    m = minute - 1 - static_cast<int64_t>(rng() % 3);  // out of order
  } else if (kind >= 2) {
    minute += kind == 2 ? 1 + static_cast<int64_t>(rng() % 5) : 1;
    m = minute;
  }  // kind == 1: revision of the latest minute
  price *= 1.0 + (static_cast<double>(rng() % 2001) - 1000.0) * 1e-5;
  const double close = kind == 19 && rng() % 4 == 0 ? std::nan("") : price;
  auto r = s.update(EventTime(m * kMinute), close);
  if (!r) return "err" + std::to_string(static_cast<int>(r.error()));
  return describe(r.value());
}

TEST(AnalyticsCheckpoint, IndicatorStateContinuesBitExact) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    std::mt19937_64 rng(seed);
    IndicatorState original;
    int64_t minute = 1000;
    double price = 100;
    const int total = 150;
    const int cut = static_cast<int>(rng() % total);
    for (int i = 0; i < cut; ++i) (void)indicator_step(original, rng, minute, price);

    std::string bytes;
    original.save(bytes);
    IndicatorState restored;
    (void)restored.update(EventTime(5), 42.0);  // state to be replaced
    ASSERT_TRUE(restored.restore(bytes)) << "seed " << seed;
    std::string again;
    restored.save(again);
    EXPECT_TRUE(bytes == again) << "seed " << seed;

    std::mt19937_64 rng_a = rng, rng_b = rng;
    int64_t minute_b = minute;
    double price_b = price;
    for (int i = cut; i < total; ++i) {
      ASSERT_EQ(indicator_step(original, rng_a, minute, price),
                indicator_step(restored, rng_b, minute_b, price_b))
          << "seed " << seed << " step " << i;
    }
  }
}

TEST(AnalyticsCheckpoint, IndicatorStateRejectsDamage) {
  IndicatorState s;
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(s.update(EventTime(i * kMinute), 100.0 + i % 7));
  std::string good;
  s.save(good);
  IndicatorState target;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(target.update(EventTime(i * kMinute), 50.0 - i));
  expect_rejects_damage(good, target);
  EXPECT_FALSE(target.restore(""));
  // A checksum-valid checkpoint with a negative close count is still corrupt.
  std::string bad = good;
  const int64_t negative = -3;
  std::memcpy(bad.data() + 8, &negative, sizeof negative);
  EXPECT_FALSE(target.restore(reseal(bad)));
  EXPECT_EQ(target.last()->close, 46.0);
}

TEST(AnalyticsCheckpoint, EmptyIndicatorStateRoundTrips) {
  IndicatorState empty;
  std::string bytes;
  empty.save(bytes);
  IndicatorState s;
  ASSERT_TRUE(s.update(EventTime(0), 1.0));
  ASSERT_TRUE(s.restore(bytes));
  EXPECT_FALSE(s.last().has_value());
  auto r = s.update(EventTime(0), 7.0);
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::isnan(r.value().rsi_14));
}

// ---------------------------------------------------------------- CorrelationTracker

const char* const kSymbols[] = {"AAPL", "MSFT", "NVDA", "TSLA", "BRK.B", "*"};

std::string correlation_step(CorrelationTracker& t, std::mt19937_64& rng, int64_t& minute) {
  if (rng() % 4 == 0) ++minute;
  const std::string symbol = kSymbols[rng() % 5];
  const int64_t m = minute - static_cast<int64_t>(rng() % 3);  // revisions of recent minutes
  if (rng() % 2 == 0) {
    t.add_sentiment(symbol, EventTime(m * kMinute),
                    (static_cast<double>(rng() % 2001) - 1000) / 1000);
  } else {
    t.add_close(symbol, EventTime(m * kMinute + 59999),
                100.0 + static_cast<double>(rng() % 1000) / 100.0);
  }
  return describe(t.compute(symbol)) + " / " + describe(t.compute("NVDA"));
}

TEST(AnalyticsCheckpoint, CorrelationTrackerContinuesBitExact) {
  const CorrelationConfig config{.window_minutes = 20, .max_lag = 3, .min_pairs = 5};
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    CorrelationTracker original(config);
    int64_t minute = 100;
    const int total = 800;
    const int cut = static_cast<int>(rng() % total);
    for (int i = 0; i < cut; ++i) (void)correlation_step(original, rng, minute);

    std::string bytes;
    original.save(bytes);
    CorrelationTracker restored(config);
    restored.add_close("ZZZ", EventTime(0), 1.0);  // replaced by the restore
    ASSERT_TRUE(restored.restore(bytes)) << "seed " << seed;
    EXPECT_FALSE(restored.compute("ZZZ").has_value());
    std::string again;
    restored.save(again);
    EXPECT_TRUE(bytes == again);

    std::mt19937_64 rng_a = rng, rng_b = rng;
    int64_t minute_b = minute;
    for (int i = cut; i < total; ++i) {
      ASSERT_EQ(correlation_step(original, rng_a, minute),
                correlation_step(restored, rng_b, minute_b))
          << "seed " << seed << " step " << i;
    }
  }
}

TEST(AnalyticsCheckpoint, CorrelationTrackerSaveIsDeterministic) {
  // The same content reached in another insertion order must give the same bytes.
  CorrelationTracker a, b;
  for (const char* s : {"A", "B", "C", "D", "E", "F", "G"}) a.add_close(s, EventTime(0), 1.0);
  for (const char* s : {"G", "F", "E", "D", "C", "B", "A"}) b.add_close(s, EventTime(0), 1.0);
  std::string bytes_a, bytes_b;
  a.save(bytes_a);
  b.save(bytes_b);
  EXPECT_TRUE(bytes_a == bytes_b);
}

TEST(AnalyticsCheckpoint, CorrelationTrackerRejectsDamageAndOtherConfig) {
  const CorrelationConfig config{.window_minutes = 10, .max_lag = 2, .min_pairs = 3};
  CorrelationTracker t(config);
  std::mt19937_64 rng(7);
  int64_t minute = 0;
  for (int i = 0; i < 60; ++i) (void)correlation_step(t, rng, minute);
  std::string good;
  t.save(good);

  CorrelationTracker target(config);
  target.add_close("KEEP", EventTime(0), 5.0);
  target.add_close("KEEP", EventTime(kMinute), 6.0);
  expect_rejects_damage(good, target);
  EXPECT_TRUE(target.compute("KEEP").has_value());

  CorrelationTracker other(CorrelationConfig{.window_minutes = 11, .max_lag = 2, .min_pairs = 3});
  EXPECT_FALSE(other.restore(good));
  CorrelationTracker same(config);
  EXPECT_TRUE(same.restore(good));
}

// ---------------------------------------------------------------- FearGreedIndex

std::string fear_greed_step(FearGreedIndex& fg, std::mt19937_64& rng, int64_t& minute) {
  if (rng() % 3 == 0) ++minute;
  const std::string symbol = kSymbols[rng() % 6];  // includes "*"
  FearGreedInputs in;
  in.minute = EventTime((minute - static_cast<int64_t>(rng() % 2)) * kMinute);
  if (rng() % 4 != 0) {
    in.avg_compound = (static_cast<double>(rng() % 2001) - 1000) / 1000;
    in.bullish_share = static_cast<double>(rng() % 101) / 100;
  }
  if (rng() % 5 != 0) {
    in.close = 100.0 + static_cast<double>(rng() % 500) / 100.0;
    in.volatility = static_cast<double>(rng() % 300) / 100.0;
    in.volume = static_cast<double>(rng() % 10000);
    in.price_change = (static_cast<double>(rng() % 201) - 100) / 100.0;
  }
  return describe(fg.update(symbol, in)) + " / " + describe(fg.market(EventTime(minute * kMinute)));
}

TEST(AnalyticsCheckpoint, FearGreedIndexContinuesBitExact) {
  const FearGreedConfig config{.lookback_minutes = 12, .min_history = 3};
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    FearGreedIndex original(config);
    int64_t minute = 500;
    const int total = 600;
    const int cut = static_cast<int>(rng() % total);
    for (int i = 0; i < cut; ++i) (void)fear_greed_step(original, rng, minute);

    std::string bytes;
    original.save(bytes);
    FearGreedIndex restored(config);
    (void)restored.update(
        "ZZZ", FearGreedInputs{.minute = EventTime(0), .avg_compound = 0.5, .bullish_share = 1.0});
    ASSERT_TRUE(restored.restore(bytes)) << "seed " << seed;
    std::string again;
    restored.save(again);
    EXPECT_TRUE(bytes == again);

    std::mt19937_64 rng_a = rng, rng_b = rng;
    int64_t minute_b = minute;
    for (int i = cut; i < total; ++i) {
      ASSERT_EQ(fear_greed_step(original, rng_a, minute),
                fear_greed_step(restored, rng_b, minute_b))
          << "seed " << seed << " step " << i;
    }
  }
}

TEST(AnalyticsCheckpoint, FearGreedMarketDoesNotDependOnInsertionOrder) {
  // market() sums floating-point scores; a restored index meets its symbols in another order than
  // the original did, so the documented order (symbols in byte order) is what makes them agree.
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> compound(-1, 1);
  std::vector<std::pair<std::string, double>> inputs;
  for (int i = 0; i < 300; ++i) inputs.emplace_back("S" + std::to_string(i), compound(rng));
  std::string first_bytes;
  for (int round = 0; round < 20; ++round) {
    std::shuffle(inputs.begin(), inputs.end(), rng);
    FearGreedIndex fg;
    std::map<std::string, double> scores;  // the reference: sorted by symbol
    for (const auto& [symbol, c] : inputs) {
      auto r = fg.update(symbol, {.minute = EventTime(0), .avg_compound = c, .bullish_share = 0.3});
      ASSERT_TRUE(r.has_value());
      scores[symbol] = r->score;
    }
    double sum = 0;
    for (const auto& [symbol, score] : scores) sum += score;
    auto market = fg.market(EventTime(0));
    ASSERT_TRUE(market.has_value());
    EXPECT_EQ(bits(market->score), bits(sum / static_cast<double>(scores.size())))
        << "round " << round;
    std::string bytes;
    fg.save(bytes);
    if (round == 0) first_bytes = bytes;
    EXPECT_TRUE(bytes == first_bytes) << "round " << round;
  }
}

TEST(AnalyticsCheckpoint, FearGreedIndexRejectsDamageAndOtherConfig) {
  FearGreedIndex fg;
  std::mt19937_64 rng(11);
  int64_t minute = 0;
  for (int i = 0; i < 40; ++i) (void)fear_greed_step(fg, rng, minute);
  std::string good;
  fg.save(good);

  FearGreedIndex target;
  (void)target.update("KEEP", {.minute = EventTime(0), .avg_compound = 0.9, .bullish_share = 1});
  const std::string kept = describe(target.market(EventTime(0)));
  expect_rejects_damage(good, target);
  EXPECT_EQ(describe(target.market(EventTime(0))), kept);

  FearGreedIndex other(FearGreedConfig{.w_volume = 0.1500001});
  EXPECT_FALSE(other.restore(good));
}

// ---------------------------------------------------------------- AlertDetector

std::string alert_step(AlertDetector& d, std::mt19937_64& rng, int64_t& window) {
  if (rng() % 3 == 0) ++window;
  const std::string symbol = kSymbols[rng() % 4];
  // Sometimes an older window again: update-mode re-emission, which dedup must absorb.
  int64_t w = window - static_cast<int64_t>(rng() % 4 == 0 ? rng() % 3 : 0);
  // Rarely a window from beyond the dedup retention of 30 minutes: its key must have been
  // forgotten on both sides alike.
  if (rng() % 40 == 0) w = window - 35 - static_cast<int64_t>(rng() % 20);
  const EventTime start(w * kMinute), end((w + 5) * kMinute);
  switch (rng() % 3) {
    case 0: {
      MarketWindowRow row;
      row.symbol = symbol;
      row.window_start = start;
      row.window_end = end;
      row.bar_count = static_cast<int64_t>(rng() % 5);
      row.avg_close = 100.0 + static_cast<double>(rng() % 1000) / 100;
      row.trend_signal = static_cast<TrendSignal>(rng() % 3 == 0 ? rng() % 3 : 1);
      // Mostly a close range, so the hysteresis has a position to work on.
      if (rng() % 4 != 0) {
        row.min_close = 100;
        row.max_close = 110;
        row.trend_signal = trend_signal_of(row.avg_close, row.min_close, row.max_close);
      }
      return describe(d.on_market_window(row));
    }
    case 1: {
      SentimentWindowRow row;
      row.symbol = symbol;
      row.window_start = start;
      row.window_end = end;
      row.tweet_count = static_cast<int64_t>(rng() % 10);
      // Mostly calm around 0.1, sometimes a spike.
      row.sentiment_score_avg = rng() % 15 == 0
                                    ? (rng() % 2 ? 0.95 : -0.95)
                                    : 0.1 + (static_cast<double>(rng() % 101) - 50) / 1000;
      return describe(d.on_sentiment_window(row));
    }
    default: {
      FearGreedReading r;
      r.minute = end;
      r.score = static_cast<double>(rng() % 101);
      r.band = fear_greed_band(r.score);
      return describe(d.on_fear_greed(symbol, r));
    }
  }
}

TEST(AnalyticsCheckpoint, AlertDetectorContinuesBitExact) {
  // A short dedup retention so pruning happens on both sides of the cut.
  // Short dwells and cool-down so that every part of the policy acts on both sides of the cut.
  const AlertConfig config{.min_baseline = 5,
                           .baseline_windows = 20,
                           .trend_dwell_windows = 2,
                           .band_dwell_readings = 2,
                           .cooldown_s = 4 * 60,
                           .dedup_retention_ms = 30 * kMinute};
  size_t alerts_seen = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    AlertDetector original(config);
    int64_t window = 10;
    const int total = 1500;
    const int cut = static_cast<int>(rng() % total);
    for (int i = 0; i < cut; ++i) (void)alert_step(original, rng, window);

    std::string bytes;
    original.save(bytes);
    AlertDetector restored(config);
    ASSERT_TRUE(restored.restore(bytes)) << "seed " << seed;
    std::string again;
    restored.save(again);
    EXPECT_TRUE(bytes == again);

    std::mt19937_64 rng_a = rng, rng_b = rng;
    int64_t window_b = window;
    for (int i = cut; i < total; ++i) {
      const std::string a = alert_step(original, rng_a, window);
      ASSERT_EQ(a, alert_step(restored, rng_b, window_b)) << "seed " << seed << " step " << i;
      alerts_seen += !a.empty();
    }
  }
  // The stream must actually exercise the detector, or the comparison proves little.
  EXPECT_GT(alerts_seen, 500u);
}

TEST(AnalyticsCheckpoint, AlertDetectorRestoreKeepsDedupMemory) {
  const AlertConfig raw{.trend_dwell_windows = 1, .cooldown_s = 0};
  AlertDetector d(raw);
  MarketWindowRow row;
  row.symbol = "AAPL";
  row.bar_count = 3;
  row.window_start = EventTime(0);
  row.window_end = EventTime(5 * kMinute);
  row.trend_signal = TrendSignal::kBearish;
  (void)d.on_market_window(row);
  row.window_start = EventTime(kMinute);
  row.window_end = EventTime(6 * kMinute);
  row.trend_signal = TrendSignal::kBullish;
  ASSERT_EQ(d.on_market_window(row).size(), 1u);

  std::string bytes;
  d.save(bytes);
  AlertDetector restored(raw);
  ASSERT_TRUE(restored.restore(bytes));
  // The same window re-read after a restart raises nothing.
  EXPECT_TRUE(restored.on_market_window(row).empty());
  // A detector with another policy refuses the checkpoint rather than mixing two policies.
  EXPECT_FALSE(AlertDetector().restore(bytes));
}

TEST(AnalyticsCheckpoint, AlertDetectorRejectsDamageAndOtherConfig) {
  const AlertConfig config{.min_baseline = 3, .baseline_windows = 8};
  AlertDetector d(config);
  std::mt19937_64 rng(5);
  int64_t window = 0;
  for (int i = 0; i < 80; ++i) (void)alert_step(d, rng, window);
  std::string good;
  d.save(good);

  AlertDetector target(config);
  std::mt19937_64 rng2(99);
  int64_t window2 = 0;
  for (int i = 0; i < 20; ++i) (void)alert_step(target, rng2, window2);
  expect_rejects_damage(good, target);

  EXPECT_FALSE(AlertDetector(AlertConfig{.spike_z = 2.5}).restore(good));
  EXPECT_FALSE(
      AlertDetector(AlertConfig{.min_baseline = 3, .baseline_windows = 8, .cooldown_s = 60})
          .restore(good));
  // A checkpoint of the previous format (version 1) is refused, not misread.
  std::string v1 = good.substr(0, good.size() - sizeof(uint64_t));
  ASSERT_EQ(v1[4], 2);  // the version, in machine byte order (little-endian here)
  v1[4] = 1;
  const uint64_t sum = checkpoint_checksum(v1);
  CheckpointWriter(v1).put<uint64_t>(sum);
  EXPECT_FALSE(AlertDetector(config).restore(v1));
  v1 = good.substr(0, good.size() - sizeof(uint64_t));  // the same surgery keeping version 2
  CheckpointWriter(v1).put<uint64_t>(checkpoint_checksum(v1));
  EXPECT_TRUE(AlertDetector(config).restore(v1));
  EXPECT_TRUE(AlertDetector(config).restore(good));
}

TEST(AnalyticsCheckpoint, CheckpointsOfOneClassAreNotAcceptedByAnother) {
  IndicatorState s;
  (void)s.update(EventTime(0), 1.0);
  CorrelationTracker t;
  FearGreedIndex fg;
  AlertDetector d;
  std::string is, ct, fgb, ad;
  s.save(is);
  t.save(ct);
  fg.save(fgb);
  d.save(ad);
  EXPECT_FALSE(t.restore(is));
  EXPECT_FALSE(fg.restore(ct));
  EXPECT_FALSE(d.restore(fgb));
  EXPECT_FALSE(s.restore(ad));
}

}  // namespace
}  // namespace stockpulse
