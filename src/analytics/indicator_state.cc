#include "analytics/indicator_state.h"

#include <cmath>

namespace stockpulse {

Result<IndicatorValues, IndicatorError> IndicatorState::update(EventTime minute, double close) {
  if (!std::isfinite(close)) return Err(IndicatorError::kInvalidClose);
  if (last_) {
    if (minute < last_->minute) return Err(IndicatorError::kOutOfOrder);
    if (minute == last_->minute) {
      // A revision of the latest minute: replay it on the state from before it.
      current_ = before_last_;
    } else {
      before_last_ = current_;
    }
  }
  last_ = apply(current_, minute, close);
  return *last_;
}

IndicatorValues IndicatorState::apply(Core& core, EventTime minute, double close) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  IndicatorValues v;
  v.minute = minute;
  v.close = close;

  // RSI: changes are numbered 1..; the first kRsiPeriod seed the averages.
  if (core.closes > 0) {
    const int64_t change_index = core.closes;  // 1-based index of this change
    const double change = close - core.prev_close;
    const double gain = change > 0 ? change : 0;
    const double loss = change < 0 ? -change : 0;
    if (change_index <= kRsiPeriod) {
      core.gain_sum += gain;
      core.loss_sum += loss;
      if (change_index == kRsiPeriod) {
        core.avg_gain = core.gain_sum / kRsiPeriod;
        core.avg_loss = core.loss_sum / kRsiPeriod;
      }
    } else {
      core.avg_gain = (core.avg_gain * (kRsiPeriod - 1) + gain) / kRsiPeriod;
      core.avg_loss = (core.avg_loss * (kRsiPeriod - 1) + loss) / kRsiPeriod;
    }
    if (change_index >= kRsiPeriod) {
      if (core.avg_loss == 0) {
        v.rsi_14 = core.avg_gain == 0 ? 50.0 : 100.0;
      } else {
        v.rsi_14 = 100.0 - 100.0 / (1.0 + core.avg_gain / core.avg_loss);
      }
    }
  }

  // EMA: seeded by the SMA of the first kEmaPeriod closes.
  const int64_t n = core.closes + 1;  // closes including this one
  if (n <= kEmaPeriod) {
    core.ema_seed_sum += close;
    if (n == kEmaPeriod) core.ema = core.ema_seed_sum / kEmaPeriod;
  } else {
    constexpr double kAlpha = 2.0 / (kEmaPeriod + 1);
    core.ema = (1 - kAlpha) * core.ema + kAlpha * close;
  }
  v.ema_20 = n >= kEmaPeriod ? core.ema : kNaN;

  // SMA: re-summed from the ring each minute (50 additions) so no running-sum drift builds up
  // over a long session.
  core.ring[static_cast<size_t>(core.closes % kSmaPeriod)] = close;
  if (n >= kSmaPeriod) {
    double sum = 0;
    for (double c : core.ring) sum += c;
    v.sma_50 = sum / kSmaPeriod;
  }

  core.prev_close = close;
  core.closes = n;
  return v;
}

}  // namespace stockpulse
