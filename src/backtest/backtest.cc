#include "backtest/backtest.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>

namespace stockpulse {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kDayMs = 86'400'000;

// One (symbol, time) pair: the signal known at t and the return from t to t + h.
struct Observation {
  size_t symbol;
  int64_t clock;  // when the trade would be entered: t (ms), or the trading day's index (daily)
  double signal;
  double ret;
};

// splitmix64: a small, fully specified generator, so permutations are the same on every platform
// (std::shuffle's use of the engine is implementation-defined).
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound) by rejection (no modulo bias).
  uint64_t below(uint64_t bound) {
    const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % bound);
    uint64_t x;
    do {
      x = next();
    } while (x >= limit);
    return x % bound;
  }

 private:
  uint64_t state_;
};

// The UTC date of the window ending at t: a window ending at midnight belongs to the day before.
int64_t trading_date(int64_t window_end) {
  return (window_end - 1) >= 0 ? (window_end - 1) / kDayMs : -1;
}

std::vector<Observation> observations(const BacktestInput& input, SignalKind kind, const Horizon& h,
                                      const BacktestOptions& options, bool spike_only) {
  std::vector<Observation> out;
  for (size_t si = 0; si < input.symbols.size(); ++si) {
    const SymbolSeries& s = input.symbols[si];
    const TimedSeries& sig = s.signals[size_t(kind)];
    const TimedSeries& spike = s.signals[size_t(SignalKind::kVolumeSpike)];
    auto at_spike = [&](int64_t t) {
      const int64_t k = spike.find(t);
      return k >= 0 && spike.v[size_t(k)] >= options.spike_ratio;
    };
    if (h.days == 0) {
      for (size_t i = 0; i < sig.t.size(); ++i) {
        const int64_t t = sig.t[i];
        const int64_t p0 = s.close.find(t);
        if (p0 < 0) continue;
        const int64_t p1 = s.close.find(t + h.ms);
        if (p1 < 0) continue;
        const double c0 = s.close.v[size_t(p0)];
        if (!(c0 > 0)) continue;
        if (spike_only && !at_spike(t)) continue;
        out.push_back({si, t, sig.v[i], s.close.v[size_t(p1)] / c0 - 1});
      }
      continue;
    }
    // Daily: the last close of each date with prices, and the newest signal of that date.
    std::vector<size_t> day_close;  // index into s.close of each day's last window
    for (size_t i = 0; i < s.close.t.size(); ++i) {
      if (i + 1 == s.close.t.size() ||
          trading_date(s.close.t[i + 1]) != trading_date(s.close.t[i])) {
        day_close.push_back(i);
      }
    }
    for (size_t d = 0; d + size_t(h.days) < day_close.size(); ++d) {
      const int64_t t = s.close.t[day_close[d]];
      const int64_t k = sig.at_or_before(t);
      if (k < 0 || trading_date(sig.t[size_t(k)]) != trading_date(t)) continue;
      const double c0 = s.close.v[day_close[d]];
      if (!(c0 > 0)) continue;
      if (spike_only && !at_spike(sig.t[size_t(k)])) continue;
      const double c1 = s.close.v[day_close[d + size_t(h.days)]];
      out.push_back({si, int64_t(d), sig.v[size_t(k)], c1 / c0 - 1});
    }
  }
  return out;
}

