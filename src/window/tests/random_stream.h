#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "window/window_spec.h"

namespace stockpulse::testing {

// One step of a random test stream.
struct StreamStep {
  enum class Kind { kEvent, kEmit, kFlush };
  Kind kind = Kind::kEvent;
  std::string key;
  int64_t t = 0;
  double value = 0;
};

// A random stream and the engine settings it runs with: out-of-order events within and beyond
// the lateness, duplicate times, jumps far ahead, keys beyond the key cap, update emissions and
// flushes in the middle.
struct RandomStream {
  WindowSpec spec;
  int64_t lateness = 0;
  size_t max_keys = 0;
  uint32_t ring_panes = 0;
  std::vector<StreamStep> steps;
};

inline RandomStream make_random_stream(uint64_t seed, int max_events = 200) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  RandomStream s;
  const int64_t slides[] = {10, 25, 100, 60000};
  const int64_t slide = slides[pick(0, 3)];
  const int64_t k = std::vector<int64_t>{1, 2, 3, 5}[pick(0, 3)];
  s.spec = {slide * k, slide};
  const int64_t lateness_panes[] = {0, 1, 3, 10};
  s.lateness = lateness_panes[pick(0, 3)] * slide + (pick(0, 1) ? pick(0, slide - 1) : 0);
  const int nkeys = static_cast<int>(pick(1, 6));
  s.max_keys = pick(0, 3) == 0 ? static_cast<size_t>(pick(1, 4)) : 100;
  s.ring_panes = static_cast<uint32_t>(std::vector<int64_t>{0, 0, 2, 4, 8}[pick(0, 4)]);
  const int n = static_cast<int>(pick(1, max_events));
  int64_t cursor = pick(-1000, 1000) * slide;
  for (int i = 0; i < n; ++i) {
    const int64_t r = pick(0, 99);
    if (r < 8) {
      s.steps.push_back({StreamStep::Kind::kEmit});
      continue;
    }
    if (r == 8 && pick(0, 3) == 0) {
      s.steps.push_back({StreamStep::Kind::kFlush});
      continue;
    }
    StreamStep e;
    e.key = "k" + std::to_string(pick(0, nkeys - 1));
    e.value = static_cast<double>(pick(-50, 50));  // integers: sums are exact in any order
    cursor += pick(0, slide);
    const int64_t shape = pick(0, 99);
    if (shape < 60) {
      e.t = cursor;
    } else if (shape < 85) {
      e.t = cursor - pick(0, s.lateness + slide);  // around the lateness edge
    } else if (shape < 95) {
      e.t = cursor - pick(0, 4 * (s.lateness + slide));  // often late
    } else if (shape < 98) {
      e.t = cursor + pick(20, 400) * slide;  // far ahead, cursor stays: overflow panes
    } else {
      cursor += pick(20, 400) * slide;  // a gap in the stream (overnight)
      e.t = cursor;
    }
    s.steps.push_back(e);
  }
  s.steps.push_back({StreamStep::Kind::kFlush});
  return s;
}

}  // namespace stockpulse::testing
