#include "analytics/alert_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <type_traits>

#include "analytics/checkpoint_frame.h"
#include "analytics/market_agg.h"
#include "common/time_format.h"

namespace stockpulse {
namespace {

// Windows kept per symbol beyond what the rules read (the previous window, or the baseline):
// slack for rows that come out of order (update mode). The pipeline feeds final rows in time
// order and needs none; every symbol with a history pays for it, so it stays small (#14).
constexpr size_t kOrderingSlack = 16;

std::string format_message(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// The alert kinds, in byte order of their names (the checkpoint's order of emitted alerts).
constexpr const char* kKinds[] = {"fear_greed_band", "sentiment_spike", "trend_signal_change"};

uint8_t kind_index(std::string_view kind) {
  for (uint8_t i = 0; i < std::size(kKinds); ++i) {
    if (kind == kKinds[i]) return i;
  }
  return std::size(kKinds);
}

constexpr uint32_t kMagic = 0x53504144;  // "SPAD"
// v2 (issue #17): debounced trend and band states, cool-downs and severities replace the
// per-window signal and band histories of v1; a v1 checkpoint is refused.
constexpr uint32_t kVersion = 2;

constexpr uint8_t kBandKind = 0;   // "fear_greed_band"
constexpr uint8_t kSpikeKind = 1;  // "sentiment_spike"
constexpr uint8_t kTrendKind = 2;  // "trend_signal_change"

// The configuration as bytes: a checkpoint is only valid under the configuration that wrote it.
std::string encode_config(const AlertConfig& c) {
  std::string out;
  CheckpointWriter w(out);
  w.put<double>(c.spike_z);
  w.put<int32_t>(c.min_baseline);
  w.put<int32_t>(c.baseline_windows);
  w.put<int32_t>(c.trend_dwell_windows);
  w.put<double>(c.trend_margin);
  w.put<int32_t>(c.band_dwell_readings);
  w.put<double>(c.band_margin);
  w.put<int64_t>(c.cooldown_s);
  w.put<double>(c.spike_z_warning);
  w.put<double>(c.spike_z_critical);
  w.put<double>(c.trend_strength_warning);
  w.put<double>(c.trend_strength_critical);
  w.put<int64_t>(c.dedup_retention_ms);
  return out;
}

// One value of a per-symbol history: enums as a byte (checked against their largest value on
// restore), doubles as their bits.
template <class V>
void put_value(CheckpointWriter& w, V v) {
  if constexpr (std::is_enum_v<V>) {
    w.put<uint8_t>(static_cast<uint8_t>(v));
  } else {
    w.put<V>(v);
  }
}

template <class V>
bool get_value(CheckpointReader& r, V& v, V max_enum) {
  if constexpr (std::is_enum_v<V>) {
    const uint8_t b = r.get<uint8_t>();
    v = static_cast<V>(b);
    return r.ok() && b <= static_cast<uint8_t>(max_enum);
  } else {
    v = r.get<V>();
    return r.ok();
  }
}

// symbol -> (time -> value) maps, symbols sorted so the bytes do not depend on hash order.
template <class V>
void put_histories(CheckpointWriter& w,
                   const std::unordered_map<std::string, TimeMap<V>>& histories) {
  std::vector<const std::string*> symbols;
  symbols.reserve(histories.size());
  for (const auto& entry : histories) symbols.push_back(&entry.first);
  std::sort(symbols.begin(), symbols.end(), [](auto* a, auto* b) { return *a < *b; });
  w.put<uint32_t>(static_cast<uint32_t>(symbols.size()));
  for (const std::string* symbol : symbols) {
    const auto& hist = histories.at(*symbol);
    w.put_bytes(*symbol);
    w.put<uint32_t>(static_cast<uint32_t>(hist.size()));
    for (const auto& [t, v] : hist) {
      w.put<int64_t>(t);
      put_value(w, v);
    }
  }
}

template <class V>
bool get_histories(CheckpointReader& r, std::unordered_map<std::string, TimeMap<V>>& out,
                   V max_enum = V{}) {
  const uint32_t count = r.get<uint32_t>();
  if (!plausible_count(r, count, 4 + 4)) return false;
  std::string_view prev;
  for (uint32_t i = 0; i < count; ++i) {
    const std::string_view symbol = r.get_bytes();
    if (!r.ok() || (i > 0 && symbol <= prev)) return false;
    prev = symbol;
    auto& hist = out[std::string(symbol)];
    const uint32_t n = r.get<uint32_t>();
    if (!plausible_count(r, n, 8 + 1)) return false;
    for (uint32_t j = 0; j < n; ++j) {
      const int64_t t = r.get<int64_t>();
      V v{};
      if (!get_value(r, v, max_enum)) return false;
      if (!hist.empty() && t <= hist.rbegin()->first) return false;
      hist.emplace_hint(hist.end(), t, v);
    }
  }
  return r.ok();
}

// Map keys in byte order, so the bytes do not depend on hash order.
template <class Map>
std::vector<const typename Map::value_type*> sorted_entries(const Map& m) {
  std::vector<const typename Map::value_type*> out;
  out.reserve(m.size());
  for (const auto& entry : m) out.push_back(&entry);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->first < b->first; });
  return out;
}

AlertSeverity raise_one(AlertSeverity s) {
  return s == AlertSeverity::kInfo ? AlertSeverity::kWarning : AlertSeverity::kCritical;
}

AlertSeverity by_threshold(double x, double warning, double critical) {
  if (x >= critical) return AlertSeverity::kCritical;
  if (x >= warning) return AlertSeverity::kWarning;
  return AlertSeverity::kInfo;
}

}  // namespace

