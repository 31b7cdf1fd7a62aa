#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace stockpulse {

// The shape of the event-time windows of one engine.
//
// Windows are half-open [start, end) and aligned to the Unix epoch: start % slide_ms == 0 and
// end == start + size_ms. size_ms == slide_ms gives tumbling windows; size_ms > slide_ms gives
// sliding (hopping) windows, each event belonging to size_ms / slide_ms of them. A pane is one
// slide-sized slice [p * slide_ms, (p + 1) * slide_ms); window number s is made of panes
// s .. s + panes_per_window() - 1 and starts at s * slide_ms.
//
// A plain value; copy freely.
struct WindowSpec {
  int64_t size_ms = 300000;
  int64_t slide_ms = 60000;

  // Number of panes in one window. Only meaningful for a spec that validate() accepts.
  int64_t panes_per_window() const { return size_ms / slide_ms; }

  friend bool operator==(const WindowSpec&, const WindowSpec&) = default;
};

// nullopt when the spec is usable, else a message saying what is wrong with it: both sizes must
// be positive, size a multiple of slide, and a window at most 1024 panes (so that combining the
// panes of one window stays cheap).
std::optional<std::string> validate(const WindowSpec& spec);

// Floor division that rounds toward minus infinity, so that times before the epoch land in the
// pane that contains them (C++'s `/` truncates toward zero).
constexpr int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The pane holding event time t (milliseconds).
constexpr int64_t pane_of(int64_t t_ms, int64_t slide_ms) {
  return floor_div(t_ms, slide_ms);
}

}  // namespace stockpulse
