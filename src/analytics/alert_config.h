#pragma once

#include <cstdint>

#include "common/rows.h"

namespace stockpulse {

// The policy of AlertDetector: what is worth an alert, and how loud it is. The TOML section
// `[alerts]` sets every field under the same name (example.toml documents the defaults).
// The defaults keep `make demo`'s synthetic data under 1 alert per symbol and hour
// (bench/alert_rate.sh); {.trend_dwell_windows = 1, .trend_margin = 0, .band_dwell_readings = 1,
// .band_margin = 0, .cooldown_s = 0} gives back the raw rules (every change is an alert).
struct AlertConfig {
  // sentiment_spike: |z| at or above spike_z against the symbol's previous baseline_windows
  // windows, once at least min_baseline exist.
  double spike_z = 3.0;
  int min_baseline = 10;
  int baseline_windows = 60;
  // trend_signal_change: a new signal must hold for trend_dwell_windows consecutive windows, and
  // leaving the current signal takes the window's position in its close range ((avg - min) /
  // (max - min)) beyond system B's 0.6 / 0.4 thresholds by trend_margin.
  int trend_dwell_windows = 3;
  double trend_margin = 0.05;
  // fear_greed_band: a new band must hold for band_dwell_readings consecutive readings (one per
  // slide), and leaving the current band takes the score beyond its edge by band_margin points.
  int band_dwell_readings = 5;
  double band_margin = 5.0;
  // After an alert of one (symbol, kind), no other of that (symbol, kind) for cooldown_s of event
  // time (the state still follows the data, so the next alert compares with what holds then).
  int64_t cooldown_s = 3600;
  // Severity: spikes by |z|, trend changes by the strength |2 * position - 1| of the window that
  // confirms them (a direct BULLISH <-> BEARISH flip one level higher); band changes by the
  // number of bands crossed (1 info, 2 warning, 3+ critical; entering an extreme band at least
  // warning).
  double spike_z_warning = 4.5;
  double spike_z_critical = 6.0;
  double trend_strength_warning = 0.6;
  double trend_strength_critical = 0.9;
  int64_t dedup_retention_ms = 24 * 60 * 60 * 1000LL;  // how long emitted keys are remembered
};

}  // namespace stockpulse
