#include "analytics/market_agg.h"

#include <cmath>
#include <string>

namespace stockpulse {

void MarketAgg::add(const Bar& bar) {
  ++count;
  const double delta = bar.close - close_mean;
  close_mean += delta / static_cast<double>(count);
  close_m2 += delta * (bar.close - close_mean);
  if (bar.close < min_close) min_close = bar.close;
  if (bar.close > max_close) max_close = bar.close;
  // Strict < for first and >= for last: bars added in time order with equal stamps keep the
  // earliest-added as first and the latest-added as last, matching merge().
  if (bar.ts < first_ts) {
    first_ts = bar.ts;
    first_open = bar.open;
  }
  if (bar.ts >= last_ts) {
    last_ts = bar.ts;
    last_close = bar.close;
  }
  if (bar.high > high) high = bar.high;
  if (bar.low < low) low = bar.low;
  volume_sum += bar.volume;
  if (!std::isnan(bar.vwap)) {
    vwap_sum += bar.vwap;
    ++vwap_count;
  }
  if (bar.close > bar.open) ++up_bars;
  if (bar.open != 0) {
    pct_change_sum += (bar.close - bar.open) / bar.open * 100.0;
    ++pct_change_count;
  }
}

void MarketAgg::merge(const MarketAgg& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  const double na = static_cast<double>(count);
  const double nb = static_cast<double>(other.count);
  const double n = na + nb;
  const double delta = other.close_mean - close_mean;
  close_mean += delta * (nb / n);
  close_m2 += other.close_m2 + delta * delta * (na * nb / n);
  count += other.count;
  if (other.min_close < min_close) min_close = other.min_close;
  if (other.max_close > max_close) max_close = other.max_close;
  if (other.first_ts < first_ts) {
    first_ts = other.first_ts;
    first_open = other.first_open;
  }
  if (other.last_ts >= last_ts) {
    last_ts = other.last_ts;
    last_close = other.last_close;
  }
  if (other.high > high) high = other.high;
  if (other.low < low) low = other.low;
  volume_sum += other.volume_sum;
  vwap_sum += other.vwap_sum;
  vwap_count += other.vwap_count;
  up_bars += other.up_bars;
  pct_change_sum += other.pct_change_sum;
  pct_change_count += other.pct_change_count;
}

double MarketAgg::close_sample_variance() const {
  if (count < 2) return 0;
  return close_m2 > 0 ? close_m2 / static_cast<double>(count - 1) : 0;
}

TrendSignal trend_signal_of(double avg_close, double min_close, double max_close,
                            double bullish_above, double bearish_below) {
  const double range = max_close - min_close;
  if (!(range > 0)) return TrendSignal::kNeutral;
  if (avg_close > min_close + bullish_above * range) return TrendSignal::kBullish;
  if (avg_close < min_close + bearish_below * range) return TrendSignal::kBearish;
  return TrendSignal::kNeutral;
}

MarketWindowRow to_market_row(std::string_view symbol, EventTime start, EventTime end,
                              const MarketAgg& agg, bool is_final) {
  MarketWindowRow row;
  row.symbol = std::string(symbol);
  row.window_start = start;
  row.window_end = end;
  row.is_final = is_final;
  row.bar_count = agg.count;
  if (agg.count == 0) return row;
  const double n = static_cast<double>(agg.count);
  row.open = agg.first_open;
  row.high = agg.high;
  row.low = agg.low;
  row.close = agg.last_close;
  row.total_volume = agg.volume_sum;
  row.avg_close = agg.close_mean;
  row.max_close = agg.max_close;
  row.min_close = agg.min_close;
  row.volatility = std::sqrt(agg.close_sample_variance());
  row.avg_volume = agg.volume_sum / n;
  if (agg.vwap_count > 0) {
    row.avg_vwap = agg.vwap_sum / static_cast<double>(agg.vwap_count);
    // A zero VWAP has no meaningful deviation; leave it NaN rather than emit infinity.
    if (row.avg_vwap != 0) {
      row.vwap_deviation_pct = (row.avg_close - row.avg_vwap) / row.avg_vwap * 100.0;
    }
  }
  row.buy_pressure = static_cast<double>(agg.up_bars) / n;
  if (agg.pct_change_count > 0) {
    row.avg_pct_change = agg.pct_change_sum / static_cast<double>(agg.pct_change_count);
  }
  row.price_range = agg.max_close - agg.min_close;
  row.trend_signal = trend_signal_of(row.avg_close, row.min_close, row.max_close);
  return row;
}

}  // namespace stockpulse
