#include "window/window_spec.h"

namespace stockpulse {

std::optional<std::string> validate(const WindowSpec& spec) {
  if (spec.slide_ms <= 0) {
    return "window slide must be positive, got " + std::to_string(spec.slide_ms) + " ms";
  }
  if (spec.size_ms <= 0) {
    return "window size must be positive, got " + std::to_string(spec.size_ms) + " ms";
  }
  if (spec.size_ms % spec.slide_ms != 0) {
    return "window size (" + std::to_string(spec.size_ms) +
           " ms) must be a multiple of the slide (" + std::to_string(spec.slide_ms) + " ms)";
  }
  // Every window is re-merged from its panes when it is emitted; a bound keeps that O(1)-ish and
  // rejects typos such as a 1 ms slide on a 1 day window.
  if (spec.size_ms / spec.slide_ms > 1024) {
    return "window size / slide must be at most 1024, got " +
           std::to_string(spec.size_ms / spec.slide_ms);
  }
  return std::nullopt;
}

}  // namespace stockpulse