AlertDetector::AlertDetector(AlertConfig config) : config_(config) {}

uint32_t AlertDetector::name_index(std::string_view symbol) {
  const auto [it, inserted] =
      name_indices_.try_emplace(std::string(symbol), static_cast<uint32_t>(names_.size()));
  if (inserted) names_.push_back(it->first);
  return it->second;
}

std::optional<uint8_t> AlertDetector::step(Debounced& d, uint8_t effective, int dwell) {
  if (d.confirmed == Debounced::kNone) {
    // The first state of a symbol is where it starts, not a change.
    d.confirmed = effective;
    return std::nullopt;
  }
  if (effective == d.confirmed) {
    d.candidate = Debounced::kNone;
    d.held = 0;
    return std::nullopt;
  }
  if (effective == d.candidate) {
    ++d.held;
  } else {
    d.candidate = effective;
    d.held = 1;
  }
  if (d.held < std::max(dwell, 1)) return std::nullopt;
  const uint8_t previous = d.confirmed;
  d.confirmed = effective;
  d.candidate = Debounced::kNone;
  d.held = 0;
  return previous;
}

bool AlertDetector::admit(const std::string& symbol, uint8_t kind, EventTime ts, bool partial) {
  if (partial) {
    ++suppressed_;
    return false;
  }
  auto [last, inserted] = last_alert_.try_emplace(symbol);
  if (inserted) last->second.fill(INT64_MIN);
  int64_t& previous = last->second[kind];
  if (previous != INT64_MIN && ts.value() < previous + config_.cooldown_s * kMillisPerSecond) {
    ++suppressed_;
    return false;
  }
  const Emitted e{ts.value(), name_index(symbol), kind};
  if (!emitted_.insert(e).second) return false;
  previous = ts.value();
  if (ts.value() > newest_ts_) newest_ts_ = ts.value();
  prune_dedup(newest_ts_);
  return true;
}

void AlertDetector::prune_dedup(int64_t now_ms) {
  const int64_t cutoff = now_ms - config_.dedup_retention_ms;
  while (!emitted_.empty() && emitted_.begin()->ts < cutoff) emitted_.erase(emitted_.begin());
}

std::vector<AlertRow> AlertDetector::on_market_window(const MarketWindowRow& row, bool partial) {
  std::vector<AlertRow> out;
  if (row.bar_count == 0) return out;
  Debounced& d = trends_[row.symbol];
  const int64_t start = row.window_start.value();
  if (start <= d.last) return out;
  d.last = start;
  // Hysteresis: the thresholds move away from the signal that holds, so leaving it takes a
  // window clearly on the other side. A zero range has no position: the row's own signal.
  const double range = row.max_close - row.min_close;
  TrendSignal effective = row.trend_signal;
  double strength = 0;
  if (range > 0) {
    const double m = config_.trend_margin;
    double bullish_above = kTrendBullishAbove, bearish_below = kTrendBearishBelow;
    switch (d.confirmed) {
      case static_cast<uint8_t>(TrendSignal::kBullish):
        bullish_above -= m;
        bearish_below -= m;
        break;
      case static_cast<uint8_t>(TrendSignal::kBearish):
        bullish_above += m;
        bearish_below += m;
        break;
      case static_cast<uint8_t>(TrendSignal::kNeutral):
        bullish_above += m;
        bearish_below -= m;
        break;
      default:
        break;
    }
    effective =
        trend_signal_of(row.avg_close, row.min_close, row.max_close, bullish_above, bearish_below);
    strength = std::fabs(2 * (row.avg_close - row.min_close) / range - 1);
  }
  const auto previous = step(d, static_cast<uint8_t>(effective), config_.trend_dwell_windows);
  if (!previous || !admit(row.symbol, kTrendKind, row.window_end, partial)) return out;
  const auto prev = static_cast<TrendSignal>(*previous);
  AlertSeverity severity =
      by_threshold(strength, config_.trend_strength_warning, config_.trend_strength_critical);
  // BULLISH <-> BEARISH without a neutral stretch in between: one level louder.
  if (prev != TrendSignal::kNeutral && effective != TrendSignal::kNeutral) {
    severity = raise_one(severity);
  }
  out.push_back(AlertRow{
      row.symbol, row.window_end, kKinds[kTrendKind],
      format_message("trend signal %s -> %s for %d windows (avg close %.4f, strength %.2f)",
                     trend_signal_name(prev), trend_signal_name(effective),
                     std::max(config_.trend_dwell_windows, 1), row.avg_close, strength),
      static_cast<double>(static_cast<int>(effective)), severity});
  return out;
}

