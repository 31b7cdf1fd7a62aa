#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/dead_letter.h"
#include "common/events.h"

namespace stockpulse {

// One daily OHLCV candle. `day` is days since 1970-01-01 (the exchange's calendar date).
struct DailyCandle {
  std::string symbol;
  int64_t day = 0;
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double volume = 0;
};

// The CSV layouts load_csv() understands (detected from the header):
//   kLong:          Date,Symbol,Open,High,Low,Close,Volume (any order; Ticker/Name for Symbol;
//                   extra columns such as Adj Close ignored). One row per symbol and day.
//   kWideTwoRows:   two header rows, one of field names and one of symbols, in either order (what
//                   yfinance's multi-ticker download writes, incl. its "Ticker"/"Date" rows).
//   kWideSuffixed:  one header row of Field_SYMBOL, SYMBOL_Field, SYMBOL.Field or Field.SYMBOL
//                   columns (pandas-flattened downloads).
// In the wide layouts a symbol whose fields are all empty on a date is absent that day (not
// listed yet, delisted), not an error.
enum class CandleLayout : uint8_t { kUnknown, kLong, kWideTwoRows, kWideSuffixed };

struct DailyCandleFanoutOptions {
  uint64_t seed = 1;
  // Standard deviation of the intraday path per sqrt(minute), as a fraction of the day's range;
  // the path is squeezed where it would leave [low, high].
  double path_volatility = 0.06;
  PartitionId partition{1};
};

// Fans daily candles out to minute bars: 390 bars per symbol and trading day, 09:30-16:00
// America/New_York (UTC timestamps with US daylight saving rules, see market_hours.h), emitted
// one minute at a time with every symbol of that minute together, days in date order.
//
// Each day's path opens at Open, closes at Close and touches High and Low exactly: the extremes
// are pinned at random minutes (in random order, or at the open/close when they equal it) and
// joined by Brownian bridges scaled down wherever they would leave [Low, High]. Bars are
// consistent (low <= open, close <= high; vwap in [low, high]; each bar opens at the previous
// close) and no bar exceeds the day's range. Volume follows an intraday U-shape with noise and is
// apportioned in whole shares (largest remainder) so it sums exactly to the day's volume.
// Deterministic: a (seed, symbol, day) fixes that day's bars, whatever else the file holds.
//
// The candles are held in memory (about 100 bytes each: 2.5 M candles, i.e. 500 symbols over 20
// years, take about 250 MB); the minute bars are generated one day at a time.
//
// Lifecycle: add() / load_csv(), then next_minute() until it returns false.
// Thread-safety: none.
class DailyCandleFanout {
 public:
  explicit DailyCandleFanout(DailyCandleFanoutOptions options = {});

  // Reads a CSV in one of the CandleLayouts. Bad rows become dead letters (dead_letters()); an
  // error is returned only when the file cannot be read or its layout is not recognised.
  std::optional<std::string> load_csv(const std::string& path);
  // Adds one candle; false (and a dead letter) when its numbers are inconsistent (non-finite,
  // price <= 0, high below open/close/low, low above open/close, negative volume). A second
  // candle of the same symbol and day replaces the first.
  bool add(const DailyCandle& candle);

  // Appends the bars of the next minute, one per symbol trading that day (symbols in sorted
  // order); false when every day has been emitted.
  bool next_minute(std::vector<Bar>& out);

  // The 390 bars of one candle, as next_minute() emits them.
  static std::vector<Bar> fan_out(const DailyCandle& candle,
                                  const DailyCandleFanoutOptions& options);

  CandleLayout layout() const { return layout_; }
  const std::vector<DeadLetter>& dead_letters() const { return dead_letters_; }
  size_t trading_days() const { return days_.size(); }
  size_t candle_count() const;

 private:
  void dead_letter(int64_t row, DeadLetterReason reason, std::string detail, std::string payload);

  DailyCandleFanoutOptions options_;
  CandleLayout layout_ = CandleLayout::kUnknown;
  std::map<int64_t, std::map<std::string, DailyCandle>> days_;
  std::vector<DeadLetter> dead_letters_;
  // Emission state.
  std::map<int64_t, std::map<std::string, DailyCandle>>::const_iterator current_day_;
  bool started_ = false;
  int minute_ = 0;
  std::vector<std::vector<Bar>> day_bars_;  // per symbol of the current day
  int64_t next_offset_ = 0;
};

}  // namespace stockpulse
