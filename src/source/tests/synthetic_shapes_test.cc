// Statistical properties of the data-set shapes of the synthetic generators (issue #14): span,
// distinct cashtags and their heavy tail, bursts, shuffling, retweets, multi-line texts, daily
// candles. No hard-coded outputs: each test checks the property the shape exists for.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "sentiment/ticker_extractor.h"
#include "source/market_hours.h"
#include "source/synthetic_bars.h"
#include "source/synthetic_posts.h"

namespace stockpulse {
namespace {

std::vector<std::string> with_cashtags(size_t n, uint64_t seed) {
  std::vector<std::string> symbols = default_synthetic_symbols();
  for (std::string& s : synthetic_cashtags(n, seed, symbols)) symbols.push_back(std::move(s));
  return symbols;
}

TEST(SyntheticShapes, SparseYearsSpanTheirDaysAtTheirRate) {
  // Two years at 40 posts a day.
  SyntheticPostGenerator gen({.seed = 3, .posts_per_second = 40.0 / 86400.0});
  Post p;
  const int64_t posts = 730 * 40;
  int64_t first = 0, last = 0;
  std::set<int64_t> days;
  for (int64_t i = 0; i < posts; ++i) {
    gen.next(p);
    if (i == 0) first = p.created_at.value();
    ASSERT_GE(p.created_at.value(), last);
    last = p.created_at.value();
    days.insert(last / kMillisPerDay);
  }
  const double span_days = static_cast<double>(last - first) / kMillisPerDay;
  EXPECT_NEAR(span_days, 730.0, 730.0 * 0.05);
  // At 40 a day nearly every day has posts, and gaps between posts are tens of minutes.
  EXPECT_GT(days.size(), 700u);
  for (size_t i = 0; i < gen.symbols().size(); ++i) {
    EXPECT_GE(gen.mood(i), -1.0);
    EXPECT_LE(gen.mood(i), 1.0);
  }
}

TEST(SyntheticShapes, CashtagNamesAreDistinctValidAndFree) {
  const std::vector<std::string> taken = default_synthetic_symbols();
  const std::vector<std::string> names = synthetic_cashtags(50000, 9, taken);
  ASSERT_EQ(names.size(), 50000u);
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  TickerExtractor extractor;
  for (size_t i = 0; i < names.size(); i += 97) {
    const std::string& n = names[i];
    EXPECT_GE(n.size(), 3u);
    EXPECT_LE(n.size(), 5u);
    EXPECT_EQ(std::find(taken.begin(), taken.end(), n), taken.end());
    EXPECT_EQ(extractor.symbols("watching $" + n + " today"), std::vector<std::string>{n});
  }
  EXPECT_EQ(synthetic_cashtags(100, 9, taken), synthetic_cashtags(100, 9, taken));
  EXPECT_NE(synthetic_cashtags(100, 9, taken), synthetic_cashtags(100, 10, taken));
}

TEST(SyntheticShapes, ManyCashtagsHaveAHeavyTail) {
  SyntheticPostGenerator gen({.seed = 5, .symbols = with_cashtags(20000, 5), .zipf_exponent = 1.1});
  TickerExtractor extractor;
  std::map<std::string, int64_t> mentions;
  Post p;
  int64_t total = 0;
  for (int i = 0; i < 100000; ++i) {
    gen.next(p);
    for (const std::string& s : extractor.symbols(p.text)) {
      ++mentions[s];
      ++total;
    }
  }
  // Thousands of distinct cashtags ...
  EXPECT_GT(mentions.size(), 5000u);
  std::vector<int64_t> counts;
  for (const auto& [s, n] : mentions) counts.push_back(n);
  std::sort(counts.rbegin(), counts.rend());
  // ... a head that takes a large share (top 1% of the symbols seen: over a third of mentions)
  // and a long tail of cashtags seen once or twice.
  const size_t head = counts.size() / 100;
  const int64_t head_mentions = std::accumulate(counts.begin(), counts.begin() + head, int64_t{0});
  EXPECT_GT(static_cast<double>(head_mentions) / static_cast<double>(total), 0.33);
  const auto rare = std::count_if(counts.begin(), counts.end(), [](int64_t n) { return n <= 2; });
  EXPECT_GT(static_cast<double>(rare) / static_cast<double>(counts.size()), 0.3);
  // Rank-frequency falls like a power law: the 10th is well above the 100th, which is well above
  // the 1000th.
  EXPECT_GT(counts[9], 4 * counts[99]);
  EXPECT_GT(counts[99], 4 * counts[999]);
}

// Variance over mean of the posts per minute: about 1 for a Poisson stream.
double dispersion(SyntheticPostGenerator& gen, int posts) {
  std::map<int64_t, int64_t> per_minute;
  Post p;
  int64_t first = 0, last = 0;
  for (int i = 0; i < posts; ++i) {
    gen.next(p);
    if (i == 0) first = p.created_at.value() / kMillisPerMinute;
    last = p.created_at.value() / kMillisPerMinute;
    ++per_minute[last];
  }
  const double n = static_cast<double>(last - first + 1);
  double mean = static_cast<double>(posts) / n, var = 0;
  for (int64_t m = first; m <= last; ++m) {
    const auto it = per_minute.find(m);
    const double c = it == per_minute.end() ? 0.0 : static_cast<double>(it->second);
    var += (c - mean) * (c - mean);
  }
  return var / n / mean;
}

TEST(SyntheticShapes, BurstsMakeTheRateClumpy) {
  SyntheticPostGenerator plain({.seed = 2, .posts_per_second = 5});
  SyntheticPostGenerator bursty({.seed = 2, .posts_per_second = 5, .burst_factor = 50});
  EXPECT_LT(dispersion(plain, 200000), 2.0);
  EXPECT_GT(dispersion(bursty, 200000), 20.0);
}

TEST(SyntheticShapes, BurstsAreAboutOneTicker) {
  SyntheticPostGenerator gen({.seed = 4, .posts_per_second = 5, .burst_factor = 50});
  Post p;
  std::map<size_t, int64_t> in_burst_mains;
  int64_t in_burst = 0;
  for (int i = 0; i < 200000; ++i) {
    gen.next(p);
    if (!gen.in_burst()) continue;
    ++in_burst;
    ++in_burst_mains[gen.last_tickers()[0]];
  }
  ASSERT_GT(in_burst, 10000);
  // Across several bursts the main tickers are concentrated beyond the plain popularity.
  int64_t top = 0;
  for (const auto& [t, n] : in_burst_mains) top = std::max(top, n);
  EXPECT_GT(static_cast<double>(top) / static_cast<double>(in_burst), 0.2);
}

TEST(SyntheticShapes, DisplaceFractionMovesThatShare) {
  DeterministicRng rng(11);
  std::vector<int> items(100000);
  std::iota(items.begin(), items.end(), 0);
  displace_fraction(items, 0.2, rng);
  int64_t moved = 0;
  for (size_t i = 0; i < items.size(); ++i) moved += items[i] != static_cast<int>(i);
  EXPECT_NEAR(static_cast<double>(moved) / static_cast<double>(items.size()), 0.2, 0.01);
  std::vector<int> sorted = items;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], static_cast<int>(i));
  std::vector<int> none(1000);
  std::iota(none.begin(), none.end(), 0);
  displace_fraction(none, 0.0, rng);
  EXPECT_TRUE(std::is_sorted(none.begin(), none.end()));
}

