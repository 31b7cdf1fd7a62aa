#include "backtest/backtest_input.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace stockpulse {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sorts (t, v) pairs by time; of equal times the last given wins; NaNs are dropped.
TimedSeries make_series(std::vector<std::pair<int64_t, double>> points) {
  std::stable_sort(points.begin(), points.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  TimedSeries s;
  for (size_t i = 0; i < points.size(); ++i) {
    if (i + 1 < points.size() && points[i + 1].first == points[i].first) continue;
    if (std::isnan(points[i].second)) continue;
    s.t.push_back(points[i].first);
    s.v.push_back(points[i].second);
  }
  return s;
}

struct Pending {
  std::vector<std::pair<int64_t, double>> close, avg, bullish, count, trend, rsi, fear_greed;
};

}  // namespace

int64_t TimedSeries::find(int64_t at) const {
  const auto it = std::lower_bound(t.begin(), t.end(), at);
  if (it == t.end() || *it != at) return -1;
  return it - t.begin();
}

int64_t TimedSeries::at_or_before(int64_t at) const {
  const auto it = std::upper_bound(t.begin(), t.end(), at);
  if (it == t.begin()) return -1;
  return (it - t.begin()) - 1;
}

BacktestInput build_backtest_input(BacktestRows rows, const InputOptions& options) {
  std::map<std::string, Pending> by_symbol;
  for (const auto& r : rows.market) {
    by_symbol[r.symbol].close.emplace_back(r.window_end, r.close);
    by_symbol[r.symbol].trend.emplace_back(r.window_end, double(r.trend));
  }
  // Signals of symbols without prices cannot be scored: only symbols with market windows count.
  auto find = [&](const std::string& symbol) -> Pending* {
    const auto it = by_symbol.find(symbol);
    return it == by_symbol.end() ? nullptr : &it->second;
  };
  for (const auto& r : rows.sentiment) {
    Pending* p = find(r.symbol);
    if (!p) continue;
    p->avg.emplace_back(r.window_end, r.avg);
    p->bullish.emplace_back(r.window_end, r.bullish_share);
    p->count.emplace_back(r.window_end, double(r.tweet_count));
  }
  for (const auto& r : rows.rsi) {
    // An indicator row is stamped with its minute's start; its close is known at the minute's end.
    if (Pending* p = find(r.symbol)) p->rsi.emplace_back(r.ts + 60'000, r.value);
  }
  for (const auto& r : rows.fear_greed) {
    if (Pending* p = find(r.symbol)) p->fear_greed.emplace_back(r.ts, r.value);
  }
  rows = {};

  BacktestInput input;
  int64_t step = 0;
  for (auto& [symbol, p] : by_symbol) {
    SymbolSeries s;
    s.symbol = symbol;
    s.close = make_series(std::move(p.close));
    for (size_t i = 1; i < s.close.t.size(); ++i) {
      const int64_t gap = s.close.t[i] - s.close.t[i - 1];
      if (gap > 0 && (step == 0 || gap < step)) step = gap;
    }
    s.signals[size_t(SignalKind::kTrendSignal)] = make_series(std::move(p.trend));
    s.signals[size_t(SignalKind::kAvgSentiment)] = make_series(std::move(p.avg));
    s.signals[size_t(SignalKind::kBullishShare)] = make_series(std::move(p.bullish));
    s.signals[size_t(SignalKind::kRsi)] = make_series(std::move(p.rsi));
    s.signals[size_t(SignalKind::kFearGreed)] = make_series(std::move(p.fear_greed));
    // Counts stay aside until the step is known (the spike needs the grid).
    s.signals[size_t(SignalKind::kVolumeSpike)] = make_series(std::move(p.count));
    input.symbols.push_back(std::move(s));
  }
  input.step_ms = step;

  for (auto& s : input.symbols) {
    const TimedSeries& avg = s.signals[size_t(SignalKind::kAvgSentiment)];
    TimedSeries change;
    for (size_t i = 0; i < avg.t.size(); ++i) {
      const int64_t prev = step > 0 ? avg.find(avg.t[i] - step) : -1;
      if (prev < 0) continue;
      change.t.push_back(avg.t[i]);
      change.v.push_back(avg.v[i] - avg.v[size_t(prev)]);
    }
    s.signals[size_t(SignalKind::kSentimentChange)] = std::move(change);

    TimedSeries counts = std::move(s.signals[size_t(SignalKind::kVolumeSpike)]);
    TimedSeries spike;
    if (step > 0 && !counts.t.empty()) {
      const int64_t span = int64_t(options.spike_lookback) * step;
      const int64_t first = counts.t.front();
      // A running sum over the window ends in [t - span, t - step].
      size_t lo = 0, hi = 0;
      double sum = 0;
      for (size_t i = 0; i < counts.t.size(); ++i) {
        const int64_t t = counts.t[i];
        while (hi < i && counts.t[hi] <= t - step) sum += counts.v[hi++];
        while (lo < hi && counts.t[lo] < t - span) sum -= counts.v[lo++];
        if (t - span < first) continue;  // not enough history yet
        const double mean = sum / options.spike_lookback;
        spike.t.push_back(t);
        spike.v.push_back(mean > 0 ? counts.v[i] / mean : kNaN);
      }
    }
    s.signals[size_t(SignalKind::kVolumeSpike)] = make_series([&] {
      std::vector<std::pair<int64_t, double>> pts;
      for (size_t i = 0; i < spike.t.size(); ++i) pts.emplace_back(spike.t[i], spike.v[i]);
      return pts;
    }());
  }
  return input;
}

}  // namespace stockpulse
