#include "source/synthetic_bars.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "common/time_format.h"

namespace stockpulse {
namespace {

TEST(SyntheticBars, InvariantsHoldOnManyBars) {
  SyntheticBarGenerator gen({.seed = 3});
  const size_t n = gen.symbols().size();
  std::vector<Bar> bars;
  std::map<std::string, double> last_close;
  const int64_t start = gen.next_minute_start().value();
  EXPECT_EQ(start % kMillisPerMinute, 0);
  for (int minute = 0; minute < 2000; ++minute) {
    bars.clear();
    gen.next_minute(bars);
    ASSERT_EQ(bars.size(), n);
    for (size_t i = 0; i < n; ++i) {
      const Bar& b = bars[i];
      EXPECT_EQ(b.symbol, gen.symbols()[i]);
      EXPECT_EQ(b.ts.value(), start + minute * kMillisPerMinute);
      EXPECT_GT(b.low, 0);
      EXPECT_LE(b.low, b.open);
      EXPECT_LE(b.low, b.close);
      EXPECT_GE(b.high, b.open);
      EXPECT_GE(b.high, b.close);
      EXPECT_GE(b.vwap, b.low);
      EXPECT_LE(b.vwap, b.high);
      EXPECT_GT(b.volume, 0);
      EXPECT_GT(b.trade_count, 0);
      EXPECT_EQ(std::round(b.close * 100) / 100, b.close);  // cents
      // Each bar opens where the previous one closed.
      if (auto it = last_close.find(b.symbol); it != last_close.end()) {
        EXPECT_EQ(b.open, it->second);
      }
      last_close[b.symbol] = b.close;
    }
  }
}

TEST(SyntheticBars, DeterministicBySeed) {
  auto run = [](uint64_t seed) {
    SyntheticBarGenerator gen({.seed = seed});
    std::vector<Bar> bars;
    for (int i = 0; i < 300; ++i) gen.next_minute(bars);
    return bars;
  };
  const auto a = run(9), b = run(9), c = run(10);
  ASSERT_EQ(a.size(), b.size());
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].close, b[i].close);
    EXPECT_EQ(a[i].volume, b[i].volume);
    EXPECT_EQ(a[i].vwap, b[i].vwap);
    differs |= a[i].close != c[i].close;
  }
  EXPECT_TRUE(differs);
}

TEST(SyntheticBars, MeanReversionKeepsPriceNearItsAnchor) {
  SyntheticBarGenerator gen({.seed = 5});
  std::vector<Bar> bars;
  int beyond_band = 0, far_beyond = 0, samples = 0;
  for (int minute = 0; minute < 5000; ++minute) {
    bars.clear();
    gen.next_minute(bars);
    for (size_t i = 0; i < gen.symbols().size(); ++i) {
      const double dev = std::abs(gen.price(i) / gen.anchor(i) - 1);
      beyond_band += dev > 0.03;
      far_beyond += dev > 0.06;
      ++samples;
    }
  }
  // The walk may leave the +-3% band, but reversion brings it back: rarely out, almost never far.
  EXPECT_LT(beyond_band, samples / 10);
  EXPECT_LT(far_beyond, samples / 1000 + 1);
}

TEST(SyntheticBars, VolumeGrowsWithTrendStrength) {
  SyntheticBarGenerator gen({.seed = 8});
  std::vector<Bar> bars;
  // Per symbol, compare relative volume in strong-trend minutes with weak-trend minutes.
  double strong_sum = 0, weak_sum = 0;
  int strong_n = 0, weak_n = 0;
  std::vector<double> mean_volume(gen.symbols().size(), 0);
  std::vector<std::vector<std::pair<double, double>>> samples(gen.symbols().size());
  for (int minute = 0; minute < 6000; ++minute) {
    bars.clear();
    gen.next_minute(bars);
    for (size_t i = 0; i < bars.size(); ++i) {
      samples[i].push_back({std::abs(gen.trend(i)), bars[i].volume});
      mean_volume[i] += bars[i].volume;
    }
  }
  for (size_t i = 0; i < samples.size(); ++i) {
    mean_volume[i] /= static_cast<double>(samples[i].size());
    std::vector<double> strengths;
    for (auto& s : samples[i]) strengths.push_back(s.first);
    std::sort(strengths.begin(), strengths.end());
    const double q25 = strengths[strengths.size() / 4], q75 = strengths[strengths.size() * 3 / 4];
    for (auto& [strength, volume] : samples[i]) {
      if (strength >= q75) {
        strong_sum += volume / mean_volume[i];
        ++strong_n;
      } else if (strength <= q25) {
        weak_sum += volume / mean_volume[i];
        ++weak_n;
      }
    }
  }
  ASSERT_GT(strong_n, 0);
  ASSERT_GT(weak_n, 0);
  EXPECT_GT(strong_sum / strong_n, 1.2 * (weak_sum / weak_n));
}

}  // namespace
}  // namespace stockpulse
