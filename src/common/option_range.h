#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

namespace stockpulse {

// Floating-point options (flags and TOML values) must be finite numbers within a documented
// range: "nan", "inf" or 1e308 would otherwise reach sleeps, clocks and loops (a NaN passes every
// `<`/`>` check). Returns "" when `value` is finite and within [lo, hi] (and, with
// `zero_allowed`, also for exactly 0, meaning "off" for options like --replay-speed), else a
// message naming `name` and the range, for the caller's start-up error.
inline std::string check_option_range(std::string_view name, double value, double lo, double hi,
                                      bool zero_allowed = false) {
  if (std::isfinite(value) && ((value >= lo && value <= hi) || (zero_allowed && value == 0))) {
    return "";
  }
  char text[160];
  std::snprintf(text, sizeof text, "must be %sa finite number in [%g, %g], not %g",
                zero_allowed ? "0 or " : "", lo, hi, value);
  return std::string(name) + " " + text;
}

}  // namespace stockpulse
