#include "analytics/alert_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <type_traits>

#include "analytics/checkpoint_frame.h"

namespace stockpulse {
namespace {

// Windows kept per symbol beyond what the rules read (the previous window, or the baseline):
// slack for rows that come out of order (update mode). The pipeline feeds final rows in time
// order and needs none; every symbol with a history pays for it, so it stays small (#14).
constexpr size_t kOrderingSlack = 16;

template <class V>
void trim(TimeMap<V>& m, size_t keep) {
  m.trim_front(keep);
}

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
constexpr uint32_t kVersion = 1;

// The configuration as bytes: a checkpoint is only valid under the configuration that wrote it.
std::string encode_config(const AlertConfig& c) {
  std::string out;
  CheckpointWriter w(out);
  w.put<double>(c.spike_z);
  w.put<int32_t>(c.min_baseline);
  w.put<int32_t>(c.baseline_windows);
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

}  // namespace

AlertDetector::AlertDetector(AlertConfig config) : config_(config) {}

uint32_t AlertDetector::name_index(std::string_view symbol) {
  const auto [it, inserted] =
      name_indices_.try_emplace(std::string(symbol), static_cast<uint32_t>(names_.size()));
  if (inserted) names_.push_back(it->first);
  return it->second;
}

bool AlertDetector::first_time(const std::string& symbol, const char* kind, EventTime ts) {
  const Emitted e{ts.value(), name_index(symbol), kind_index(kind)};
  if (!emitted_.insert(e).second) return false;
  if (ts.value() > newest_ts_) newest_ts_ = ts.value();
  prune_dedup(newest_ts_);
  return true;
}

void AlertDetector::prune_dedup(int64_t now_ms) {
  const int64_t cutoff = now_ms - config_.dedup_retention_ms;
  while (!emitted_.empty() && emitted_.begin()->ts < cutoff) emitted_.erase(emitted_.begin());
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
  trim(hist, 1 + kOrderingSlack);
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
  trim(hist, static_cast<size_t>(std::max(config_.baseline_windows, 0)) + 1 + kOrderingSlack);
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
  trim(hist, 1 + kOrderingSlack);
  return out;
}

void AlertDetector::save(std::string& out) const {
  CheckpointWriter w(out);
  const size_t begin = begin_checkpoint_frame(w, out, kMagic, kVersion);
  w.put_bytes(encode_config(config_));
  put_histories(w, signals_);
  put_histories(w, sentiment_avgs_);
  put_histories(w, bands_);
  // In (symbol, kind, ts) order, as the format has always had them.
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
  seal_checkpoint_frame(w, begin);
}

bool AlertDetector::restore(std::string_view in) {
  auto reader = open_checkpoint_frame(in, kMagic, kVersion);
  if (!reader) return false;
  CheckpointReader& r = *reader;
  if (r.get_bytes() != encode_config(config_) || !r.ok()) return false;
  AlertDetector fresh(config_);
  if (!get_histories(r, fresh.signals_, TrendSignal::kBullish) ||
      !get_histories(r, fresh.sentiment_avgs_) ||
      !get_histories(r, fresh.bands_, FearGreedBand::kExtremeGreed)) {
    return false;
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
  if (!r.ok() || r.remaining() != 0) return false;
  if (!fresh.emitted_.empty() && fresh.emitted_.rbegin()->ts > fresh.newest_ts_) return false;
  *this = std::move(fresh);
  return true;
}

}  // namespace stockpulse
