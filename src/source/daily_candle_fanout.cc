#include "source/daily_candle_fanout.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "common/time_format.h"
#include "source/deterministic_rng.h"
#include "source/market_hours.h"
#include "source/record_reader.h"

namespace stockpulse {

namespace {

enum class Field : uint8_t { kOpen, kHigh, kLow, kClose, kVolume, kOther };

std::string lower_alnum(std::string_view s) {
  std::string out;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return std::string(s);
}

// Field names of OHLCV columns; "Adj Close" and the like are known fields we ignore (kOther),
// which still tells the layout detection that the cell names a field.
std::optional<Field> field_of(std::string_view name) {
  const std::string n = lower_alnum(name);
  if (n == "open") return Field::kOpen;
  if (n == "high") return Field::kHigh;
  if (n == "low") return Field::kLow;
  if (n == "close") return Field::kClose;
  if (n == "volume" || n == "vol") return Field::kVolume;
  if (n == "adjclose" || n == "adjustedclose" || n == "dividends" || n == "stocksplits" ||
      n == "capitalgains" || n == "vwap" || n == "tradecount")
    return Field::kOther;
  return std::nullopt;
}

bool is_date_name(std::string_view s) {
  const std::string n = lower_alnum(s);
  return n == "date" || n == "datetime" || n == "timestamp" || n == "time" || n == "day";
}

bool is_symbol_name(std::string_view s) {
  const std::string n = lower_alnum(s);
  return n == "symbol" || n == "ticker" || n == "name" || n == "sym";
}

std::optional<int64_t> parse_day(std::string_view s) {
  const std::string t = trimmed(s);
  auto num = [&](size_t at, size_t len, int& out) {
    if (at + len > t.size()) return false;
    auto [p, ec] = std::from_chars(t.data() + at, t.data() + at + len, out);
    return ec == std::errc() && p == t.data() + at + len;
  };
  int y = 0, m = 0, d = 0;
  if (t.size() >= 10 && t[4] == '-' && t[7] == '-') {  // 2024-05-01[ 00:00:00-04:00]
    if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::nullopt;
  } else if (t.size() == 10 && t[2] == '/' && t[5] == '/') {  // 05/01/2024
    if (!num(0, 2, m) || !num(3, 2, d) || !num(6, 4, y)) return std::nullopt;
  } else if (t.size() == 8) {  // 20240501
    if (!num(0, 4, y) || !num(4, 2, m) || !num(6, 2, d)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[m - 1]) return std::nullopt;
  const int64_t day = days_from_civil(y, m, d);
  if (civil_from_millis(day * kMillisPerDay).day != d)
    return std::nullopt;  // Feb 29 of a non-leap year
  return day;
}

std::optional<double> parse_number(std::string_view s) {
  const std::string t = trimmed(s);
  if (t.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// A column of a wide layout: which symbol, which field.
struct WideColumn {
  std::string symbol;
  Field field;
};

// Splits "Close_AAPL", "AAPL_Close", "AAPL.Close", "Close.BRK.B", "BRK.B.Close" into symbol and
// field; nullopt when no part names a field.
std::optional<WideColumn> split_suffixed(std::string_view name) {
  for (char sep : {'_', '.', ' '}) {
    const size_t first = name.find(sep);
    const size_t last = name.rfind(sep);
    if (first == std::string_view::npos) continue;
    if (auto f = field_of(name.substr(0, first)); f && first + 1 < name.size())
      return WideColumn{trimmed(name.substr(first + 1)), *f};
    if (auto f = field_of(name.substr(last + 1)); f && last > 0)
      return WideColumn{trimmed(name.substr(0, last)), *f};
  }
  return std::nullopt;
}

}  // namespace

DailyCandleFanout::DailyCandleFanout(DailyCandleFanoutOptions options) : options_(options) {}

size_t DailyCandleFanout::candle_count() const {
  size_t n = 0;
  for (const auto& [day, by_symbol] : days_) n += by_symbol.size();
  return n;
}

void DailyCandleFanout::dead_letter(int64_t row, DeadLetterReason reason, std::string detail,
                                    std::string payload) {
  DeadLetter d;
  d.stream = "stock-prices";
  d.partition = options_.partition;
  d.offset = Offset(row);
  d.reason = reason;
  d.detail = std::move(detail);
  d.payload_size = payload.size();
  d.payload = payload.substr(0, kMaxDeadLetterPayload);
  dead_letters_.push_back(std::move(d));
}

bool DailyCandleFanout::add(const DailyCandle& c) {
  const double v[] = {c.open, c.high, c.low, c.close, c.volume};
  std::string why;
  if (!std::all_of(std::begin(v), std::end(v), [](double x) { return std::isfinite(x); }))
    why = "non-finite value";
  else if (c.open <= 0 || c.high <= 0 || c.low <= 0 || c.close <= 0)
    why = "price <= 0";
  else if (c.high < std::max({c.open, c.close, c.low}))
    why = "high below open, close or low";
  else if (c.low > std::min(c.open, c.close))
    why = "low above open or close";
  else if (c.volume < 0)
    why = "negative volume";
  else if (c.symbol.empty())
    why = "empty symbol";
  if (!why.empty()) {
    dead_letter(static_cast<int64_t>(dead_letters_.size()), DeadLetterReason::kInvalidNumber,
                c.symbol + " " + format_iso8601(EventTime(c.day * kMillisPerDay)).substr(0, 10) +
                    ": " + why,
                c.symbol);
    return false;
  }
  days_[c.day][c.symbol] = c;
  return true;
}

std::optional<std::string> DailyCandleFanout::load_csv(const std::string& path) {
  RecordReader reader(RecordReaderOptions{.syntax = RecordSyntax::kCsv});
  if (auto err = reader.open(path)) return err;
  Record rec;
  std::vector<std::string> header, header2, fields;
  if (reader.next(rec) != RecordStatus::kRecord) return path + ": empty or unreadable";
  const char delim = detect_csv_delimiter(rec.text);
  split_csv_record(rec.text, delim, header);
  for (auto& h : header) h = trimmed(h);

  int date_col = -1, symbol_col = -1;
  int field_cols[5] = {-1, -1, -1, -1, -1};
  for (size_t i = 0; i < header.size(); ++i) {
    if (date_col < 0 && is_date_name(header[i]))
      date_col = static_cast<int>(i);
    else if (symbol_col < 0 && is_symbol_name(header[i]))
      symbol_col = static_cast<int>(i);
    else if (auto f = field_of(header[i]);
             f && *f != Field::kOther && field_cols[static_cast<int>(*f)] < 0)
      field_cols[static_cast<int>(*f)] = static_cast<int>(i);
  }
  std::vector<int> wide_col_of;  // per column: index into wide_columns, or -1
  std::vector<WideColumn> wide_columns;
  int64_t row_number = 0;

  const bool long_layout =
      date_col >= 0 && symbol_col >= 0 &&
      std::all_of(std::begin(field_cols), std::end(field_cols), [](int c) { return c >= 0; });
  if (long_layout) {
    layout_ = CandleLayout::kLong;
  } else {
    wide_col_of.assign(header.size(), -1);
    int suffixed = 0;
    for (size_t i = 0; i < header.size(); ++i)
      if (auto w = split_suffixed(header[i])) {
        ++suffixed;
        if (w->field != Field::kOther) {
          wide_col_of[i] = static_cast<int>(wide_columns.size());
          wide_columns.push_back(*w);
        }
      }
    if (suffixed > 0) {
      layout_ = CandleLayout::kWideSuffixed;
      date_col = date_col < 0 ? 0 : date_col;
    } else {
      // Two header rows: one of fields, one of symbols, first column the date.
      if (reader.next(rec) != RecordStatus::kRecord) return path + ": unrecognised candle layout";
      split_csv_record(rec.text, delim, header2);
      for (auto& h : header2) h = trimmed(h);
      int fields_in_1 = 0, fields_in_2 = 0;
      for (size_t i = 1; i < header.size(); ++i) fields_in_1 += field_of(header[i]).has_value();
      for (size_t i = 1; i < header2.size(); ++i) fields_in_2 += field_of(header2[i]).has_value();
      const bool fields_first = fields_in_1 >= fields_in_2;
      const auto& fr = fields_first ? header : header2;
      const auto& sr = fields_first ? header2 : header;
      if (std::max(fields_in_1, fields_in_2) == 0 || fr.size() != sr.size())
        return path +
               ": unrecognised candle layout (expected Date,Symbol,Open,High,Low,Close,Volume, "
               "Field_SYMBOL columns, or two header rows of fields and symbols)";
      layout_ = CandleLayout::kWideTwoRows;
      date_col = 0;
      wide_col_of.assign(fr.size(), -1);
      for (size_t i = 1; i < fr.size(); ++i) {
        auto f = field_of(fr[i]);
        if (!f || *f == Field::kOther || sr[i].empty()) continue;
        wide_col_of[i] = static_cast<int>(wide_columns.size());
        wide_columns.push_back({sr[i], *f});
      }
    }
  }

  // Symbols of a wide layout, each with the columns of its five fields.
  std::map<std::string, std::array<int, 5>> wide_symbols;
  for (size_t i = 0; i < wide_col_of.size(); ++i) {
    if (wide_col_of[i] < 0) continue;
    const WideColumn& w = wide_columns[static_cast<size_t>(wide_col_of[i])];
    auto [it, fresh] = wide_symbols.try_emplace(w.symbol);
    if (fresh) it->second.fill(-1);
    it->second[static_cast<int>(w.field)] = static_cast<int>(i);
  }

  auto cell = [&](int c) -> std::string_view {
    return c >= 0 && static_cast<size_t>(c) < fields.size()
               ? std::string_view(fields[static_cast<size_t>(c)])
               : std::string_view();
  };
  for (;;) {
    const RecordStatus st = reader.next(rec);
    if (st == RecordStatus::kEof) break;
    if (st == RecordStatus::kError) return "reading " + path + ": " + reader.error();
    const int64_t row = row_number++;
    if (st == RecordStatus::kTooLong) {
      dead_letter(row, DeadLetterReason::kTooLarge, "row over the size limit",
                  std::string(rec.text));
      continue;
    }
    split_csv_record(rec.text, delim, fields);
    const std::string payload(rec.text);
    const auto day = parse_day(cell(date_col));
    if (!day) {
      // yfinance writes a "Date,,,," (or "Ticker,...") row under its headers: a row that has no
      // numbers at all is a header remnant, not data.
      bool any_number = false;
      for (size_t i = 0; i < fields.size(); ++i)
        if (static_cast<int>(i) != date_col && parse_number(fields[i])) any_number = true;
      if (any_number || layout_ == CandleLayout::kLong)
        dead_letter(row, DeadLetterReason::kBadTimestamp,
                    "date '" + std::string(cell(date_col).substr(0, 40)) + "' does not parse",
                    payload);
      continue;
    }
    auto read_candle = [&](const std::string& symbol, const std::array<int, 5>& cols) {
      DailyCandle c;
      c.symbol = symbol;
      c.day = *day;
      double* out[5] = {&c.open, &c.high, &c.low, &c.close, &c.volume};
      for (int f = 0; f < 5; ++f) {
        const auto v = parse_number(cell(cols[static_cast<size_t>(f)]));
        if (!v) {
          dead_letter(row, DeadLetterReason::kInvalidNumber,
                      symbol + ": missing or unparseable " +
                          std::string(f == 0   ? "open"
                                      : f == 1 ? "high"
                                      : f == 2 ? "low"
                                      : f == 3 ? "close"
                                               : "volume"),
                      payload);
          return;
        }
        *out[f] = *v;
      }
      if (!add(c)) {
        dead_letters_.back().offset = Offset(row);
        dead_letters_.back().payload = payload.substr(0, kMaxDeadLetterPayload);
        dead_letters_.back().payload_size = payload.size();
      }
    };
    if (layout_ == CandleLayout::kLong) {
      const std::string symbol = trimmed(cell(symbol_col));
      read_candle(symbol,
                  {field_cols[0], field_cols[1], field_cols[2], field_cols[3], field_cols[4]});
      continue;
    }
    for (const auto& [symbol, cols] : wide_symbols) {
      bool all_empty = true;
      for (int c : cols)
        if (!trimmed(cell(c)).empty()) all_empty = false;
      if (all_empty) continue;  // not trading that day
      read_candle(symbol, cols);
    }
  }
  return std::nullopt;
}

std::vector<Bar> DailyCandleFanout::fan_out(const DailyCandle& c,
                                            const DailyCandleFanoutOptions& o) {
  constexpr int n = kMinutesPerSession;
  // Deterministic per (seed, symbol, day): a day's bars do not depend on what else is loaded.
  DeterministicRng rng(o.seed ^ fnv1a(c.symbol) * 0x9E3779B97F4A7C15ULL ^
                       static_cast<uint64_t>(c.day) * 0xC2B2AE3D27D4EB4FULL);
  const double hi = c.high, lo = c.low, range = hi - lo;

  // Knots of the path at points 0..n (point m is the price at minute m's start; n the close).
  std::vector<std::pair<int, double>> knots = {{0, c.open}, {n, c.close}};
  const bool need_high = c.open != hi && c.close != hi;
  const bool need_low = c.open != lo && c.close != lo && range > 0;
  if (need_high && need_low) {
    const int a = 1 + static_cast<int>(rng.below(n - 1));
    int b = 1 + static_cast<int>(rng.below(n - 2));
    if (b >= a) ++b;  // distinct from a
    knots.push_back({a, hi});
    knots.push_back({b, lo});
  } else if (need_high) {
    knots.push_back({1 + static_cast<int>(rng.below(n - 1)), hi});
  } else if (need_low) {
    knots.push_back({1 + static_cast<int>(rng.below(n - 1)), lo});
  }
  std::sort(knots.begin(), knots.end());

  // Brownian bridges between knots, each scaled so that it stays within [lo, hi].
  std::vector<double> p(n + 1);
  const double sigma = o.path_volatility * range;
  std::vector<double> walk;
  for (size_t k = 0; k + 1 < knots.size(); ++k) {
    const auto [t0, v0] = knots[k];
    const auto [t1, v1] = knots[k + 1];
    const int len = t1 - t0;
    walk.assign(static_cast<size_t>(len) + 1, 0.0);
    for (int i = 1; i <= len; ++i)
      walk[static_cast<size_t>(i)] = walk[static_cast<size_t>(i) - 1] + sigma * rng.normal();
    double scale = 1.0;
    std::vector<double> bridge(static_cast<size_t>(len) + 1);
    for (int i = 0; i <= len; ++i) {
      const double frac = static_cast<double>(i) / len;
      const double b =
          walk[static_cast<size_t>(i)] - frac * walk[static_cast<size_t>(len)];  // 0 at both ends
      bridge[static_cast<size_t>(i)] = b;
      const double line = v0 + (v1 - v0) * frac;
      if (b > 0) scale = std::min(scale, (hi - line) / b);
      if (b < 0) scale = std::min(scale, (line - lo) / -b);
    }
    scale = std::max(0.0, scale);
    for (int i = 0; i <= len; ++i) {
      const double frac = static_cast<double>(i) / len;
      const double v = v0 + (v1 - v0) * frac + scale * bridge[static_cast<size_t>(i)];
      p[static_cast<size_t>(t0 + i)] = std::clamp(v, lo, hi);  // rounding only
    }
    p[static_cast<size_t>(t0)] = v0;
    p[static_cast<size_t>(t1)] = v1;
  }

  // Volume: a U-shape (heavy open, quiet midday, busy close) with log-normal noise, apportioned
  // in whole shares by largest remainder so the minutes sum exactly to the day.
  const int64_t total = std::llround(c.volume);
  std::vector<double> w(n);
  for (int m = 0; m < n; ++m)
    w[static_cast<size_t>(m)] =
        (0.6 + 2.2 * std::exp(-m / 25.0) + 1.4 * std::exp(-(n - 1 - m) / 25.0)) *
        std::exp(0.3 * rng.normal());
  const double wsum = std::accumulate(w.begin(), w.end(), 0.0);
  std::vector<int64_t> vol(n);
  std::vector<std::pair<double, int>> remainders(n);
  int64_t given = 0;
  for (int m = 0; m < n; ++m) {
    const double quota = static_cast<double>(total) * w[static_cast<size_t>(m)] / wsum;
    vol[static_cast<size_t>(m)] = static_cast<int64_t>(std::floor(quota));
    given += vol[static_cast<size_t>(m)];
    remainders[static_cast<size_t>(m)] = {quota - std::floor(quota), m};
  }
  // Floating-point error can leave `given` a share or two off either way; the loop settles it.
  std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (size_t k = 0; given < total; k = (k + 1) % n, ++given)
    ++vol[static_cast<size_t>(remainders[k].second)];
  for (size_t k = n - 1; given > total; k = (k + n - 1) % n)
    if (vol[static_cast<size_t>(remainders[k].second)] > 0) {
      --vol[static_cast<size_t>(remainders[k].second)];
      --given;
    }

  const CivilTime date = civil_from_millis(c.day * kMillisPerDay);
  const int64_t open_ms = us_market_open_utc(date.year, date.month, date.day).value();
  const double avg_trade_size = 60 + 140 * rng.uniform();
  std::vector<Bar> bars(n);
  for (int m = 0; m < n; ++m) {
    Bar& b = bars[static_cast<size_t>(m)];
    b.symbol = c.symbol;
    b.ts = EventTime(open_ms + m * kMillisPerMinute);
    b.open = p[static_cast<size_t>(m)];
    b.close = p[static_cast<size_t>(m) + 1];
    // Wicks beyond the open/close path, never beyond the day's range.
    b.high = std::min(hi, std::max(b.open, b.close) + std::abs(rng.normal()) * 0.3 * sigma);
    b.low = std::max(lo, std::min(b.open, b.close) - std::abs(rng.normal()) * 0.3 * sigma);
    b.volume = static_cast<double>(vol[static_cast<size_t>(m)]);
    const double typical = (b.high + b.low + b.close) / 3;
    b.vwap = std::clamp(typical + 0.1 * (b.high - b.low) * rng.normal(), b.low, b.high);
    b.trade_count = vol[static_cast<size_t>(m)] > 0
                        ? std::max<int64_t>(1, std::llround(b.volume / avg_trade_size))
                        : 0;
  }
  return bars;
}

bool DailyCandleFanout::next_minute(std::vector<Bar>& out) {
  if (!started_) {
    started_ = true;
    current_day_ = days_.begin();
    minute_ = kMinutesPerSession;  // forces the first day's generation below
    if (current_day_ == days_.end()) return false;
    day_bars_.clear();
    for (const auto& [symbol, candle] : current_day_->second)
      day_bars_.push_back(fan_out(candle, options_));
    minute_ = 0;
  }
  if (current_day_ == days_.end()) return false;
  if (minute_ == kMinutesPerSession) {
    ++current_day_;
    if (current_day_ == days_.end()) return false;
    day_bars_.clear();
    for (const auto& [symbol, candle] : current_day_->second)
      day_bars_.push_back(fan_out(candle, options_));
    minute_ = 0;
  }
  for (const auto& bars : day_bars_) {
    Bar b = bars[static_cast<size_t>(minute_)];
    b.position = SourcePosition{options_.partition, Offset(next_offset_++)};
    out.push_back(std::move(b));
  }
  ++minute_;
  return true;
}

}  // namespace stockpulse
