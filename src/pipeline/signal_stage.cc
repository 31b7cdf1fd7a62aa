#include "pipeline/signal_stage.h"

#include <algorithm>
#include <cmath>

#include "analytics/checkpoint_frame.h"
#include "common/time_format.h"

namespace stockpulse {

namespace {

constexpr uint32_t kMagic = 0x53505353;  // "SPSS"
// v2 (issue #17): each pending symbol interval says which of its rows are partial (bit 0
// sentiment, bit 1 market).
constexpr uint32_t kVersion = 2;

int64_t floor_to(int64_t t, int64_t step) {
  int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}

FearGreedRow to_row(std::string_view symbol, EventTime ts, const FearGreedReading& r) {
  FearGreedRow row;
  row.symbol = std::string(symbol);
  row.ts = ts;
  row.score = r.score;
  row.band = fear_greed_band_name(r.band);
  row.sentiment = r.sentiment;
  row.bullish = r.bullish;
  row.momentum = r.momentum;
  row.volatility = r.volatility;
  row.volume = r.volume;
  return row;
}

void put_row(CheckpointWriter& w, const SentimentWindowRow& r) {
  w.put_bytes(r.symbol);
  w.put<int64_t>(r.window_start.value());
  w.put<int64_t>(r.window_end.value());
  w.put<int64_t>(r.tweet_count);
  w.put<double>(r.sentiment_score_avg);
  w.put<double>(r.sentiment_score_min);
  w.put<double>(r.sentiment_score_max);
  w.put<double>(r.sentiment_score_stddev);
  w.put<int64_t>(r.bullish_count);
  w.put<int64_t>(r.bearish_count);
  w.put<int64_t>(r.neutral_count);
  w.put<double>(r.bullish_share);
  for (int64_t h : r.histogram) w.put<int64_t>(h);
  w.put<uint8_t>(r.is_final ? 1 : 0);
}

bool get_row(CheckpointReader& r, SentimentWindowRow& row) {
  row.symbol = std::string(r.get_bytes());
  row.window_start = EventTime(r.get<int64_t>());
  row.window_end = EventTime(r.get<int64_t>());
  row.tweet_count = r.get<int64_t>();
  row.sentiment_score_avg = r.get<double>();
  row.sentiment_score_min = r.get<double>();
  row.sentiment_score_max = r.get<double>();
  row.sentiment_score_stddev = r.get<double>();
  row.bullish_count = r.get<int64_t>();
  row.bearish_count = r.get<int64_t>();
  row.neutral_count = r.get<int64_t>();
  row.bullish_share = r.get<double>();
  for (int64_t& h : row.histogram) h = r.get<int64_t>();
  const uint8_t is_final = r.get<uint8_t>();
  row.is_final = is_final != 0;
  return r.ok() && is_final <= 1;
}

void put_row(CheckpointWriter& w, const MarketWindowRow& r) {
  w.put_bytes(r.symbol);
  w.put<int64_t>(r.window_start.value());
  w.put<int64_t>(r.window_end.value());
  w.put<int64_t>(r.bar_count);
  for (double v : {r.open, r.high, r.low, r.close, r.total_volume, r.avg_close, r.max_close,
                   r.min_close, r.volatility, r.avg_volume, r.avg_vwap, r.vwap_deviation_pct,
                   r.buy_pressure, r.avg_pct_change, r.price_range}) {
    w.put<double>(v);
  }
  w.put<uint8_t>(static_cast<uint8_t>(r.trend_signal));
  w.put<uint8_t>(r.is_final ? 1 : 0);
}

bool get_row(CheckpointReader& r, MarketWindowRow& row) {
  row.symbol = std::string(r.get_bytes());
  row.window_start = EventTime(r.get<int64_t>());
  row.window_end = EventTime(r.get<int64_t>());
  row.bar_count = r.get<int64_t>();
  for (double* v :
       {&row.open, &row.high, &row.low, &row.close, &row.total_volume, &row.avg_close,
        &row.max_close, &row.min_close, &row.volatility, &row.avg_volume, &row.avg_vwap,
        &row.vwap_deviation_pct, &row.buy_pressure, &row.avg_pct_change, &row.price_range}) {
    *v = r.get<double>();
  }
  const uint8_t signal = r.get<uint8_t>();
  const uint8_t is_final = r.get<uint8_t>();
  row.trend_signal = static_cast<TrendSignal>(signal);
  row.is_final = is_final != 0;
  return r.ok() && signal <= static_cast<uint8_t>(TrendSignal::kBullish) && is_final <= 1;
}

// An optional row: a presence byte, then the row when present.
template <class Row>
void put_optional_row(CheckpointWriter& w, const std::optional<Row>& row) {
  w.put<uint8_t>(row ? 1 : 0);
  if (row) put_row(w, *row);
}

template <class Row>
bool get_optional_row(CheckpointReader& r, std::optional<Row>& row) {
  const uint8_t has = r.get<uint8_t>();
  if (!r.ok() || has > 1) return false;
  if (!has) return true;
  row.emplace();
  return get_row(r, *row);
}

}  // namespace

SignalStage::SignalStage(int64_t slide_ms, bool market_wide, AlertConfig alerts)
    : slide_ms_(slide_ms), market_wide_(market_wide), alerts_(alerts) {}

SignalStage::Interval& SignalStage::interval_of(EventTime t) {
  return pending_[floor_to(t.value(), slide_ms_) + slide_ms_];
}

void SignalStage::on_post(const ScoredPost& p) {
  on_mention("*", p.post.created_at, p.overall.compound);
  for (const TickerSentiment& t : p.tickers) {
    on_mention(t.symbol, p.post.created_at, t.scores.compound);
  }
}

void SignalStage::on_mention(const std::string& symbol, EventTime t, double compound) {
  Minute& m = interval_of(t)[symbol].minutes[floor_to(t.value(), kMillisPerMinute)];
  m.sentiment_sum += compound;
  ++m.sentiment_count;
}

void SignalStage::on_bar(const Bar& b) {
  Minute& m =
      interval_of(b.ts).operator[](b.symbol).minutes[floor_to(b.ts.value(), kMillisPerMinute)];
  // The minute's close is the close of its latest bar by event time.
  if (b.ts.value() >= m.close_ts) {
    m.close = b.close;
    m.close_ts = b.ts.value();
  }
}

void SignalStage::on_final(const SentimentWindowRow& r, bool partial) {
  SymbolInterval& si = pending_[r.window_end.value()][r.symbol];
  si.sentiment = r;
  si.sentiment_partial = partial;
}

void SignalStage::on_final(const MarketWindowRow& r, bool partial) {
  SymbolInterval& si = pending_[r.window_end.value()][r.symbol];
  si.market = r;
  si.market_partial = partial;
}

void SignalStage::advance(EventTime ready, SinkBatch& out) {
  while (!pending_.empty() && pending_.begin()->first <= ready.value()) {
    auto node = pending_.extract(pending_.begin());
    process(node.key(), node.mapped(), out);
  }
}

void SignalStage::process(int64_t end, Interval& interval, SinkBatch& out) {
  const EventTime end_time(end);
  // Intervals come in time order and no minute before this one can still arrive: once a day,
  // forget the correlation series of symbols silent for over an hour.
  const int64_t day = floor_to(end - slide_ms_, kMillisPerDay);
  if (day > dropped_stale_day_) {
    correlation_.drop_stale(EventTime(end - slide_ms_));
    dropped_stale_day_ = day;
  }
  bool any_symbol = false;
  bool any_partial = false;  // the market-wide reading includes a partial window's
  for (auto& [symbol, si] : interval) {
    const bool reading_partial = si.sentiment_partial || si.market_partial;
    any_partial = any_partial || reading_partial;
    // Per-minute series, in time order.
    for (const auto& [minute, m] : si.minutes) {
      if (m.sentiment_count > 0) {
        correlation_.add_sentiment(symbol, EventTime(minute),
                                   m.sentiment_sum / static_cast<double>(m.sentiment_count));
      }
      if (m.close_ts != INT64_MIN) {
        correlation_.add_close(symbol, EventTime(minute), m.close);
        auto values = indicators_[symbol].update(EventTime(minute), m.close);
        if (!values) {
          ++out_of_order_bars_;
          continue;
        }
        IndicatorRow row;
        row.symbol = symbol;
        row.ts = EventTime(minute);
        row.close = values.value().close;
        row.rsi_14 = values.value().rsi_14;
        row.ema_20 = values.value().ema_20;
        row.sma_50 = values.value().sma_50;
        out.indicators.push_back(std::move(row));
      }
    }
    if (si.sentiment) {
      for (auto& a : alerts_.on_sentiment_window(*si.sentiment, si.sentiment_partial)) {
        out.alerts.push_back(std::move(a));
      }
    }
    if (si.market) {
      for (auto& a : alerts_.on_market_window(*si.market, si.market_partial)) {
        out.alerts.push_back(std::move(a));
      }
    }
    if (symbol == "*" || (!si.sentiment && !si.market)) continue;

    FearGreedInputs in;
    in.minute = end_time;
    if (si.sentiment && si.sentiment->tweet_count > 0) {
      in.avg_compound = si.sentiment->sentiment_score_avg;
      in.bullish_share = si.sentiment->bullish_share;
    }
    if (si.market && si.market->bar_count > 0) {
      in.close = si.market->close;
      in.volatility = si.market->volatility;
      in.volume = si.market->avg_volume;
      in.price_change = si.market->close - si.market->open;
    }
    if (auto reading = fear_greed_.update(symbol, in)) {
      out.fear_greed.push_back(to_row(symbol, end_time, *reading));
      for (auto& a : alerts_.on_fear_greed(symbol, *reading, reading_partial)) {
        out.alerts.push_back(std::move(a));
      }
      any_symbol = true;
    }
    if (si.market) {
      if (auto c = correlation_.compute(symbol)) {
        CorrelationRow row;
        row.symbol = symbol;
        row.ts = end_time;
        row.r_lag0 = c->r_lag0;
        row.pairs_lag0 = c->pairs_lag0;
        row.best_lag = c->best_lag;
        row.best_r = c->best_r;
        row.pairs_best = c->pairs_best;
        if (!std::isnan(row.r_lag0) || !std::isnan(row.best_r)) {
          out.correlations.push_back(std::move(row));
        }
      }
    }
  }
  if (any_symbol && market_wide_) {
    if (auto market = fear_greed_.market(end_time)) {
      out.fear_greed.push_back(to_row("*", end_time, *market));
      for (auto& a : alerts_.on_fear_greed("*", *market, any_partial)) {
        out.alerts.push_back(std::move(a));
      }
    }
  }
}

void SignalStage::save(std::string& out) const {
  CheckpointWriter w(out);
  const size_t begin = begin_checkpoint_frame(w, out, kMagic, kVersion);
  w.put<int64_t>(slide_ms_);
  w.put<uint64_t>(out_of_order_bars_);
  w.put<uint32_t>(static_cast<uint32_t>(pending_.size()));
  for (const auto& [end, interval] : pending_) {
    w.put<int64_t>(end);
    w.put<uint32_t>(static_cast<uint32_t>(interval.size()));
    for (const auto& [symbol, si] : interval) {
      w.put_bytes(symbol);
      w.put<uint32_t>(static_cast<uint32_t>(si.minutes.size()));
      for (const auto& [minute, m] : si.minutes) {
        w.put<int64_t>(minute);
        w.put<double>(m.sentiment_sum);
        w.put<int64_t>(m.sentiment_count);
        w.put<double>(m.close);
        w.put<int64_t>(m.close_ts);
      }
      put_optional_row(w, si.sentiment);
      put_optional_row(w, si.market);
      w.put<uint8_t>(
          static_cast<uint8_t>((si.sentiment_partial ? 1 : 0) | (si.market_partial ? 2 : 0)));
    }
  }
  // The hash map's order depends on its history; the bytes must not.
  std::vector<const std::string*> symbols;
  symbols.reserve(indicators_.size());
  for (const auto& entry : indicators_) symbols.push_back(&entry.first);
  std::sort(symbols.begin(), symbols.end(), [](auto* a, auto* b) { return *a < *b; });
  w.put<uint32_t>(static_cast<uint32_t>(symbols.size()));
  // Nested checkpoints are length-prefixed, so each restore() sees exactly its own bytes.
  std::string nested;
  auto put_nested = [&](const auto& object) {
    nested.clear();
    object.save(nested);
    w.put_bytes(nested);
  };
  for (const std::string* symbol : symbols) {
    w.put_bytes(*symbol);
    put_nested(indicators_.at(*symbol));
  }
  put_nested(correlation_);
  put_nested(fear_greed_);
  put_nested(alerts_);
  seal_checkpoint_frame(w, begin);
}

bool SignalStage::restore(std::string_view in) {
  auto reader = open_checkpoint_frame(in, kMagic, kVersion);
  if (!reader) return false;
  CheckpointReader& r = *reader;
  // Intervals cut at another slide would be processed at the wrong times.
  if (r.get<int64_t>() != slide_ms_ || !r.ok()) return false;

  // Decoded into a fresh stage (with this stage's analytics configurations) and moved in only
  // when every part checked out.
  SignalStage fresh(slide_ms_, market_wide_);
  fresh.correlation_ = CorrelationTracker(correlation_.config());
  fresh.fear_greed_ = FearGreedIndex(fear_greed_.config());
  fresh.alerts_ = AlertDetector(alerts_.config());
  fresh.out_of_order_bars_ = r.get<uint64_t>();

  const uint32_t intervals = r.get<uint32_t>();
  if (!plausible_count(r, intervals, 8 + 4)) return false;
  for (uint32_t i = 0; i < intervals; ++i) {
    const int64_t end = r.get<int64_t>();
    if (!r.ok() || (!fresh.pending_.empty() && end <= fresh.pending_.rbegin()->first)) {
      return false;
    }
    Interval& interval = fresh.pending_.emplace_hint(fresh.pending_.end(), end, Interval{})->second;
    const uint32_t symbols = r.get<uint32_t>();
    if (!plausible_count(r, symbols, 4 + 4 + 1 + 1 + 1)) return false;
    for (uint32_t j = 0; j < symbols; ++j) {
      const std::string_view symbol = r.get_bytes();
      if (!r.ok() || (!interval.empty() && symbol <= interval.rbegin()->first)) return false;
      SymbolInterval& si =
          interval.emplace_hint(interval.end(), std::string(symbol), SymbolInterval{})->second;
      const uint32_t minutes = r.get<uint32_t>();
      if (!plausible_count(r, minutes, 5 * 8)) return false;
      for (uint32_t k = 0; k < minutes; ++k) {
        const int64_t minute = r.get<int64_t>();
        Minute m;
        m.sentiment_sum = r.get<double>();
        m.sentiment_count = r.get<int64_t>();
        m.close = r.get<double>();
        m.close_ts = r.get<int64_t>();
        if (!r.ok() || m.sentiment_count < 0 ||
            (!si.minutes.empty() && minute <= si.minutes.rbegin()->first)) {
          return false;
        }
        si.minutes.emplace_hint(si.minutes.end(), minute, m);
      }
      if (!get_optional_row(r, si.sentiment) || !get_optional_row(r, si.market)) return false;
      const uint8_t partial = r.get<uint8_t>();
      if (!r.ok() || partial > 3) return false;
      si.sentiment_partial = (partial & 1) != 0;
      si.market_partial = (partial & 2) != 0;
    }
  }

  const uint32_t indicators = r.get<uint32_t>();
  if (!plausible_count(r, indicators, 4 + 4)) return false;
  std::string_view prev;
  for (uint32_t i = 0; i < indicators; ++i) {
    const std::string_view symbol = r.get_bytes();
    const std::string_view nested = r.get_bytes();
    if (!r.ok() || (i > 0 && symbol <= prev)) return false;
    prev = symbol;
    if (!fresh.indicators_[std::string(symbol)].restore(nested)) return false;
  }
  if (!fresh.correlation_.restore(r.get_bytes()) || !fresh.fear_greed_.restore(r.get_bytes()) ||
      !fresh.alerts_.restore(r.get_bytes())) {
    return false;
  }
  if (!r.ok() || r.remaining() != 0) return false;
  *this = std::move(fresh);
  return true;
}

}  // namespace stockpulse
