#include "analytics/fear_greed_index.h"

#include <algorithm>
#include <cmath>

#include "analytics/checkpoint_frame.h"
#include "common/time_format.h"

namespace stockpulse {
namespace {

constexpr uint32_t kMagic = 0x53504647;  // "SPFG"
constexpr uint32_t kVersion = 1;

// The configuration as bytes: a checkpoint is only valid under the configuration that wrote it.
std::string encode_config(const FearGreedConfig& c) {
  std::string out;
  CheckpointWriter w(out);
  w.put<int32_t>(c.lookback_minutes);
  w.put<int32_t>(c.min_history);
  w.put<double>(c.momentum_scale_pct);
  w.put<double>(c.volatility_scale);
  w.put<int64_t>(c.market_staleness_minutes);
  w.put<double>(c.w_sentiment);
  w.put<double>(c.w_bullish);
  w.put<double>(c.w_momentum);
  w.put<double>(c.w_volatility);
  w.put<double>(c.w_volume);
  return out;
}

void put_reading(CheckpointWriter& w, const FearGreedReading& r) {
  w.put<int64_t>(r.minute.value());
  w.put<double>(r.score);
  w.put<uint8_t>(static_cast<uint8_t>(r.band));
  w.put<double>(r.sentiment);
  w.put<double>(r.bullish);
  w.put<double>(r.momentum);
  w.put<double>(r.volatility);
  w.put<double>(r.volume);
}

bool get_reading(CheckpointReader& r, FearGreedReading& out) {
  out.minute = EventTime(r.get<int64_t>());
  out.score = r.get<double>();
  const uint8_t band = r.get<uint8_t>();
  out.band = static_cast<FearGreedBand>(band);
  out.sentiment = r.get<double>();
  out.bullish = r.get<double>();
  out.momentum = r.get<double>();
  out.volatility = r.get<double>();
  out.volume = r.get<double>();
  return r.ok() && band <= static_cast<uint8_t>(FearGreedBand::kExtremeGreed);
}

double logistic(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

double clamp100(double x) {
  return std::clamp(x, 0.0, 100.0);
}

}  // namespace

FearGreedBand fear_greed_band(double score) {
  if (score < 25) return FearGreedBand::kExtremeFear;
  if (score < 45) return FearGreedBand::kFear;
  if (score <= 55) return FearGreedBand::kNeutral;
  if (score <= 75) return FearGreedBand::kGreed;
  return FearGreedBand::kExtremeGreed;
}

const char* fear_greed_band_name(FearGreedBand band) {
  switch (band) {
    case FearGreedBand::kExtremeFear:
      return "extreme_fear";
    case FearGreedBand::kFear:
      return "fear";
    case FearGreedBand::kNeutral:
      return "neutral";
    case FearGreedBand::kGreed:
      return "greed";
    case FearGreedBand::kExtremeGreed:
      return "extreme_greed";
  }
  return "neutral";
}

FearGreedIndex::FearGreedIndex(FearGreedConfig config) : config_(config) {}

std::optional<FearGreedReading> FearGreedIndex::update(std::string_view symbol,
                                                       const FearGreedInputs& in) {
  auto it = symbols_.find(symbol);
  if (it == symbols_.end()) it = symbols_.emplace(std::string(symbol), SymbolState{}).first;
  SymbolState& st = it->second;
  if (!st.history.empty()) {
    if (in.minute < st.history.back().minute) return std::nullopt;
    // A revision of the latest minute must not be averaged against itself.
    if (in.minute == st.history.back().minute) st.history.pop_back();
  }

  FearGreedReading r;
  r.minute = in.minute;
  if (in.avg_compound) r.sentiment = clamp100((*in.avg_compound + 1.0) * 50.0);
  if (in.bullish_share) r.bullish = clamp100(*in.bullish_share * 100.0);

  // Averages over the previous minutes only: "against its average" means against the recent past.
  double close_sum = 0, vol_sum = 0, volume_sum = 0;
  int close_n = 0, n = 0;
  for (const Sample& s : st.history) {
    if (s.close) {
      close_sum += *s.close;
      ++close_n;
    }
    vol_sum += s.volatility;
    volume_sum += s.volume;
    ++n;
  }
  if (in.close && close_n >= config_.min_history && close_sum != 0) {
    const double avg_close = close_sum / close_n;
    const double pct = (*in.close - avg_close) / avg_close * 100.0;
    r.momentum = 100.0 * logistic(pct / config_.momentum_scale_pct);
  }
  if (in.close && n >= config_.min_history) {
    const double avg_vol = vol_sum / n;
    if (avg_vol > 0) {
      // The log ratio makes "twice as volatile" and "half as volatile" symmetric around 50.
      const double ratio = in.volatility / avg_vol;
      r.volatility =
          ratio <= 0 ? 100.0 : 100.0 * (1.0 - logistic(std::log(ratio) / config_.volatility_scale));
    } else {
      // A flat history: any volatility now is a shock.
      r.volatility = in.volatility > 0 ? 0.0 : 50.0;
    }
    const double avg_volume = volume_sum / n;
    double intensity;
    if (avg_volume > 0) {
      const double excess = std::max(0.0, in.volume / avg_volume - 1.0);
      intensity = excess / (1.0 + excess);
    } else {
      intensity = in.volume > 0 ? 1.0 : 0.0;
    }
    const double dir = in.price_change > 0 ? 1.0 : (in.price_change < 0 ? -1.0 : 0.0);
    r.volume = 50.0 + 50.0 * dir * intensity;
  }

  const std::pair<double, double> parts[] = {
      {r.sentiment, config_.w_sentiment}, {r.bullish, config_.w_bullish},
      {r.momentum, config_.w_momentum},   {r.volatility, config_.w_volatility},
      {r.volume, config_.w_volume},
  };
  double weighted = 0, weight = 0;
  for (const auto& [value, w] : parts) {
    if (std::isnan(value)) continue;
    weighted += value * w;
    weight += w;
  }

  st.history.push_back(Sample{in.minute, in.close, in.volatility, in.volume});
  if (st.history.size() > static_cast<size_t>(config_.lookback_minutes)) {
    st.history.erase(st.history.begin(),
                     st.history.end() - static_cast<std::ptrdiff_t>(config_.lookback_minutes));
  }
  if (weight <= 0) return std::nullopt;
  r.score = clamp100(weighted / weight);
  r.band = fear_greed_band(r.score);
  st.latest = r;
  return r;
}

std::optional<FearGreedReading> FearGreedIndex::market(EventTime minute) const {
  const int64_t oldest = minute.value() - config_.market_staleness_minutes * kMillisPerMinute;
  double sum = 0;
  int n = 0;
  for (const auto& [symbol, st] : symbols_) {
    if (symbol == "*" || !st.latest) continue;
    if (st.latest->minute.value() < oldest || st.latest->minute > minute) continue;
    sum += st.latest->score;
    ++n;
  }
  if (n == 0) return std::nullopt;
  FearGreedReading r;
  r.minute = minute;
  r.score = sum / n;
  r.band = fear_greed_band(r.score);
  return r;
}

void FearGreedIndex::save(std::string& out) const {
  CheckpointWriter w(out);
  const size_t begin = begin_checkpoint_frame(w, out, kMagic, kVersion);
  w.put_bytes(encode_config(config_));
  w.put<uint32_t>(static_cast<uint32_t>(symbols_.size()));
  for (const auto& [symbol, st] : symbols_) {
    w.put_bytes(symbol);
    w.put<uint32_t>(static_cast<uint32_t>(st.history.size()));
    for (const Sample& sample : st.history) {
      w.put<int64_t>(sample.minute.value());
      put_optional_double(w, sample.close);
      w.put<double>(sample.volatility);
      w.put<double>(sample.volume);
    }
    w.put<uint8_t>(st.latest ? 1 : 0);
    put_reading(w, st.latest.value_or(FearGreedReading{}));
  }
  seal_checkpoint_frame(w, begin);
}

bool FearGreedIndex::restore(std::string_view in) {
  auto reader = open_checkpoint_frame(in, kMagic, kVersion);
  if (!reader) return false;
  CheckpointReader& r = *reader;
  if (r.get_bytes() != encode_config(config_) || !r.ok()) return false;
  std::map<std::string, SymbolState, std::less<>> symbols;
  const uint32_t count = r.get<uint32_t>();
  // A symbol takes at least its length prefix, history count, presence byte and a reading.
  if (!plausible_count(r, count, 4 + 4 + 1 + 57)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    const std::string_view symbol = r.get_bytes();
    if (!r.ok() || (!symbols.empty() && symbol <= symbols.rbegin()->first)) return false;
    SymbolState st;
    const uint32_t samples = r.get<uint32_t>();
    // update() never keeps more than lookback_minutes samples.
    if (!plausible_count(r, samples, 8 + 9 + 8 + 8) ||
        samples > static_cast<uint32_t>(std::max(config_.lookback_minutes, 0))) {
      return false;
    }
    for (uint32_t j = 0; j < samples; ++j) {
      Sample sample;
      sample.minute = EventTime(r.get<int64_t>());
      if (!get_optional_double(r, sample.close)) return false;
      sample.volatility = r.get<double>();
      sample.volume = r.get<double>();
      if (!r.ok() || (!st.history.empty() && sample.minute <= st.history.back().minute)) {
        return false;
      }
      st.history.push_back(sample);
    }
    const uint8_t has_latest = r.get<uint8_t>();
    FearGreedReading latest;
    if (!get_reading(r, latest) || has_latest > 1) return false;
    if (has_latest) st.latest = latest;
    symbols.emplace_hint(symbols.end(), std::string(symbol), std::move(st));
  }
  if (!r.ok() || r.remaining() != 0) return false;
  symbols_ = std::move(symbols);
  return true;
}

}  // namespace stockpulse
