#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "analytics/alert_config.h"
#include "analytics/fear_greed_index.h"
#include "analytics/time_map.h"
#include "common/named_type.h"
#include "common/rows.h"

namespace stockpulse {

// Turns window rows and Fear & Greed readings into alerts worth receiving (stream and table
// `alerts`), under the policy of AlertConfig:
// - "trend_signal_change": the symbol's trend signal changed and the new one held for
//   trend_dwell_windows consecutive windows; leaving the current signal needs the window's
//   position in its close range beyond system B's 0.6 / 0.4 thresholds by trend_margin
//   (hysteresis), so a window wobbling on a threshold does not flip it back and forth;
// - "sentiment_spike": a sentiment window's average compound is |z| >= spike_z standard deviations
//   from the mean of the symbol's previous baseline_windows windows, once at least min_baseline of
//   them exist (a zero-variance baseline never spikes: z is undefined);
// - "fear_greed_band": the Fear & Greed band changed, with a dwell of band_dwell_readings readings
//   and a margin of band_margin points beyond the band's edge.
// After an alert of a (symbol, kind), that pair is silent for cooldown_s of event time. Each
// alert has a severity (AlertConfig). A row marked `partial` (a window the end-of-input flush
// emitted before the watermark closed it) moves the state on but raises nothing: its numbers are
// those of a window cut short.
//
// Rows must come in time order per symbol (as SignalStage feeds final rows); a market window or
// Fear & Greed reading that does not start after the symbol's previous one (an update-mode
// re-emission, a replay) is ignored. Alerts are also deduplicated on (symbol, kind, ts): ts is
// the window end (or the F&G minute), so a re-emitted sentiment window raises its spike once.
//
// Lifecycle: one per pipeline; call the on_* methods as rows are produced. save()/restore()
// checkpoint the configuration, the per-symbol states and the deduplication and cool-down
// memories (format in analytics/checkpoint_frame.h), so a restored detector raises exactly the
// same alerts. Thread-safety: none; owned by one analytics thread.
class AlertDetector {
 public:
  explicit AlertDetector(AlertConfig config = {});

  std::vector<AlertRow> on_market_window(const MarketWindowRow& row, bool partial = false);
  std::vector<AlertRow> on_sentiment_window(const SentimentWindowRow& row, bool partial = false);
  std::vector<AlertRow> on_fear_greed(std::string_view symbol, const FearGreedReading& reading,
                                      bool partial = false);

  const AlertConfig& config() const { return config_; }
  // Alerts held back by the cool-down, and state changes of partial windows, since construction
  // (or as restored): what the policy silenced.
  uint64_t suppressed() const { return suppressed_; }

  // Appends a checkpoint to `out`: deterministic bytes (symbols in byte order), doubles bit-exact.
  void save(std::string& out) const;
  // Replaces the state with a checkpoint written by save() of a detector with the same
  // configuration. On truncated, corrupted or foreign bytes, a checkpoint of an older format, or
  // another configuration, it returns false and leaves the detector unchanged.
  bool restore(std::string_view in);

 private:
  // An emitted alert, for deduplication: its time, its symbol as an index into names_, and
  // which of kKinds it is. Ordered by time first so the oldest are pruned from the front. One
  // small set node per alert, not two nodes holding two strings each.
  struct Emitted {
    int64_t ts;
    uint32_t symbol;
    uint8_t kind;
    bool operator<(const Emitted& o) const {
      return std::tie(ts, symbol, kind) < std::tie(o.ts, o.symbol, o.kind);
    }
  };
  // A debounced state (trend signal or band, as its enum value): the state that holds, and a
  // different one seen for `held` consecutive rows. kNone: nothing yet.
  struct Debounced {
    static constexpr uint8_t kNone = 0xff;
    int64_t last = INT64_MIN;  // start (or minute) of the latest row taken
    uint8_t confirmed = kNone;
    uint8_t candidate = kNone;
    int32_t held = 0;
  };
  static constexpr size_t kKindCount = 3;

  uint32_t name_index(std::string_view symbol);
  // One row's state `effective` into `d`: the previous state when the row confirms a change.
  static std::optional<uint8_t> step(Debounced& d, uint8_t effective, int dwell);
  // True when an alert of (symbol, kind) at ts may be raised: not partial, out of the cool-down,
  // first of its key. Then remembered.
  bool admit(const std::string& symbol, uint8_t kind, EventTime ts, bool partial);
  void prune_dedup(int64_t now_ms);

  AlertConfig config_;
  std::unordered_map<std::string, Debounced> trends_;
  std::unordered_map<std::string, Debounced> bands_;
  // Latest average per window start, per symbol: the spike baseline.
  std::unordered_map<std::string, TimeMap<double>> sentiment_avgs_;
  // Time of the latest alert per symbol and kind (INT64_MIN: none), for the cool-down.
  std::unordered_map<std::string, std::array<int64_t, kKindCount>> last_alert_;
  std::set<Emitted> emitted_;
  // Symbols that raised an alert, interned for emitted_ (indices stay valid: never removed).
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> name_indices_;
  int64_t newest_ts_ = INT64_MIN;
  uint64_t suppressed_ = 0;
};

}  // namespace stockpulse
