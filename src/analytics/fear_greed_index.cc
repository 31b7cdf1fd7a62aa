#include "analytics/fear_greed_index.h"

#include <algorithm>
#include <cmath>

#include "common/time_format.h"

namespace stockpulse {
namespace {

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
  SymbolState& st = symbols_[std::string(symbol)];
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
  while (st.history.size() > static_cast<size_t>(config_.lookback_minutes)) {
    st.history.pop_front();
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

}  // namespace stockpulse
