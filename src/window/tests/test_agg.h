#pragma once

#include <cstdint>
#include <limits>

namespace stockpulse::testing {

// The aggregate the window tests run on: count, sum, min and max of the event values.
struct TestAgg {
  int64_t count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  void add(double v) {
    ++count;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  void merge(const TestAgg& o) {
    count += o.count;
    sum += o.sum;
    if (o.min < min) min = o.min;
    if (o.max > max) max = o.max;
  }
};

}  // namespace stockpulse::testing
