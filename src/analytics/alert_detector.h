#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "analytics/fear_greed_index.h"
#include "analytics/time_map.h"
#include "common/named_type.h"
#include "common/rows.h"

namespace stockpulse {

struct AlertConfig {
  double spike_z = 3.0;       // |z| at or above this is a sentiment spike
  int min_baseline = 10;      // earlier windows needed before a spike can be called
  int baseline_windows = 60;  // rolling baseline length
  int64_t dedup_retention_ms = 24 * 60 * 60 * 1000LL;  // how long emitted keys are remembered
};

// Turns window rows and Fear & Greed readings into alerts (stream and table `alerts`):
// - "trend_signal_change": a market window's trend_signal differs from that of the symbol's
//   previous window (the latest window that starts earlier);
// - "sentiment_spike": a sentiment window's average compound is |z| >= spike_z standard deviations
//   from the mean of the symbol's previous baseline_windows windows, once at least min_baseline of
//   them exist (a zero-variance baseline never spikes: z is undefined);
// - "fear_greed_band": a Fear & Greed reading falls in another band than the symbol's previous
//   minute.
// Alerts are deduplicated on (symbol, kind, ts): ts is the window end (or the F&G minute), so a
// window re-emitted in update mode, or re-read after a restart, raises its alert once. Rows may be
// fed in update mode, but then an alert reflects the window as first seen; feed final rows for
// alerts that never need revising.
//
// Lifecycle: one per pipeline; call the on_* methods as rows are produced. save()/restore()
// checkpoint the configuration, the per-symbol histories and the deduplication memory (format in
// analytics/checkpoint_frame.h), so a restored detector raises exactly the same alerts.
// Thread-safety: none; owned by one analytics thread.
class AlertDetector {
 public:
  explicit AlertDetector(AlertConfig config = {});

  std::vector<AlertRow> on_market_window(const MarketWindowRow& row);
  std::vector<AlertRow> on_sentiment_window(const SentimentWindowRow& row);
  std::vector<AlertRow> on_fear_greed(std::string_view symbol, const FearGreedReading& reading);

  const AlertConfig& config() const { return config_; }

  // Appends a checkpoint to `out`: deterministic bytes (symbols in byte order), doubles bit-exact.
  void save(std::string& out) const;
  // Replaces the state with a checkpoint written by save() of a detector with the same
  // configuration. On truncated, corrupted or foreign bytes, or another configuration, it returns
  // false and leaves the detector unchanged.
  bool restore(std::string_view in);

 private:
  // An emitted alert, for deduplication: its time, its symbol as an index into names_, and
  // which of kKinds it is. Ordered by time first so the oldest are pruned from the front. One
  // small set node per alert (a busy symbol raises hundreds a day), not two nodes holding two
  // strings each.
  struct Emitted {
    int64_t ts;
    uint32_t symbol;
    uint8_t kind;
    bool operator<(const Emitted& o) const {
      return std::tie(ts, symbol, kind) < std::tie(o.ts, o.symbol, o.kind);
    }
  };
  uint32_t name_index(std::string_view symbol);

  // True (and remembered) the first time a key is seen.
  bool first_time(const std::string& symbol, const char* kind, EventTime ts);
  void prune_dedup(int64_t now_ms);

  AlertConfig config_;
  // Latest value per window start, per symbol; bounded to the most recent windows (what the
  // rules read, plus some slack for rows that come out of order).
  std::unordered_map<std::string, TimeMap<TrendSignal>> signals_;
  std::unordered_map<std::string, TimeMap<double>> sentiment_avgs_;
  std::unordered_map<std::string, TimeMap<FearGreedBand>> bands_;
  std::set<Emitted> emitted_;
  // Symbols that raised an alert, interned for emitted_ (indices stay valid: never removed).
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> name_indices_;
  int64_t newest_ts_ = INT64_MIN;
};

}  // namespace stockpulse
