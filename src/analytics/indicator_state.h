#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "common/named_type.h"
#include "common/result.h"

namespace stockpulse {

// Indicator values after one 1-minute close. Each is NaN until it has enough data:
// rsi_14 from the 15th close, ema_20 from the 20th, sma_50 from the 50th.
struct IndicatorValues {
  EventTime minute;
  double close = 0;
  double rsi_14 = std::numeric_limits<double>::quiet_NaN();
  double ema_20 = std::numeric_limits<double>::quiet_NaN();
  double sma_50 = std::numeric_limits<double>::quiet_NaN();
};

enum class IndicatorError : uint8_t {
  kOutOfOrder,    // minute earlier than the last one seen
  kInvalidClose,  // NaN or infinite close
};

// RSI-14, EMA-20 and SMA-50 of one symbol, fed with its 1-minute closes in time order.
//
// - RSI-14 uses Wilder's smoothing. Seed rule: the first average gain/loss is the simple average of
//   the first 14 close-to-close changes (so the first RSI comes with the 15th close); after that
//   avg = (avg * 13 + change) / 14. RSI = 100 - 100 / (1 + avg_gain / avg_loss); 100 when
//   avg_loss is 0 and avg_gain > 0; 50 when both are 0 (a flat series is neither overbought nor
//   oversold).
// - EMA-20 uses alpha = 2 / 21, seeded with the simple average of the first 20 closes (the first
//   EMA comes with the 20th close): ema = (1 - alpha) * ema + alpha * close.
// - SMA-50 is the plain mean of the last 50 closes.
// Indicators count observed minutes: a minute with no bar is not filled in.
//
// Lifecycle: one per symbol, fed by update(). A second update for the same minute (update emit
// mode revising a minute's close) replaces that minute's close instead of adding a new one; an
// earlier minute is rejected with kOutOfOrder. save()/restore() checkpoint the whole state (format
// in analytics/checkpoint_frame.h), so a restored object continues with exactly the same numbers.
// Thread-safety: none; owned by one analytics thread.
class IndicatorState {
 public:
  static constexpr int kRsiPeriod = 14;
  static constexpr int kEmaPeriod = 20;
  static constexpr int kSmaPeriod = 50;

  Result<IndicatorValues, IndicatorError> update(EventTime minute, double close);

  // Values after the latest update, if any.
  const std::optional<IndicatorValues>& last() const { return last_; }

  // Appends a checkpoint of the whole state to `out` (deterministic bytes, doubles bit-exact).
  void save(std::string& out) const;
  // Replaces the state with one written by save(). On truncated, corrupted or foreign bytes it
  // returns false and leaves the object unchanged.
  bool restore(std::string_view in);

 private:
  // Everything the indicators need; copied wholesale so a revised minute can be re-applied to the
  // state before it.
  struct Core {
    int64_t closes = 0;
    double prev_close = 0;
    double gain_sum = 0;  // over the first kRsiPeriod changes only
    double loss_sum = 0;
    double avg_gain = 0;
    double avg_loss = 0;
    double ema_seed_sum = 0;  // over the first kEmaPeriod closes only
    double ema = 0;
    std::array<double, kSmaPeriod> ring{};  // last kSmaPeriod closes, ring[closes % kSmaPeriod]
  };

  static IndicatorValues apply(Core& core, EventTime minute, double close);

  Core before_last_;  // state before the latest minute
  Core current_;
  std::optional<IndicatorValues> last_;
};

}  // namespace stockpulse