std::vector<AlertRow> AlertDetector::on_sentiment_window(const SentimentWindowRow& row,
                                                         bool partial) {
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
          admit(row.symbol, kSpikeKind, row.window_end, partial)) {
        out.push_back(AlertRow{
            row.symbol, row.window_end, kKinds[kSpikeKind],
            format_message("sentiment %s spike: avg %.4f vs baseline %.4f (z = %.2f, %d windows)",
                           z > 0 ? "positive" : "negative", row.sentiment_score_avg, mean, z, n),
            z, by_threshold(std::fabs(z), config_.spike_z_warning, config_.spike_z_critical)});
      }
    }
  }
  hist.trim_front(static_cast<size_t>(std::max(config_.baseline_windows, 0)) + 1 + kOrderingSlack);
  return out;
}

std::vector<AlertRow> AlertDetector::on_fear_greed(std::string_view symbol_view,
                                                   const FearGreedReading& reading, bool partial) {
  std::vector<AlertRow> out;
  if (std::isnan(reading.score)) return out;
  const std::string symbol(symbol_view);
  Debounced& d = bands_[symbol];
  if (reading.minute.value() <= d.last) return out;
  d.last = reading.minute.value();
  // Hysteresis: leaving the band that holds takes the score beyond its edge by band_margin.
  FearGreedBand effective = reading.band;
  if (d.confirmed != Debounced::kNone) {
    const auto held = static_cast<FearGreedBand>(d.confirmed);
    const double m = config_.band_margin;
    if (reading.band > held && fear_greed_band(reading.score - m) <= held) effective = held;
    if (reading.band < held && fear_greed_band(reading.score + m) >= held) effective = held;
  }
  const auto previous = step(d, static_cast<uint8_t>(effective), config_.band_dwell_readings);
  if (!previous || !admit(symbol, kBandKind, reading.minute, partial)) return out;
  const auto prev = static_cast<FearGreedBand>(*previous);
  const int distance = std::abs(static_cast<int>(effective) - static_cast<int>(prev));
  AlertSeverity severity = distance >= 3   ? AlertSeverity::kCritical
                           : distance == 2 ? AlertSeverity::kWarning
                                           : AlertSeverity::kInfo;
  if ((effective == FearGreedBand::kExtremeFear || effective == FearGreedBand::kExtremeGreed) &&
      severity == AlertSeverity::kInfo) {
    severity = AlertSeverity::kWarning;
  }
  out.push_back(AlertRow{symbol, reading.minute, kKinds[kBandKind],
                         format_message("fear & greed %s -> %s (%.1f)", fear_greed_band_name(prev),
                                        fear_greed_band_name(effective), reading.score),
                         reading.score, severity});
  return out;
}

namespace {

void put_debounced(CheckpointWriter& w, const auto& states) {
  const auto entries = sorted_entries(states);
  w.put<uint32_t>(static_cast<uint32_t>(entries.size()));
  for (const auto* e : entries) {
    w.put_bytes(e->first);
    w.put<int64_t>(e->second.last);
    w.put<uint8_t>(e->second.confirmed);
    w.put<uint8_t>(e->second.candidate);
    w.put<int32_t>(e->second.held);
  }
}

// `max` is the largest enum value a state may hold (kNone aside).
template <class Map>
bool get_debounced(CheckpointReader& r, Map& out, uint8_t max) {
  const uint32_t count = r.get<uint32_t>();
  if (!plausible_count(r, count, 4 + 8 + 1 + 1 + 4)) return false;
  std::string_view prev;
  for (uint32_t i = 0; i < count; ++i) {
    const std::string_view symbol = r.get_bytes();
    auto& d = out[std::string(symbol)];
    d.last = r.get<int64_t>();
    d.confirmed = r.get<uint8_t>();
    d.candidate = r.get<uint8_t>();
    d.held = r.get<int32_t>();
    if (!r.ok() || (i > 0 && symbol <= prev) || d.held < 0) return false;
    prev = symbol;
    for (uint8_t v : {d.confirmed, d.candidate}) {
      if (v != 0xff && v > max) return false;
    }
  }
  return r.ok();
}

}  // namespace

