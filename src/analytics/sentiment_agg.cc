#include "analytics/sentiment_agg.h"

#include <cmath>
#include <string>

#include "common/events.h"

namespace stockpulse {

void SentimentAgg::add(double compound) {
  // Welford's update: the mean and M2 never subtract two large sums, so the variance stays exact
  // to a few ulps even after millions of posts with nearly equal scores.
  ++count;
  const double delta = compound - mean;
  mean += delta / static_cast<double>(count);
  m2 += delta * (compound - mean);
  if (compound < min) min = compound;
  if (compound > max) max = compound;
  switch (label_of(compound)) {
    case SentimentLabel::kBullish:
      ++bullish;
      break;
    case SentimentLabel::kBearish:
      ++bearish;
      break;
    case SentimentLabel::kNeutral:
      ++neutral;
      break;
  }
  ++histogram[static_cast<size_t>(sentiment_bucket(compound))];
}

void SentimentAgg::merge(const SentimentAgg& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  // Chan, Golub & LeVeque's pairwise combination of (n, mean, M2).
  const double na = static_cast<double>(count);
  const double nb = static_cast<double>(other.count);
  const double n = na + nb;
  const double delta = other.mean - mean;
  mean += delta * (nb / n);
  m2 += other.m2 + delta * delta * (na * nb / n);
  count += other.count;
  if (other.min < min) min = other.min;
  if (other.max > max) max = other.max;
  bullish += other.bullish;
  bearish += other.bearish;
  neutral += other.neutral;
  for (size_t i = 0; i < histogram.size(); ++i) histogram[i] += other.histogram[i];
}

double SentimentAgg::sample_variance() const {
  if (count < 2) return 0;
  // Rounding can leave M2 a hair below zero when every score is equal.
  return m2 > 0 ? m2 / static_cast<double>(count - 1) : 0;
}

SentimentWindowRow to_sentiment_row(std::string_view symbol, EventTime start, EventTime end,
                                    const SentimentAgg& agg, bool is_final) {
  SentimentWindowRow row;
  row.symbol = std::string(symbol);
  row.window_start = start;
  row.window_end = end;
  row.is_final = is_final;
  row.tweet_count = agg.count;
  if (agg.count == 0) return row;
  row.sentiment_score_avg = agg.mean;
  row.sentiment_score_min = agg.min;
  row.sentiment_score_max = agg.max;
  row.sentiment_score_stddev = std::sqrt(agg.sample_variance());
  row.bullish_count = agg.bullish;
  row.bearish_count = agg.bearish;
  row.neutral_count = agg.neutral;
  row.bullish_share = static_cast<double>(agg.bullish) / static_cast<double>(agg.count);
  row.histogram = agg.histogram;
  return row;
}

}  // namespace stockpulse