TEST(SyntheticShapes, RetweetsCopyEarlierPostsWithNewIdsAndChain) {
  SyntheticPostGenerator gen({.seed = 6, .retweet_share = 0.3});
  std::set<std::string> texts, ids;
  Post p;
  int retweets = 0, chains = 0, copies_of_earlier = 0;
  const int posts = 20000;
  for (int i = 0; i < posts; ++i) {
    gen.next(p);
    EXPECT_TRUE(ids.insert(p.id).second);
    const bool rt = p.text.rfind("RT @", 0) == 0;
    EXPECT_EQ(rt, gen.last_is_retweet());
    if (rt) {
      ++retweets;
      const size_t colon = p.text.find(": ");
      ASSERT_NE(colon, std::string::npos);
      copies_of_earlier += texts.count(p.text.substr(colon + 2)) > 0;
      chains += p.text.find("RT @", colon) != std::string::npos;
      // The retweet is about the original's tickers.
      EXPECT_NE(p.text.find(gen.symbols()[gen.last_tickers()[0]]), std::string::npos);
    }
    texts.insert(p.text);
  }
  EXPECT_NEAR(static_cast<double>(retweets) / posts, 0.3, 0.02);
  EXPECT_EQ(copies_of_earlier, retweets);
  EXPECT_GT(chains, retweets / 10);
}

