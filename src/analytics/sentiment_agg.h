#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "common/named_type.h"
#include "common/rows.h"

namespace stockpulse {

// Mergeable aggregate of compound sentiment scores: one pane (or one whole window) of posts about
// one symbol. Holds the count, a numerically stable running mean and sum of squared deviations
// (Welford for add, Chan et al. for merge), min/max, the bullish/bearish/neutral counts with the
// thresholds of label_of(), and the intensity histogram of sentiment_bucket().
//
// Lifecycle: default-constructed empty, filled with add() or merge(), turned into a serving row by
// to_sentiment_row(). It is trivially copyable so the window engine can checkpoint it as bytes;
// merge() is commutative and associative up to floating-point rounding.
// Thread-safety: a plain value; no internal synchronisation.
struct SentimentAgg {
  int64_t count = 0;
  double mean = 0;  // running mean of compound
  double m2 = 0;    // sum of squared deviations from the mean
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int64_t bullish = 0;
  int64_t bearish = 0;
  int64_t neutral = 0;
  std::array<int64_t, kSentimentHistogramBuckets> histogram{};

  void add(double compound);
  void merge(const SentimentAgg& other);

  bool empty() const { return count == 0; }
  // Sample variance (n - 1 in the denominator); 0 for fewer than two posts.
  double sample_variance() const;
};

static_assert(std::is_trivially_copyable_v<SentimentAgg>);

// The `topic_sentiment_avg` row of a window. An empty aggregate gives a row with tweet_count 0 and
// every statistic 0 (the window engine does not emit empty windows; this keeps the row total).
// sentiment_score_stddev is the sample standard deviation, 0 for a single post.
SentimentWindowRow to_sentiment_row(std::string_view symbol, EventTime start, EventTime end,
                                    const SentimentAgg& agg, bool is_final);

}  // namespace stockpulse
