#include "app/signal_stage.h"

#include <cmath>

#include "common/time_format.h"

namespace stockpulse {

namespace {

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

}  // namespace

SignalStage::SignalStage(int64_t slide_ms) : slide_ms_(slide_ms) {}

SignalStage::Interval& SignalStage::interval_of(EventTime t) {
  return pending_[floor_to(t.value(), slide_ms_) + slide_ms_];
}

void SignalStage::on_post(const ScoredPost& p) {
  Interval& in = interval_of(p.post.created_at);
  const int64_t minute = floor_to(p.post.created_at.value(), kMillisPerMinute);
  Minute& all = in["*"].minutes[minute];
  all.sentiment_sum += p.overall.compound;
  ++all.sentiment_count;
  for (const TickerSentiment& t : p.tickers) {
    Minute& m = in[t.symbol].minutes[minute];
    m.sentiment_sum += t.scores.compound;
    ++m.sentiment_count;
  }
}

void SignalStage::on_bar(const Bar& b) {
  Minute& m = interval_of(b.ts).operator[](b.symbol).minutes[floor_to(b.ts.value(), kMillisPerMinute)];
  // The minute's close is the close of its latest bar by event time.
  if (b.ts.value() >= m.close_ts) {
    m.close = b.close;
    m.close_ts = b.ts.value();
  }
}

void SignalStage::on_final(const SentimentWindowRow& r) {
  pending_[r.window_end.value()][r.symbol].sentiment = r;
}

void SignalStage::on_final(const MarketWindowRow& r) {
  pending_[r.window_end.value()][r.symbol].market = r;
}

void SignalStage::advance(EventTime ready, SinkBatch& out) {
  while (!pending_.empty() && pending_.begin()->first <= ready.value()) {
    auto node = pending_.extract(pending_.begin());
    process(node.key(), node.mapped(), out);
  }
}

void SignalStage::process(int64_t end, Interval& interval, SinkBatch& out) {
  const EventTime end_time(end);
  bool any_symbol = false;
  for (auto& [symbol, si] : interval) {
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
      for (auto& a : alerts_.on_sentiment_window(*si.sentiment)) out.alerts.push_back(std::move(a));
    }
    if (si.market) {
      for (auto& a : alerts_.on_market_window(*si.market)) out.alerts.push_back(std::move(a));
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
      for (auto& a : alerts_.on_fear_greed(symbol, *reading)) out.alerts.push_back(std::move(a));
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
  if (any_symbol) {
    if (auto market = fear_greed_.market(end_time)) {
      out.fear_greed.push_back(to_row("*", end_time, *market));
      for (auto& a : alerts_.on_fear_greed("*", *market)) out.alerts.push_back(std::move(a));
    }
  }
}

}  // namespace stockpulse
