#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/events.h"
#include "common/rows.h"
#include "common/time_format.h"

namespace stockpulse::testing {

// Deterministic, plausible rows for the serving tables: minute bars, 5-minute windows sliding by
// one minute, and alerts. Shared by the HTTP tests (which check the API returns exactly these
// values) and sp_serve_demo (which keeps producing them to feed the browser test).
struct SeedMinute {
  Bar bar;
  MarketWindowRow trend;
  SentimentWindowRow sentiment;
};

inline double seed_close(size_t symbol_index, int64_t minute) {
  return 100.0 + 40.0 * static_cast<double>(symbol_index) +
         3.0 * std::sin(static_cast<double>(minute) / 6.0 + static_cast<double>(symbol_index)) +
         0.02 * static_cast<double>(minute % 1000);
}

// The 5-minute window [first, first + 5) of `symbol` holding the bars of minutes first..last
// (last - first + 1 of them: 5 for a full window, fewer at the newest edge), and the sentiment
// window of the same span.
struct SeedWindow {
  MarketWindowRow trend;
  SentimentWindowRow sentiment;
};

inline SeedWindow seed_window(const std::string& symbol, size_t symbol_index, EventTime origin,
                              int64_t first, int64_t last) {
  SeedWindow out;
  const auto minute_time = [&](int64_t m) {
    return EventTime(origin.value() + m * kMillisPerMinute);
  };
  const auto n = static_cast<double>(last - first + 1);
  MarketWindowRow& w = out.trend;
  w.symbol = symbol;
  w.window_start = minute_time(first);
  w.window_end = minute_time(first + 5);
  w.bar_count = last - first + 1;
  double sum = 0, sum_sq = 0, volume = 0, up = 0, pct = 0;
  w.max_close = -1e300;
  w.min_close = 1e300;
  for (int64_t k = first; k <= last; ++k) {
    const double c = seed_close(symbol_index, k);
    const double o = seed_close(symbol_index, k - 1);
    sum += c;
    sum_sq += c * c;
    w.max_close = std::max(w.max_close, c);
    w.min_close = std::min(w.min_close, c);
    volume +=
        1000.0 + static_cast<double>((k * 37 + static_cast<int64_t>(symbol_index) * 101) % 500);
    up += c > o ? 1 : 0;
    pct += (c - o) / o * 100.0;
  }
  w.open = seed_close(symbol_index, first - 1);
  w.close = seed_close(symbol_index, last);
  w.high = w.max_close + 0.4;
  w.low = w.min_close - 0.4;
  w.total_volume = volume;
  w.avg_close = sum / n;
  w.volatility = n > 1 ? std::sqrt(std::max(0.0, (sum_sq - sum * sum / n) / (n - 1))) : 0.0;
  w.avg_volume = volume / n;
  w.avg_vwap = w.avg_close;
  w.vwap_deviation_pct = (w.close - w.avg_vwap) / w.avg_vwap * 100.0;
  w.buy_pressure = up / n;
  w.avg_pct_change = pct / n;
  w.price_range = w.max_close - w.min_close;
  w.trend_signal = w.buy_pressure >= 0.6   ? TrendSignal::kBullish
                   : w.buy_pressure <= 0.4 ? TrendSignal::kBearish
                                           : TrendSignal::kNeutral;

  SentimentWindowRow& s = out.sentiment;
  s.symbol = symbol;
  s.window_start = w.window_start;
  s.window_end = w.window_end;
  s.tweet_count =
      (20 + (last * 7 + static_cast<int64_t>(symbol_index)) % 13) * (last - first + 1) / 5;
  s.tweet_count = std::max<int64_t>(s.tweet_count, 1);
  s.sentiment_score_avg =
      0.6 * std::sin(static_cast<double>(last) / 4.0 + 2.0 * static_cast<double>(symbol_index));
  s.sentiment_score_min = std::max(-1.0, s.sentiment_score_avg - 0.5);
  s.sentiment_score_max = std::min(1.0, s.sentiment_score_avg + 0.4);
  s.sentiment_score_stddev = 0.2;
  s.bullish_count = static_cast<int64_t>(
      std::lround((s.sentiment_score_avg + 1.0) / 2.0 * static_cast<double>(s.tweet_count)));
  s.bearish_count = (s.tweet_count - s.bullish_count) / 2;
  s.neutral_count = s.tweet_count - s.bullish_count - s.bearish_count;
  s.bullish_share = static_cast<double>(s.bullish_count) / static_cast<double>(s.tweet_count);
  for (int64_t k = 0; k < s.tweet_count; ++k) {
    const double c = s.sentiment_score_min + (s.sentiment_score_max - s.sentiment_score_min) *
                                                 static_cast<double>(k) /
                                                 static_cast<double>(s.tweet_count);
    ++s.histogram[sentiment_bucket(c)];
  }
  return out;
}

// Everything for `symbol` at minute index `minute` (minutes since `origin`): its bar, and the
// full windows [minute - 4, minute + 1) made of the five bars ending with it.
inline SeedMinute seed_minute(const std::string& symbol, size_t symbol_index, EventTime origin,
                              int64_t minute) {
  SeedMinute m;
  m.bar.symbol = symbol;
  m.bar.ts = EventTime(origin.value() + minute * kMillisPerMinute);
  m.bar.open = seed_close(symbol_index, minute - 1);
  m.bar.close = seed_close(symbol_index, minute);
  m.bar.high = std::max(m.bar.open, m.bar.close) + 0.4;
  m.bar.low = std::min(m.bar.open, m.bar.close) - 0.4;
  m.bar.volume = 1000.0 + static_cast<double>((minute * 37 + symbol_index * 101) % 500);
  m.bar.vwap = (m.bar.high + m.bar.low + m.bar.close) / 3.0;
  m.bar.trade_count = 10 + minute % 5;
  SeedWindow w = seed_window(symbol, symbol_index, origin, minute - 4, minute);
  m.trend = std::move(w.trend);
  m.sentiment = std::move(w.sentiment);
  return m;
}

// The windows a sliding-window pipeline also holds at the newest edge when `last` is the newest
// minute: [p, p + 5) for p = last - 3 .. last, holding only the bars of minutes p..last. They
// end in the future; the next minutes' seed_minute rows replace them (same keys).
inline std::vector<SeedWindow> seed_edge_windows(const std::string& symbol, size_t symbol_index,
                                                 EventTime origin, int64_t last) {
  std::vector<SeedWindow> out;
  for (int64_t p = last - 3; p <= last; ++p) {
    out.push_back(seed_window(symbol, symbol_index, origin, p, last));
  }
  return out;
}

// An alert for `symbol` at minute index `minute`.
inline AlertRow seed_alert(const std::string& symbol, EventTime origin, int64_t minute) {
  AlertRow a;
  a.symbol = symbol;
  a.ts = EventTime(origin.value() + minute * kMillisPerMinute + kMillisPerMinute);
  a.kind = minute % 2 ? "sentiment_spike" : "trend_signal_change";
  a.message = symbol + (minute % 2 ? ": sentiment spike" : ": trend signal changed");
  a.value = static_cast<double>(minute % 10) / 10.0;
  return a;
}

}  // namespace stockpulse::testing
