// SignalStage checkpoints: a stage restored from the middle of a stream must produce exactly the
// rows of the stage that ran uninterrupted, and bad bytes must be rejected without touching it.

#include "pipeline/signal_stage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace stockpulse {
namespace {

constexpr int64_t kMinute = 60000;
constexpr int64_t kSlide = kMinute;
constexpr int64_t kWindow = 5 * kMinute;
const char* const kSymbols[] = {"AAPL", "MSFT", "NVDA", "BRK.B"};

// One call on the stage.
struct Op {
  enum Kind { kPost, kBar, kSentimentFinal, kMarketFinal, kAdvance, kFlush } kind;
  ScoredPost post;
  Bar bar;
  SentimentWindowRow sentiment;
  MarketWindowRow market;
  EventTime ready;
};

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(rng() >> 11) / static_cast<double>(1ULL << 53);
}

// A few hours of input in the order the window thread would deliver it: posts every few seconds
// (whole-post and per-ticker scores with a per-symbol drift, so correlations exist), about one bar
// per symbol per minute (sometimes a second one, sometimes an older one out of order), and, each
// time the watermark passes an interval end, the final windows ending there followed by advance().
std::vector<Op> make_stream(uint64_t seed, int minutes) {
  std::mt19937_64 rng(seed);
  std::vector<Op> ops;
  const int64_t t0 = 1'714'572'000'000;  // 2024-05-01T14:00:00Z
  double price[4] = {180, 410, 900, 420};
  double mood[4] = {0, 0, 0, 0};
  int64_t next_final_end = t0 + kSlide;
  for (int64_t t = t0; t < t0 + minutes * kMinute; t += 1000 + static_cast<int64_t>(rng() % 6000)) {
    for (int s = 0; s < 4; ++s) mood[s] = 0.9 * mood[s] + uniform(rng, -0.1, 0.1);
    Op p{Op::kPost, {}, {}, {}, {}, {}};
    p.post.post.id = std::to_string(t);
    p.post.post.created_at = EventTime(t - static_cast<int64_t>(rng() % 30000));  // out of order
    p.post.overall.compound = uniform(rng, -1, 1);
    for (int s = 0; s < 4; ++s) {
      if (rng() % 3 == 0) {
        TickerSentiment ts;
        ts.symbol = kSymbols[s];
        ts.scores.compound = std::clamp(mood[s] + uniform(rng, -0.3, 0.3), -1.0, 1.0);
        p.post.tickers.push_back(ts);
      }
    }
    ops.push_back(std::move(p));

    if (rng() % 10 < 2) {
      const int s = static_cast<int>(rng() % 4);
      price[s] *= 1 + mood[s] * 0.002 + uniform(rng, -0.001, 0.001);
      Op b{Op::kBar, {}, {}, {}, {}, {}};
      b.bar.symbol = kSymbols[s];
      b.bar.ts = EventTime(t - (rng() % 8 == 0 ? 2 * kMinute : 0));
      b.bar.open = price[s] * uniform(rng, 0.999, 1.001);
      b.bar.close = price[s];
      b.bar.volume = std::floor(uniform(rng, 100, 5000));
      ops.push_back(std::move(b));
    }

    // The watermark trails by two minutes; finals for every interval end it has passed.
    const int64_t watermark = t - 2 * kMinute;
    while (next_final_end <= watermark) {
      const int64_t end = next_final_end;
      for (int s = 0; s < 4; ++s) {
        if (rng() % 5 != 0) {
          Op f{Op::kSentimentFinal, {}, {}, {}, {}, {}};
          SentimentWindowRow& r = f.sentiment;
          r.symbol = kSymbols[s];
          r.window_start = EventTime(end - kWindow);
          r.window_end = EventTime(end);
          r.tweet_count = static_cast<int64_t>(rng() % 20);
          r.sentiment_score_avg = rng() % 25 == 0 ? uniform(rng, -1, 1) : mood[s];
          r.bullish_share = uniform(rng, 0, 1);
          r.is_final = true;
          ops.push_back(std::move(f));
        }
        if (rng() % 5 != 0) {
          Op f{Op::kMarketFinal, {}, {}, {}, {}, {}};
          MarketWindowRow& r = f.market;
          r.symbol = kSymbols[s];
          r.window_start = EventTime(end - kWindow);
          r.window_end = EventTime(end);
          r.bar_count = static_cast<int64_t>(rng() % 6);
          r.open = price[s] * uniform(rng, 0.995, 1.005);
          r.close = price[s];
          r.avg_close = price[s];
          r.volatility = uniform(rng, 0, 2);
          r.avg_volume = uniform(rng, 100, 5000);
          r.trend_signal = static_cast<TrendSignal>(rng() % 3);
          r.is_final = true;
          ops.push_back(std::move(f));
        }
      }
      Op a{Op::kAdvance, {}, {}, {}, {}, {}};
      a.ready = EventTime(end);
      ops.push_back(std::move(a));
      next_final_end += kSlide;
    }
  }
  ops.push_back(Op{Op::kFlush, {}, {}, {}, {}, {}});
  return ops;
}