TEST(SyntheticShapes, MultilineShare) {
  SyntheticPostGenerator gen({.seed = 8, .multiline_share = 0.25});
  Post p;
  int multi = 0;
  for (int i = 0; i < 20000; ++i) {
    gen.next(p);
    multi += p.text.find('\n') != std::string::npos;
  }
  EXPECT_NEAR(multi / 20000.0, 0.25, 0.02);
}

TEST(SyntheticShapes, ShapesAreDeterministicBySeed) {
  const SyntheticPostOptions o{.seed = 12,
                               .symbols = with_cashtags(1000, 12),
                               .posts_per_second = 0.01,
                               .zipf_exponent = 1.1,
                               .burst_factor = 20,
                               .retweet_share = 0.2,
                               .multiline_share = 0.1};
  SyntheticPostGenerator a(o), b(o);
  Post pa, pb;
  for (int i = 0; i < 5000; ++i) {
    a.next(pa);
    b.next(pb);
    ASSERT_EQ(pa.text, pb.text);
    ASSERT_EQ(pa.created_at, pb.created_at);
    ASSERT_EQ(pa.user, pb.user);
  }
}

TEST(SyntheticShapes, DailyCandlesOnWeekdaysAndConsistent) {
  const std::vector<std::string> symbols = {"AAPL", "NVDA", "ZZZQ"};
  const int64_t first = days_from_civil(2023, 1, 1), last = days_from_civil(2024, 12, 31);
  const std::vector<DailyCandle> candles = synthetic_daily_candles(symbols, first, last, 1);
  int64_t weekdays = 0;
  for (int64_t d = first; d <= last; ++d) weekdays += weekday_of(d) != 0 && weekday_of(d) != 6;
  EXPECT_EQ(candles.size(), static_cast<size_t>(weekdays) * symbols.size());
  std::map<std::string, double> prev_close;
  for (const DailyCandle& c : candles) {
    EXPECT_NE(weekday_of(c.day), 0);
    EXPECT_NE(weekday_of(c.day), 6);
    EXPECT_LE(c.low, std::min(c.open, c.close));
    EXPECT_GE(c.high, std::max(c.open, c.close));
    EXPECT_GT(c.low, 0);
    EXPECT_GT(c.volume, 0);
    // Each day opens near the previous close.
    if (prev_close.count(c.symbol)) {
      EXPECT_NEAR(c.open / prev_close[c.symbol], 1.0, 0.05);
    }
    prev_close[c.symbol] = c.close;
  }
}

TEST(SyntheticShapes, BarsSkipClosedHours) {
  SyntheticBarGenerator gen({.seed = 1, .symbols = {"AAPL"}, .start = EventTime(0)});
  std::vector<Bar> bars;
  gen.next_minute(bars);
  const double price = gen.price(0);
  gen.skip_to(EventTime(3 * kMillisPerDay + 12345));
  EXPECT_EQ(gen.next_minute_start().value(), 3 * kMillisPerDay);
  gen.skip_to(EventTime(0));  // never backwards
  EXPECT_EQ(gen.next_minute_start().value(), 3 * kMillisPerDay);
  EXPECT_EQ(gen.price(0), price);
  gen.next_minute(bars);
  EXPECT_EQ(bars.back().ts.value(), 3 * kMillisPerDay);
}

}  // namespace
}  // namespace stockpulse
