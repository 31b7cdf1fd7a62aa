#include "source/synthetic_bars.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include "common/time_format.h"
#include "source/market_hours.h"

namespace stockpulse {

namespace {

struct Profile {
  std::string_view symbol;
  double price;
  double volatility;   // per-minute return stddev
  double base_volume;  // shares per minute
};

// Rough levels of the default symbols (spring 2024) so the dashboard looks familiar; other
// symbols get a level derived from their name.
constexpr Profile kProfiles[] = {
    {"AAPL", 170, 0.0009, 90000},  {"NVDA", 880, 0.0018, 110000}, {"TSLA", 180, 0.0022, 150000},
    {"MSFT", 400, 0.0008, 50000},  {"AMZN", 180, 0.0011, 80000},  {"META", 440, 0.0013, 40000},
    {"GOOGL", 165, 0.0010, 60000}, {"AMD", 155, 0.0020, 130000},  {"SPY", 505, 0.0005, 140000},
    {"NFLX", 560, 0.0014, 9000},   {"INTC", 31, 0.0016, 120000},  {"BRK.B", 405, 0.0006, 8000},
};

Profile profile_of(const std::string& symbol) {
  for (const Profile& p : kProfiles) {
    if (p.symbol == symbol) return p;
  }
  uint64_t h = 1469598103934665603ULL;
  for (char c : symbol) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return {symbol, 10.0 + static_cast<double>(h % 490), 0.0012,
          20000.0 + static_cast<double>(h % 80000)};
}

double cents(double v) {
  return std::round(v * 100.0) / 100.0;
}

constexpr double kReversionBand = 0.03;      // +-3% around the anchor
constexpr double kReversionStrength = 0.25;  // share of the excess pulled back per minute
constexpr double kAnchorAlpha = 1.0 / 60.0;  // anchor follows price over about an hour
constexpr double kTrendScale = 0.35;         // trend stddev as a share of volatility

}  // namespace

SyntheticBarGenerator::SyntheticBarGenerator(SyntheticBarOptions options)
    : options_(std::move(options)),
      rng_(options_.seed ^ 0xBA25ULL),
      next_minute_ms_(options_.start.value() -
                      (options_.start.value() % kMillisPerMinute + kMillisPerMinute) %
                          kMillisPerMinute) {
  if (options_.symbols.empty()) throw std::invalid_argument("synthetic bars need symbols");
  for (const std::string& symbol : options_.symbols) {
    const Profile p = profile_of(symbol);
    SymbolState s{};
    s.price = cents(p.price * rng_.uniform(0.95, 1.05));
    s.anchor = s.price;
    s.volatility = p.volatility;
    s.base_volume = p.base_volume;
    shift_trend(s);
    state_.push_back(s);
  }
}

void SyntheticBarGenerator::shift_trend(SymbolState& s) {
  // A new regime: sometimes flat, sometimes a clear move, lasting 10 to 90 minutes.
  s.trend = rng_.chance(0.25) ? 0.0 : rng_.normal() * kTrendScale * s.volatility;
  s.trend_minutes = 10 + static_cast<int>(rng_.below(81));
}

void SyntheticBarGenerator::next_minute(std::vector<Bar>& out) {
  const EventTime ts(next_minute_ms_);
  next_minute_ms_ += kMillisPerMinute;
  for (size_t i = 0; i < state_.size(); ++i) {
    SymbolState& s = state_[i];
    if (--s.trend_minutes <= 0) shift_trend(s);

    double drift = s.trend;
    const double deviation = s.price / s.anchor - 1.0;
    if (std::abs(deviation) > kReversionBand) {
      // Pull part of the excess back, and end a trend that pushes further out.
      const double excess = deviation - std::copysign(kReversionBand, deviation);
      drift -= kReversionStrength * excess;
      if (s.trend * deviation > 0) s.trend = -0.5 * s.trend;
    }
    const double open = s.price;
    const double close = cents(std::max(0.01, open * (1.0 + drift + s.volatility * rng_.normal())));
    // Wicks beyond the body: half-normal, scaled by volatility.
    const double body_high = std::max(open, close);
    const double body_low = std::min(open, close);
    const double high = cents(body_high * (1.0 + std::abs(rng_.normal()) * 0.5 * s.volatility));
    const double low =
        std::max(0.01, cents(body_low * (1.0 - std::abs(rng_.normal()) * 0.5 * s.volatility)));

    // Volume grows with trend strength (as in system B's producer) and with the size of the move.
    const double trend_strength = std::abs(s.trend) / s.volatility;
    const double move = std::abs(close - open) / open / s.volatility;
    const double volume = std::round(s.base_volume * (1.0 + 2.5 * trend_strength + 0.3 * move) *
                                     std::exp(0.25 * rng_.normal()));

    // VWAP near the bar's typical price, kept inside [low, high].
    const double typical = (high + low + close) / 3.0;
    double vwap = typical + (rng_.uniform() - 0.5) * 0.25 * (high - low);
    vwap = std::clamp(std::round(vwap * 10000.0) / 10000.0, low, high);

    const double trade_size = 60.0 + 80.0 * rng_.uniform();
    Bar bar;
    bar.symbol = options_.symbols[i];
    bar.ts = ts;
    bar.open = open;
    bar.high = std::max(high, body_high);
    bar.low = std::min(low, body_low);
    bar.close = close;
    bar.volume = std::max(1.0, volume);
    bar.vwap = vwap;
    bar.trade_count = std::max<int64_t>(1, static_cast<int64_t>(bar.volume / trade_size));
    out.push_back(std::move(bar));

    s.price = close;
    s.anchor += kAnchorAlpha * (close - s.anchor);
  }
}

void SyntheticBarGenerator::skip_to(EventTime t) {
  const int64_t minute =
      t.value() - ((t.value() % kMillisPerMinute) + kMillisPerMinute) % kMillisPerMinute;
  if (minute > next_minute_ms_) next_minute_ms_ = minute;
}

std::vector<DailyCandle> synthetic_daily_candles(const std::vector<std::string>& symbols,
                                                 int64_t first_day, int64_t last_day,
                                                 uint64_t seed) {
  DeterministicRng rng(seed ^ 0xDA11ULL);
  std::vector<double> closes;
  for (const std::string& symbol : symbols) closes.push_back(profile_of(symbol).price);
  std::vector<DailyCandle> out;
  for (int64_t day = first_day; day <= last_day; ++day) {
    const int wd = weekday_of(day);
    if (wd == 0 || wd == 6) continue;
    for (size_t i = 0; i < symbols.size(); ++i) {
      const Profile p = profile_of(symbols[i]);
      DailyCandle c;
      c.symbol = symbols[i];
      c.day = day;
      c.open = cents(std::max(0.01, closes[i] * (1.0 + 0.004 * rng.normal())));
      c.close = cents(std::max(0.01, c.open * (1.0 + 0.02 * rng.normal())));
      c.high = cents(std::max(c.open, c.close) * (1.0 + 0.008 * std::abs(rng.normal())));
      c.low =
          std::max(0.01, cents(std::min(c.open, c.close) * (1.0 - 0.008 * std::abs(rng.normal()))));
      c.volume = std::round(p.base_volume * 390.0 * std::exp(0.3 * rng.normal()));
      closes[i] = c.close;
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace stockpulse