std::string bits(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 "(%.17g)", std::bit_cast<uint64_t>(v), v);
  return buf;
}

// Every field of every row the stage produced, doubles as their bits.
std::string describe(const SinkBatch& b) {
  std::string s;
  for (const IndicatorRow& r : b.indicators) {
    s += "I " + r.symbol + " " + std::to_string(r.ts.value()) + " " + bits(r.close) + " " +
         bits(r.rsi_14) + " " + bits(r.ema_20) + " " + bits(r.sma_50) + "\n";
  }
  for (const FearGreedRow& r : b.fear_greed) {
    s += "F " + r.symbol + " " + std::to_string(r.ts.value()) + " " + bits(r.score) + " " + r.band +
         " " + bits(r.sentiment) + " " + bits(r.bullish) + " " + bits(r.momentum) + " " +
         bits(r.volatility) + " " + bits(r.volume) + "\n";
  }
  for (const CorrelationRow& r : b.correlations) {
    s += "C " + r.symbol + " " + std::to_string(r.ts.value()) + " " + bits(r.r_lag0) + " " +
         std::to_string(r.pairs_lag0) + " " + std::to_string(r.best_lag) + " " + bits(r.best_r) +
         " " + std::to_string(r.pairs_best) + "\n";
  }
  for (const AlertRow& r : b.alerts) {
    s += "A " + r.symbol + " " + std::to_string(r.ts.value()) + " " + r.kind + " " + r.message +
         " " + bits(r.value) + "\n";
  }
  return s;
}

// Applies one op; returns the rows it produced.
std::string apply(SignalStage& stage, const Op& op) {
  SinkBatch out;
  switch (op.kind) {
    case Op::kPost:
      stage.on_post(op.post);
      break;
    case Op::kBar:
      stage.on_bar(op.bar);
      break;
    // Some rows as a flush would mark them (issue #17), so the checkpoint carries the marks.
    case Op::kSentimentFinal:
      stage.on_final(op.sentiment, /*partial=*/op.sentiment.tweet_count % 7 == 3);
      break;
    case Op::kMarketFinal:
      stage.on_final(op.market, /*partial=*/op.market.bar_count == 4);
      break;
    case Op::kAdvance:
      stage.advance(op.ready, out);
      break;
    case Op::kFlush:
      stage.flush(out);
      break;
  }
  return describe(out);
}

// Rows of one kind in a describe() text: lines starting with its tag.
size_t count_rows(const std::string& text, char tag) {
  size_t n = 0;
  size_t at = 0;
  while (at < text.size()) {
    if (text[at] == tag) ++n;
    const size_t newline = text.find('\n', at);
    if (newline == std::string::npos) break;
    at = newline + 1;
  }
  return n;
}

struct Counts {
  size_t indicators = 0, fear_greed = 0, correlations = 0, alerts = 0;
};