SignalResult measure(const BacktestInput& input, SignalKind kind, const Horizon& h,
                     const BacktestOptions& options, bool spike_only) {
  SignalResult r;
  r.signal = kind;
  r.horizon = h.label;
  r.spike_only = spike_only;
  const auto obs = observations(input, kind, h, options, spike_only);
  r.n = int64_t(obs.size());
  const double overlap =
      h.days > 0 ? double(h.days) : std::max(1.0, double(h.ms) / double(input.step_ms));
  r.n_eff = double(r.n) / overlap;
  r.ic = r.ic_t = r.ic_permuted = r.ic_permuted_sd = r.ic_p = r.hit_rate = kNaN;

  // Hit rate and P&L first: they need no ranks.
  const SignalThresholds th = default_thresholds(kind, options.spike_ratio);
  int64_t hits = 0;
  size_t current = std::numeric_limits<size_t>::max();
  int64_t next_entry = 0;
  const double cost = 2 * options.cost_bps / 1e4;
  for (const auto& o : obs) {
    const int pos = position_for(th, o.signal);
    if (o.symbol != current) {
      current = o.symbol;
      next_entry = std::numeric_limits<int64_t>::min();
    }
    if (pos != 0 && o.ret != 0) {
      ++r.positioned;
      if ((pos > 0) == (o.ret > 0)) ++hits;
    }
    // A trade exits at t + h (N trading days later), and the next may enter from there.
    if (pos != 0 && o.clock >= next_entry) {
      ++r.trades;
      r.pnl += pos * o.ret - cost;
      next_entry = o.clock + (h.days > 0 ? h.days : h.ms);
    }
  }
  if (r.positioned > 0) r.hit_rate = double(hits) / double(r.positioned);
  if (obs.size() < 3) return r;

  std::vector<double> sig(obs.size()), ret(obs.size());
  for (size_t i = 0; i < obs.size(); ++i) {
    sig[i] = obs[i].signal;
    ret[i] = obs[i].ret;
  }
  std::vector<double> rs = average_ranks(sig);
  std::vector<double> rr = average_ranks(ret);
  r.ic = pearson(rs, rr);
  if (std::isnan(r.ic)) return r;
  if (r.n_eff > 2 && std::abs(r.ic) < 1) {
    r.ic_t = r.ic * std::sqrt((r.n_eff - 2) / (1 - r.ic * r.ic));
  }

  if (options.permutations <= 0) return r;
  // Shuffling within a symbol permutes the pooled ranks within that symbol's block, so the ranks
  // are computed once; the means and spreads of both sides do not change either.
  const double mean = (double(obs.size()) + 1) / 2;
  double sxx = 0, syy = 0;
  for (size_t i = 0; i < obs.size(); ++i) {
    rr[i] -= mean;
    sxx += (rs[i] - mean) * (rs[i] - mean);
    syy += rr[i] * rr[i];
  }
  const double denom = std::sqrt(sxx * syy);
  std::vector<std::pair<size_t, size_t>> blocks;  // [begin, end) per symbol
  for (size_t i = 0; i < obs.size();) {
    size_t j = i;
    while (j < obs.size() && obs[j].symbol == obs[i].symbol) ++j;
    blocks.emplace_back(i, j);
    i = j;
  }
  SplitMix rng(options.seed * 0x9E3779B97F4A7C15ull ^ (uint64_t(kind) << 48) ^
               (uint64_t(h.ms + h.days) << 1) ^ uint64_t(spike_only));
  double sum = 0, sum_sq = 0;
  int64_t extreme = 0;
  for (int k = 0; k < options.permutations; ++k) {
    for (const auto& [b, e] : blocks) {
      for (size_t i = e - 1; i > b; --i) {
        std::swap(rs[i], rs[b + rng.below(i - b + 1)]);
      }
    }
    double sxy = 0;
    for (size_t i = 0; i < obs.size(); ++i) sxy += (rs[i] - mean) * rr[i];
    const double ic = sxy / denom;
    sum += ic;
    sum_sq += ic * ic;
    if (std::abs(ic) >= std::abs(r.ic) - 1e-12) ++extreme;
  }
  const double kk = options.permutations;
  r.ic_permuted = sum / kk;
  r.ic_permuted_sd = kk > 1 ? std::sqrt(std::max(0.0, (sum_sq - sum * sum / kk) / (kk - 1))) : 0;
  r.ic_p = double(1 + extreme) / (kk + 1);
  return r;
}

std::string number(double v, int precision = 6) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.{}g}", v, precision);
}

std::string cell(double v, int precision) {
  if (!std::isfinite(v)) return "-";
  return fmt::format("{:.{}f}", v, precision);
}

}  // namespace

