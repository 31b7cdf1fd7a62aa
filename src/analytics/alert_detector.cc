#include "analytics/alert_detector.h"

#include <cmath>
#include <cstdio>
#include <iterator>

namespace stockpulse {
namespace {

// History kept per symbol beyond the baseline; enough for any ordering slack in update mode.
constexpr size_t kMaxRemembered = 512;

template <class V>
void trim(std::map<int64_t, V>& m, size_t keep) {
  while (m.size() > keep) m.erase(m.begin());
}

std::string format_message(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

}  // namespace

AlertDetector::AlertDetector(AlertConfig config) : config_(config) {}

bool AlertDetector::first_time(const std::string& symbol, const char* kind, EventTime ts) {
  Key key{symbol, kind, ts.value()};
  if (!emitted_.insert(key).second) return false;
  emitted_by_ts_.emplace(ts.value(), std::move(key));
  if (ts.value() > newest_ts_) newest_ts_ = ts.value();
  prune_dedup(newest_ts_);
  return true;
}

void AlertDetector::prune_dedup(int64_t now_ms) {
  const int64_t cutoff = now_ms - config_.dedup_retention_ms;
  auto end = emitted_by_ts_.lower_bound(cutoff);
  for (auto it = emitted_by_ts_.begin(); it != end; ++it) emitted_.erase(it->second);
  emitted_by_ts_.erase(emitted_by_ts_.begin(), end);
}

std::vector<AlertRow> AlertDetector::on_market_window(const MarketWindowRow& row) {
  std::vector<AlertRow> out;
  if (row.bar_count == 0) return out;
  auto& hist = signals_[row.symbol];
  const int64_t start = row.window_start.value();
  hist[start] = row.trend_signal;
  auto it = hist.find(start);
  if (it != hist.begin()) {
    const TrendSignal prev = std::prev(it)->second;
    if (prev != row.trend_signal && first_time(row.symbol, "trend_signal_change", row.window_end)) {
      out.push_back(
          AlertRow{row.symbol, row.window_end, "trend_signal_change",
                   format_message("trend signal %s -> %s (avg close %.4f)", trend_signal_name(prev),
                                  trend_signal_name(row.trend_signal), row.avg_close),
                   static_cast<double>(static_cast<int>(row.trend_signal))});
    }
  }
  trim(hist, kMaxRemembered);
  return out;
}

std::vector<AlertRow> AlertDetector::on_sentiment_window(const SentimentWindowRow& row) {
  std::vector<AlertRow> out;
  if (row.tweet_count == 0) return out;
  auto& hist = sentiment_avgs_[row.symbol];
  const int64_t start = row.window_start.value();
  hist[start] = row.sentiment_score_avg;
  auto it = hist.find(start);
  // Baseline: up to baseline_windows windows that start before this one, nearest first. Welford
  // keeps a constant baseline exactly constant (sum / n would leave a few ulps of spread and turn
  // any change into an "infinite" z).
  int n = 0;
  double mean = 0, m2 = 0;
  for (auto b = std::make_reverse_iterator(it); b != hist.rend() && n < config_.baseline_windows;
       ++b) {
    ++n;
    const double delta = b->second - mean;
    mean += delta / n;
    m2 += delta * (b->second - mean);
  }
  if (n >= config_.min_baseline) {
    const double sd = m2 > 0 ? std::sqrt(m2 / (n - 1)) : 0.0;
    if (sd > 0) {
      const double z = (row.sentiment_score_avg - mean) / sd;
      if (std::fabs(z) >= config_.spike_z &&
          first_time(row.symbol, "sentiment_spike", row.window_end)) {
        out.push_back(AlertRow{
            row.symbol, row.window_end, "sentiment_spike",
            format_message("sentiment %s spike: avg %.4f vs baseline %.4f (z = %.2f, %d windows)",
                           z > 0 ? "positive" : "negative", row.sentiment_score_avg, mean, z, n),
            z});
      }
    }
  }
  trim(hist, std::max(kMaxRemembered, static_cast<size_t>(config_.baseline_windows) + 1));
  return out;
}

std::vector<AlertRow> AlertDetector::on_fear_greed(std::string_view symbol_view,
                                                   const FearGreedReading& reading) {
  std::vector<AlertRow> out;
  if (std::isnan(reading.score)) return out;
  const std::string symbol(symbol_view);
  auto& hist = bands_[symbol];
  hist[reading.minute.value()] = reading.band;
  auto it = hist.find(reading.minute.value());
  if (it != hist.begin()) {
    const FearGreedBand prev = std::prev(it)->second;
    if (prev != reading.band && first_time(symbol, "fear_greed_band", reading.minute)) {
      out.push_back(
          AlertRow{symbol, reading.minute, "fear_greed_band",
                   format_message("fear & greed %s -> %s (%.1f)", fear_greed_band_name(prev),
                                  fear_greed_band_name(reading.band), reading.score),
                   reading.score});
    }
  }
  trim(hist, kMaxRemembered);
  return out;
}

}  // namespace stockpulse
