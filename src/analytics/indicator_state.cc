#include "analytics/indicator_state.h"

#include <cmath>

#include "analytics/checkpoint_frame.h"

namespace stockpulse {
namespace {

constexpr uint32_t kMagic = 0x53504953;  // "SPIS"
constexpr uint32_t kVersion = 1;

}  // namespace

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

void IndicatorState::save(std::string& out) const {
  CheckpointWriter w(out);
  const size_t begin = begin_checkpoint_frame(w, out, kMagic, kVersion);
  for (const Core* core : {&before_last_, &current_}) {
    w.put<int64_t>(core->closes);
    w.put<double>(core->prev_close);
    w.put<double>(core->gain_sum);
    w.put<double>(core->loss_sum);
    w.put<double>(core->avg_gain);
    w.put<double>(core->avg_loss);
    w.put<double>(core->ema_seed_sum);
    w.put<double>(core->ema);
    for (double c : core->ring) w.put<double>(c);
  }
  w.put<uint8_t>(last_ ? 1 : 0);
  const IndicatorValues v = last_.value_or(IndicatorValues{});
  w.put<int64_t>(v.minute.value());
  w.put<double>(v.close);
  w.put<double>(v.rsi_14);
  w.put<double>(v.ema_20);
  w.put<double>(v.sma_50);
  seal_checkpoint_frame(w, begin);
}

bool IndicatorState::restore(std::string_view in) {
  auto reader = open_checkpoint_frame(in, kMagic, kVersion);
  if (!reader) return false;
  CheckpointReader& r = *reader;
  // Decoded into locals and assigned only when all of it checked out.
  Core cores[2];
  for (Core& core : cores) {
    core.closes = r.get<int64_t>();
    core.prev_close = r.get<double>();
    core.gain_sum = r.get<double>();
    core.loss_sum = r.get<double>();
    core.avg_gain = r.get<double>();
    core.avg_loss = r.get<double>();
    core.ema_seed_sum = r.get<double>();
    core.ema = r.get<double>();
    for (double& c : core.ring) c = r.get<double>();
    if (core.closes < 0) return false;
  }
  const uint8_t has_last = r.get<uint8_t>();
  IndicatorValues v;
  v.minute = EventTime(r.get<int64_t>());
  v.close = r.get<double>();
  v.rsi_14 = r.get<double>();
  v.ema_20 = r.get<double>();
  v.sma_50 = r.get<double>();
  if (!r.ok() || r.remaining() != 0 || has_last > 1) return false;
  // Without a latest minute nothing can have been applied; with one, at least one close has.
  if (has_last ? cores[1].closes == 0 : cores[1].closes != 0) return false;
  before_last_ = cores[0];
  current_ = cores[1];
  last_ = has_last ? std::optional<IndicatorValues>(v) : std::nullopt;
  return true;
}

}  // namespace stockpulse