void AlertDetector::save(std::string& out) const {
  CheckpointWriter w(out);
  const size_t begin = begin_checkpoint_frame(w, out, kMagic, kVersion);
  w.put_bytes(encode_config(config_));
  put_debounced(w, trends_);
  put_debounced(w, bands_);
  put_histories(w, sentiment_avgs_);
  const auto last = sorted_entries(last_alert_);
  w.put<uint32_t>(static_cast<uint32_t>(last.size()));
  for (const auto* e : last) {
    w.put_bytes(e->first);
    for (int64_t t : e->second) w.put<int64_t>(t);
  }
  // In (symbol, kind, ts) order.
  std::vector<const Emitted*> order;
  order.reserve(emitted_.size());
  for (const Emitted& e : emitted_) order.push_back(&e);
  std::sort(order.begin(), order.end(), [&](const Emitted* a, const Emitted* b) {
    if (a->symbol != b->symbol) return names_[a->symbol] < names_[b->symbol];
    return std::tie(a->kind, a->ts) < std::tie(b->kind, b->ts);
  });
  w.put<uint32_t>(static_cast<uint32_t>(order.size()));
  for (const Emitted* e : order) {
    w.put_bytes(names_[e->symbol]);
    w.put_bytes(kKinds[e->kind]);
    w.put<int64_t>(e->ts);
  }
  w.put<int64_t>(newest_ts_);
  w.put<uint64_t>(suppressed_);
  seal_checkpoint_frame(w, begin);
}

bool AlertDetector::restore(std::string_view in) {
  auto reader = open_checkpoint_frame(in, kMagic, kVersion);
  if (!reader) return false;
  CheckpointReader& r = *reader;
  if (r.get_bytes() != encode_config(config_) || !r.ok()) return false;
  AlertDetector fresh(config_);
  if (!get_debounced(r, fresh.trends_, static_cast<uint8_t>(TrendSignal::kBullish)) ||
      !get_debounced(r, fresh.bands_, static_cast<uint8_t>(FearGreedBand::kExtremeGreed)) ||
      !get_histories(r, fresh.sentiment_avgs_)) {
    return false;
  }
  const uint32_t last = r.get<uint32_t>();
  if (!plausible_count(r, last, 4 + 8 * kKindCount)) return false;
  std::string_view prev_symbol;
  for (uint32_t i = 0; i < last; ++i) {
    const std::string_view symbol = r.get_bytes();
    if (!r.ok() || (i > 0 && symbol <= prev_symbol)) return false;
    prev_symbol = symbol;
    auto& times = fresh.last_alert_[std::string(symbol)];
    for (int64_t& t : times) t = r.get<int64_t>();
  }
  const uint32_t emitted = r.get<uint32_t>();
  if (!plausible_count(r, emitted, 4 + 4 + 8)) return false;
  std::tuple<std::string_view, std::string_view, int64_t> prev;
  for (uint32_t i = 0; i < emitted; ++i) {
    const std::string_view symbol = r.get_bytes();
    const std::string_view kind = r.get_bytes();
    const int64_t ts = r.get<int64_t>();
    if (!r.ok()) return false;
    // save() writes them in (symbol, kind, ts) order, so anything else is corruption.
    const auto key = std::make_tuple(symbol, kind, ts);
    if (i > 0 && !(prev < key)) return false;
    prev = key;
    const uint8_t k = kind_index(kind);
    if (k >= std::size(kKinds)) return false;
    fresh.emitted_.insert(Emitted{ts, fresh.name_index(symbol), k});
  }
  fresh.newest_ts_ = r.get<int64_t>();
  fresh.suppressed_ = r.get<uint64_t>();
  if (!r.ok() || r.remaining() != 0) return false;
  if (!fresh.emitted_.empty() && fresh.emitted_.rbegin()->ts > fresh.newest_ts_) return false;
  *this = std::move(fresh);
  return true;
}

}  // namespace stockpulse