TEST(SignalStage, RestoredStageContinuesBitExact) {
  Counts seen;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const std::vector<Op> ops = make_stream(seed, 150);
    std::mt19937_64 pick(seed * 7919);
    // Cuts anywhere: before any output, mid-stream (between finals and their advance too).
    const size_t cut = static_cast<size_t>(pick() % ops.size());

    SignalStage original(kSlide);
    for (size_t i = 0; i < cut; ++i) (void)apply(original, ops[i]);
    std::string bytes;
    original.save(bytes);

    SignalStage restored(kSlide);
    // Some unrelated state first: restore must replace all of it.
    (void)apply(restored, ops.back());
    for (size_t i = 0; i < 50 && i < ops.size(); ++i)
      (void)apply(restored, ops[ops.size() / 2 + i]);
    ASSERT_TRUE(restored.restore(bytes)) << "seed " << seed;
    std::string again;
    restored.save(again);
    ASSERT_TRUE(bytes == again) << "seed " << seed;
    EXPECT_EQ(restored.out_of_order_bars(), original.out_of_order_bars());

    for (size_t i = cut; i < ops.size(); ++i) {
      const std::string a = apply(original, ops[i]);
      ASSERT_EQ(a, apply(restored, ops[i]))
          << "seed " << seed << " op " << i << " of " << ops.size() << ", cut at " << cut;
      seen.indicators += count_rows(a, 'I');
      seen.fear_greed += count_rows(a, 'F');
      seen.correlations += count_rows(a, 'C');
      seen.alerts += count_rows(a, 'A');
    }
    EXPECT_EQ(restored.out_of_order_bars(), original.out_of_order_bars());
  }
  // The streams must exercise every output, or equality proves little.
  EXPECT_GT(seen.indicators, 0u);
  EXPECT_GT(seen.fear_greed, 0u);
  EXPECT_GT(seen.correlations, 0u);
  EXPECT_GT(seen.alerts, 0u);
}

TEST(SignalStage, RestoreMatchesAnUninterruptedRunAtEveryCheckpoint) {
  // Checkpoint repeatedly, always continuing from the restored copy (a pipeline restarted many
  // times); the whole output must equal that of one uninterrupted stage.
  const std::vector<Op> ops = make_stream(42, 90);
  SignalStage uninterrupted(kSlide);
  std::string expected;
  for (const Op& op : ops) expected += apply(uninterrupted, op);

  SignalStage stage(kSlide);
  std::string got;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (i % 97 == 13) {
      std::string bytes;
      stage.save(bytes);
      SignalStage next(kSlide);
      ASSERT_TRUE(next.restore(bytes)) << "op " << i;
      stage = std::move(next);
    }
    got += apply(stage, ops[i]);
  }
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(expected, got);
}

TEST(SignalStage, RejectsDamagedCheckpointAndStaysUnchanged) {
  const std::vector<Op> ops = make_stream(3, 60);
  SignalStage source(kSlide);
  for (size_t i = 0; i < ops.size() * 2 / 3; ++i) (void)apply(source, ops[i]);
  std::string good;
  source.save(good);

  SignalStage target(kSlide);
  for (size_t i = 0; i < ops.size() / 3; ++i) (void)apply(target, ops[i]);
  std::string before;
  target.save(before);

  // Checkpoints are large: try every prefix near both ends and a random sample elsewhere, and a
  // flipped bit at sampled positions (each restore is a full checksum pass).
  std::mt19937_64 rng(17);
  std::vector<size_t> positions;
  for (size_t i = 0; i < 64 && i < good.size(); ++i) {
    positions.push_back(i);
    positions.push_back(good.size() - 1 - i);
  }
  for (int i = 0; i < 300; ++i) positions.push_back(static_cast<size_t>(rng() % good.size()));
  for (size_t n : positions) {
    ASSERT_FALSE(target.restore(std::string_view(good).substr(0, n))) << "prefix " << n;
    std::string bad = good;
    bad[n] = static_cast<char>(bad[n] ^ (1 << (n % 8)));
    ASSERT_FALSE(target.restore(bad)) << "byte " << n;
  }
  EXPECT_FALSE(target.restore(good + '\0'));
  EXPECT_FALSE(target.restore(""));
  std::string after;
  target.save(after);
  EXPECT_TRUE(before == after);

  // Another slide cuts intervals elsewhere: refused.
  SignalStage other(30000);
  EXPECT_FALSE(other.restore(good));
  SignalStage same(kSlide);
  EXPECT_TRUE(same.restore(good));
}

TEST(SignalStage, SaveIsDeterministic) {
  // Two stages fed the same input save the same bytes, and saving does not change the state.
  const std::vector<Op> ops = make_stream(8, 40);
  SignalStage a(kSlide), b(kSlide);
  std::string out_a, out_b;
  for (size_t i = 0; i < ops.size(); ++i) {
    out_a += apply(a, ops[i]);
    if (i % 50 == 0) {
      std::string ignored;
      b.save(ignored);
    }
    out_b += apply(b, ops[i]);
    if (i == ops.size() / 2) {
      std::string bytes_a, bytes_b;
      a.save(bytes_a);
      b.save(bytes_b);
      EXPECT_TRUE(bytes_a == bytes_b);
    }
  }
  EXPECT_EQ(out_a, out_b);
}

}  // namespace
}  // namespace stockpulse
