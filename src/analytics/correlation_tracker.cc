#include "analytics/correlation_tracker.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "analytics/checkpoint_frame.h"
#include "common/time_format.h"

namespace stockpulse {
namespace {

constexpr uint32_t kMagic = 0x53504354;  // "SPCT"
constexpr uint32_t kVersion = 1;

int64_t minute_index(EventTime t) {
  // Floor division so times before the epoch still land in the right minute.
  int64_t ms = t.value();
  int64_t q = ms / kMillisPerMinute;
  if (ms % kMillisPerMinute < 0) --q;
  return q;
}

}  // namespace

CorrelationTracker::CorrelationTracker(CorrelationConfig config) : config_(config) {}

CorrelationTracker::Series& CorrelationTracker::series_for(std::string_view symbol,
                                                           int64_t minute) {
  auto it = series_.find(std::string(symbol));
  if (it == series_.end()) it = series_.emplace(std::string(symbol), Series{}).first;
  Series& s = it->second;
  if (minute > s.latest) s.latest = minute;
  return s;
}

void CorrelationTracker::add_sentiment(std::string_view symbol, EventTime minute,
                                       double avg_compound) {
  const int64_t m = minute_index(minute);
  Series& s = series_for(symbol, m);
  s.minutes[m].sentiment = avg_compound;
  prune(s);
}

void CorrelationTracker::add_close(std::string_view symbol, EventTime minute, double close) {
  const int64_t m = minute_index(minute);
  Series& s = series_for(symbol, m);
  s.minutes[m].close = close;
  prune(s);
}

void CorrelationTracker::prune(Series& s) const {
  // The oldest minute ever read is the close before the earliest return (N - 1 + 1 back), or the
  // sentiment L minutes before that return.
  const int64_t keep_from = s.latest - config_.window_minutes - config_.max_lag - 1;
  s.minutes.erase(s.minutes.begin(), s.minutes.lower_bound(keep_from));
}

void CorrelationTracker::drop_stale(EventTime now) {
  const int64_t keep_from = minute_index(now) - config_.window_minutes - config_.max_lag - 1;
  std::erase_if(series_, [&](const auto& entry) { return entry.second.latest < keep_from; });
}

double CorrelationTracker::pearson_at_lag(const MinuteView& v, int lag, int* pairs) const {
  auto value_at = [&](int64_t m) { return v.at(m); };
  const int64_t latest = v.latest;
  std::vector<double> xs, ys;
  xs.reserve(static_cast<size_t>(config_.window_minutes));
  ys.reserve(static_cast<size_t>(config_.window_minutes));
  for (int64_t u = latest - config_.window_minutes + 1; u <= latest; ++u) {
    const MinutePoint* cur = value_at(u);
    const MinutePoint* prev = value_at(u - 1);
    const MinutePoint* sent = value_at(u - lag);
    if (!cur || !prev || !sent) continue;
    if (std::isnan(cur->close) || std::isnan(prev->close) || prev->close == 0 ||
        std::isnan(sent->sentiment)) {
      continue;
    }
    xs.push_back(sent->sentiment);
    ys.push_back(cur->close / prev->close - 1.0);
  }
  *pairs = static_cast<int>(xs.size());
  if (*pairs < config_.min_pairs || *pairs < 2) return std::numeric_limits<double>::quiet_NaN();
  // Two passes (means first): the one-pass sum-of-products form cancels badly for returns ~1e-4.
  const double n = static_cast<double>(xs.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double dx = xs[i] - mx;
    const double dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
  double r = sxy / std::sqrt(sxx * syy);
  // Rounding can push a perfect correlation a hair past ±1.
  if (r > 1) r = 1;
  if (r < -1) r = -1;
  return r;
}

std::optional<CorrelationResult> CorrelationTracker::compute(std::string_view symbol) const {
  auto it = series_.find(std::string(symbol));
  if (it == series_.end()) return std::nullopt;
  const Series& s = it->second;
  // Every lag reads minutes latest - window - max_lag .. latest (a negative lag reads past
  // latest, where there is nothing yet): look each up once, not once per lag.
  MinuteView view;
  view.latest = s.latest;
  view.lo = s.latest - config_.window_minutes - std::max(config_.max_lag, 0);
  view.points.assign(static_cast<size_t>(view.latest - view.lo + 1), nullptr);
  for (auto m = s.minutes.lower_bound(view.lo); m != s.minutes.end() && m->first <= view.latest;
       ++m) {
    view.points[static_cast<size_t>(m->first - view.lo)] = &m->second;
  }
  CorrelationResult out;
  out.as_of = EventTime(s.latest * kMillisPerMinute);
  out.r_lag0 = pearson_at_lag(view, 0, &out.pairs_lag0);
  // Visit lags by increasing |k|, positive first, and replace only on a strictly larger |r|, which
  // implements the documented tie rule.
  for (int mag = 0; mag <= config_.max_lag; ++mag) {
    for (int sign : {1, -1}) {
      if (mag == 0 && sign == -1) continue;
      const int k = sign * mag;
      int pairs = 0;
      const double r = pearson_at_lag(view, k, &pairs);
      if (std::isnan(r)) continue;
      if (std::isnan(out.best_r) || std::fabs(r) > std::fabs(out.best_r)) {
        out.best_r = r;
        out.best_lag = k;
        out.pairs_best = pairs;
      }
    }
  }
  return out;
}

void CorrelationTracker::save(std::string& out) const {
  CheckpointWriter w(out);
  const size_t begin = begin_checkpoint_frame(w, out, kMagic, kVersion);
  w.put<int32_t>(config_.window_minutes);
  w.put<int32_t>(config_.max_lag);
  w.put<int32_t>(config_.min_pairs);
  // The hash map's order depends on its history; the bytes must not.
  std::vector<const decltype(series_)::value_type*> sorted;
  sorted.reserve(series_.size());
  for (const auto& entry : series_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  w.put<uint32_t>(static_cast<uint32_t>(sorted.size()));
  for (const auto* entry : sorted) {
    const Series& s = entry->second;
    w.put_bytes(entry->first);
    w.put<int64_t>(s.latest);
    w.put<uint32_t>(static_cast<uint32_t>(s.minutes.size()));
    for (const auto& [minute, point] : s.minutes) {
      w.put<int64_t>(minute);
      w.put<double>(point.sentiment);
      w.put<double>(point.close);
    }
  }
  seal_checkpoint_frame(w, begin);
}

bool CorrelationTracker::restore(std::string_view in) {
  auto reader = open_checkpoint_frame(in, kMagic, kVersion);
  if (!reader) return false;
  CheckpointReader& r = *reader;
  CorrelationConfig saved;
  saved.window_minutes = r.get<int32_t>();
  saved.max_lag = r.get<int32_t>();
  saved.min_pairs = r.get<int32_t>();
  // Series pruned under another window or lag would silently give other results.
  if (!r.ok() || saved.window_minutes != config_.window_minutes ||
      saved.max_lag != config_.max_lag || saved.min_pairs != config_.min_pairs) {
    return false;
  }
  std::unordered_map<std::string, Series> series;
  const uint32_t symbols = r.get<uint32_t>();
  // Each symbol takes at least its length prefix, latest and minute count.
  if (!plausible_count(r, symbols, 4 + 8 + 4)) return false;
  std::string_view prev_symbol;
  for (uint32_t i = 0; i < symbols; ++i) {
    const std::string_view symbol = r.get_bytes();
    // Strictly increasing symbols: no duplicates, and only one byte string per state.
    if (!r.ok() || (i > 0 && symbol <= prev_symbol)) return false;
    prev_symbol = symbol;
    Series s;
    s.latest = r.get<int64_t>();
    const uint32_t minutes = r.get<uint32_t>();
    if (!plausible_count(r, minutes, 8 + 8 + 8)) return false;
    for (uint32_t j = 0; j < minutes; ++j) {
      const int64_t minute = r.get<int64_t>();
      MinutePoint point;
      point.sentiment = r.get<double>();
      point.close = r.get<double>();
      if (!r.ok() || minute > s.latest ||
          (!s.minutes.empty() && minute <= s.minutes.rbegin()->first)) {
        return false;
      }
      s.minutes.emplace_hint(s.minutes.end(), minute, point);
    }
    series.emplace(std::string(symbol), std::move(s));
  }
  if (!r.ok() || r.remaining() != 0) return false;
  series_ = std::move(series);
  return true;
}

}  // namespace stockpulse
