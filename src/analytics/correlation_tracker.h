#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/time_map.h"
#include "common/named_type.h"

namespace stockpulse {

struct CorrelationConfig {
  int window_minutes = 60;  // N: returns of the last N minutes take part
  int max_lag = 5;          // L: lags -L..+L minutes are tried
  int min_pairs = 10;       // fewer (sentiment, return) pairs than this give NaN
};

// Correlation of one symbol as of its latest minute.
struct CorrelationResult {
  EventTime as_of;  // latest minute seen
  double r_lag0 = std::numeric_limits<double>::quiet_NaN();
  int pairs_lag0 = 0;
  int best_lag = 0;  // > 0: sentiment leads the return by best_lag minutes
  double best_r = std::numeric_limits<double>::quiet_NaN();
  int pairs_best = 0;
};

// Rolling Pearson correlation, per symbol, between per-minute average sentiment and per-minute
// return, and the lag in [-L, +L] that maximises |r|.
//
// Definitions. Minutes are aligned to whole minutes (EventTime floored to 60 s). The return of
// minute u is close[u] / close[u - 1] - 1 and exists only when both minutes have a close (a gap,
// e.g. overnight, is not a one-minute return). For lag k the pairs are (sentiment[u - k],
// return[u]) for every minute u of the last N minutes ending at the latest minute, keeping the
// pairs where both values exist; k > 0 means sentiment k minutes earlier, so a positive best lag
// says sentiment leads price. r is NaN with fewer than min_pairs pairs or when either side has zero
// variance. Ties in |r| go to the smaller |k|, then to the positive k.
//
// Lifecycle: feed add_sentiment()/add_close() as minutes complete (a later value for the same
// minute replaces the earlier one, so update-mode revisions are fine), call compute() when a
// result is wanted. History older than N + L + 1 minutes before the latest minute is dropped.
// save()/restore() checkpoint the configuration and every series (format in
// analytics/checkpoint_frame.h); a restored tracker continues with exactly the same numbers.
// Thread-safety: none; owned by one analytics thread.
class CorrelationTracker {
 public:
  explicit CorrelationTracker(CorrelationConfig config = {});

  void add_sentiment(std::string_view symbol, EventTime minute, double avg_compound);
  void add_close(std::string_view symbol, EventTime minute, double close);

  // nullopt for a symbol never seen.
  std::optional<CorrelationResult> compute(std::string_view symbol) const;

  // Forgets every series whose latest minute lies more than N + L + 1 minutes before `now`, when
  // the caller knows no minute before `now` will be added any more: the next add to such a
  // series would prune all of it, so nothing compute() returns after that add changes. Keeps the
  // memory of symbols that fell silent (a rare cashtag) at nothing instead of their last hour.
  void drop_stale(EventTime now);
  size_t symbol_count() const { return series_.size(); }

  const CorrelationConfig& config() const { return config_; }

  // Appends a checkpoint to `out`: deterministic bytes (symbols in byte order), doubles bit-exact.
  void save(std::string& out) const;
  // Replaces the series with those of a checkpoint written by save() of a tracker with the same
  // configuration. On truncated, corrupted or foreign bytes, or another configuration, it returns
  // false and leaves the tracker unchanged.
  bool restore(std::string_view in);

 private:
  struct MinutePoint {
    double sentiment = std::numeric_limits<double>::quiet_NaN();
    double close = std::numeric_limits<double>::quiet_NaN();
  };
  struct Series {
    TimeMap<MinutePoint> minutes;  // key: minute index (ms / 60000)
    int64_t latest = std::numeric_limits<int64_t>::min();
  };

  Series& series_for(std::string_view symbol, int64_t minute_index);
  void prune(Series& s) const;
  // Pearson r over the pairs at lag k; pairs counted into *pairs.
  // The minutes [lo, latest] of a series, each a point or null, looked up once per compute().
  struct MinuteView {
    std::vector<const MinutePoint*> points;
    int64_t lo = 0;
    int64_t latest = 0;
    const MinutePoint* at(int64_t m) const {
      return m < lo || m > latest ? nullptr : points[static_cast<size_t>(m - lo)];
    }
  };
  double pearson_at_lag(const MinuteView& v, int lag, int* pairs) const;

  CorrelationConfig config_;
  std::unordered_map<std::string, Series> series_;
};

}  // namespace stockpulse