std::optional<Horizon> parse_horizon(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  const char* end = text.data() + text.size() - 1;
  const auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || p != end || n <= 0) return std::nullopt;
  Horizon h;
  h.label = std::string(text);
  switch (text.back()) {
    case 's':
      h.ms = n * 1000;
      break;
    case 'm':
      h.ms = n * 60'000;
      break;
    case 'h':
      h.ms = n * 3'600'000;
      break;
    case 'd':
      if (n > 366) return std::nullopt;
      h.days = int(n);
      return h;
    default:
      return std::nullopt;
  }
  if (n > 366LL * 24 * 3600) return std::nullopt;
  if (h.ms > 366 * kDayMs) return std::nullopt;
  return h;
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && values[order[j]] == values[order[i]]) ++j;
    const double rank = (double(i) + double(j) + 1) / 2;  // mean of positions i+1 .. j
    for (size_t k = i; k < j; ++k) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2 || y.size() != n) return kNaN;
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / double(n);
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / double(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

Result<BacktestReport, std::string> run_backtest(const BacktestInput& input,
                                                 const BacktestOptions& options) {
  if (input.symbols.empty()) {
    return Err(std::string(
        "no prices: the store has no final market windows (stock_trends), so there are no "
        "forward returns to compare signals with"));
  }
  if (input.step_ms <= 0) {
    return Err(std::string(
        "no prices: no symbol has two final market windows, so there are no forward returns"));
  }
  std::vector<Horizon> horizons = options.horizons;
  if (horizons.empty()) {
    for (const char* h : {"1m", "5m", "15m", "1h", "1d"}) horizons.push_back(*parse_horizon(h));
  }
  for (const auto& h : horizons) {
    if (h.days == 0 && h.ms % input.step_ms != 0) {
      return Err(fmt::format(
          "horizon {} is not a multiple of the windows' slide ({} s): forward returns are "
          "measured between window closes",
          h.label, input.step_ms / 1000.0));
    }
  }
  if (options.permutations < 0 || options.permutations > 100'000) {
    return Err(std::string("permutations must be within 0..100000"));
  }
  BacktestReport report;
  report.symbols = int64_t(input.symbols.size());
  report.step_ms = input.step_ms;
  report.permutations = options.permutations;
  report.seed = options.seed;
  report.cost_bps = options.cost_bps;
  report.spike_ratio = options.spike_ratio;
  const size_t total = options.signals.size() * horizons.size();
  size_t done = 0;
  for (SignalKind kind : options.signals) {
    for (const auto& h : horizons) {
      report.results.push_back(measure(input, kind, h, options, false));
      // The spike condition of the spike signal itself would only re-measure its own tail.
      if (kind != SignalKind::kVolumeSpike) {
        report.results.push_back(measure(input, kind, h, options, true));
      }
      if (options.progress) {
        options.progress(++done, total, fmt::format("{} {}", signal_name(kind), h.label));
      }
    }
  }
  return report;
}

std::string backtest_json(const BacktestReport& report) {
  std::string out = "{\"signals\":[";
  for (size_t i = 0; i < report.results.size(); ++i) {
    const auto& r = report.results[i];
    if (i > 0) out += ",";
    out += fmt::format(
        "\n{{\"signal\":\"{}\",\"horizon\":\"{}\",\"condition\":\"{}\",\"ic\":{},\"ic_t\":{},"
        "\"ic_permuted\":{},\"ic_permuted_sd\":{},\"ic_p\":{},\"n\":{},\"n_eff\":{},"
        "\"hit_rate\":{},\"positioned\":{},\"pnl\":{},\"trades\":{}}}",
        signal_name(r.signal), r.horizon, r.spike_only ? "spike" : "all", number(r.ic, 8),
        number(r.ic_t, 8), number(r.ic_permuted, 8), number(r.ic_permuted_sd, 8), number(r.ic_p, 8),
        r.n, number(r.n_eff, 10), number(r.hit_rate, 8), r.positioned, number(r.pnl, 10), r.trades);
  }
  out += fmt::format(
      "\n],\"symbols\":{},\"step_s\":{},\"permutations\":{},\"seed\":{},\"cost_bps\":{},"
      "\"spike_ratio\":{},\"pooling\":\"pooled\",\"ic_t_method\":\"effective_n\"}}\n",
      report.symbols, number(report.step_ms / 1000.0), report.permutations, report.seed,
      number(report.cost_bps), number(report.spike_ratio));
  return out;
}

std::string backtest_table(const BacktestReport& report) {
  std::string out =
      fmt::format("{:<17}{:>5} {:<6}{:>9}{:>8}{:>8}{:>8}{:>8}{:>7}{:>7}{:>9}{:>7}\n", "signal", "h",
                  "cond", "n", "ic", "ic_t", "perm", "perm_sd", "p", "hit", "pnl%", "trades");
  for (const auto& r : report.results) {
    out += fmt::format("{:<17}{:>5} {:<6}{:>9}{:>8}{:>8}{:>8}{:>8}{:>7}{:>7}{:>9}{:>7}\n",
                       signal_name(r.signal), r.horizon, r.spike_only ? "spike" : "all", r.n,
                       cell(r.ic, 4), cell(r.ic_t, 2), cell(r.ic_permuted, 4),
                       cell(r.ic_permuted_sd, 4), cell(r.ic_p, 3), cell(r.hit_rate, 3),
                       cell(r.pnl * 100, 2), r.trades);
  }
  return out;
}

}  // namespace stockpulse
