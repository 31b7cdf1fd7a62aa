#pragma once

#include <string>
#include <vector>

#include "common/events.h"
#include "common/rows.h"

namespace stockpulse::testing {

// Builders for sink tests: small, explicit rows whose values the tests assert on directly.

inline ScoredPost make_post(std::string id, int64_t created_ms, double compound,
                            std::vector<std::pair<std::string, double>> tickers,
                            int32_t partition = 0, int64_t offset = 0) {
  ScoredPost sp;
  sp.post.id = std::move(id);
  sp.post.created_at = EventTime(created_ms);
  sp.post.text = "text of " + sp.post.id;
  sp.post.user = "user_" + sp.post.id;
  sp.post.source = "test";
  sp.post.position = SourcePosition{PartitionId(partition), Offset(offset)};
  sp.overall = SentimentScores{compound, 0.25, 0.5, 0.25};
  for (auto& [symbol, score] : tickers) {
    sp.tickers.push_back(TickerSentiment{symbol, SentimentScores{score, 0, 1, 0}});
  }
  return sp;
}

inline Bar make_bar(std::string symbol, int64_t ts_ms, double close, int32_t partition = 0,
                    int64_t offset = 0) {
  Bar b;
  b.symbol = std::move(symbol);
  b.ts = EventTime(ts_ms);
  b.open = close - 1;
  b.high = close + 2;
  b.low = close - 2;
  b.close = close;
  b.volume = 1000;
  b.vwap = close - 0.5;
  b.trade_count = 42;
  b.position = SourcePosition{PartitionId(partition), Offset(offset)};
  return b;
}

inline SentimentWindowRow make_sentiment_window(std::string symbol, int64_t start_ms,
                                                int64_t end_ms, int64_t count, double avg) {
  SentimentWindowRow r;
  r.symbol = std::move(symbol);
  r.window_start = EventTime(start_ms);
  r.window_end = EventTime(end_ms);
  r.tweet_count = count;
  r.sentiment_score_avg = avg;
  r.sentiment_score_min = avg - 0.5;
  r.sentiment_score_max = avg + 0.5;
  r.sentiment_score_stddev = 0.1;
  r.bullish_count = count / 2;
  r.bearish_count = count / 4;
  r.neutral_count = count - count / 2 - count / 4;
  r.bullish_share = count ? static_cast<double>(count / 2) / static_cast<double>(count) : 0;
  r.histogram[0] = 1;
  r.histogram[19] = count - 1;
  r.is_final = true;
  return r;
}

inline MarketWindowRow make_market_window(std::string symbol, int64_t start_ms, int64_t end_ms,
                                          double avg_close, TrendSignal signal) {
  MarketWindowRow r;
  r.symbol = std::move(symbol);
  r.window_start = EventTime(start_ms);
  r.window_end = EventTime(end_ms);
  r.bar_count = 5;
  r.open = avg_close - 1;
  r.high = avg_close + 3;
  r.low = avg_close - 3;
  r.close = avg_close + 1;
  r.total_volume = 5000;
  r.avg_close = avg_close;
  r.max_close = avg_close + 2;
  r.min_close = avg_close - 2;
  r.volatility = 1.5;
  r.avg_volume = 1000;
  r.buy_pressure = 0.6;
  r.avg_pct_change = 0.2;
  r.price_range = 4;
  r.trend_signal = signal;
  r.is_final = true;
  return r;
}

}  // namespace stockpulse::testing
