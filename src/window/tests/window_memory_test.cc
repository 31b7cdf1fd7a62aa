// Per-key memory of the window engine (issue #14): state sized to the data, not to the ring's
// reach. Bounds are stated in slots of the aggregate, so they hold for any Agg; the measured
// figures for SentimentAgg are in README.md.
#include <gtest/gtest.h>

#include <string>

#include "test_agg.h"
#include "window/window_engine.h"

namespace stockpulse {
namespace {

using testing::TestAgg;
using Engine = WindowEngine<TestAgg>;
constexpr size_t kSlot = sizeof(PaneSlot<TestAgg>);

double bytes_per_key(const Engine& e) {
  return static_cast<double>(e.memory_bytes()) / static_cast<double>(e.key_count());
}

// Keys mentioned once each over a day (a long tail of rare cashtags): once their windows are
// final a key holds no pane storage, only its name and bookkeeping.
TEST(WindowMemory, RareKeysHoldNoPaneStorage) {
  Engine e(Engine::Options{});
  const int64_t keys = 20000, span = 86400000;
  for (int64_t i = 0; i < keys; ++i) {
    const int64_t t = span * i / keys;
    ASSERT_EQ(e.add("K" + std::to_string(i), EventTime(t), [](TestAgg& a) { a.add(1); }),
              Engine::AddStatus::kAccepted);
    e.advance_watermark(EventTime(t - 600000), [](const auto&) {});
  }
  // Keys with open windows (the last ~15 minutes, 1% of them) hold one slot; the rest none.
  EXPECT_LT(bytes_per_key(e), 160.0 + 0.02 * kSlot);
  EXPECT_LT(bytes_per_key(e) * 4, static_cast<double>(e.ring_panes() * kSlot));
}

// Busy keys (an event every few seconds) hold about the span of their open panes: the window
// plus the lateness, 16 of the 32 panes the ring can reach, rounded up to a power of two.
TEST(WindowMemory, BusyKeysHoldTheirOpenSpan) {
  Engine e(Engine::Options{});
  const int64_t keys = 200, n = 400000, span = 390 * 60000;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = span * i / n;
    e.add("K" + std::to_string(i % keys), EventTime(t), [](TestAgg& a) { a.add(1); });
    e.advance_watermark(EventTime(t - 600000), [](const auto&) {});
  }
  EXPECT_EQ(e.overflow_pane_count(), 0u);
  EXPECT_LE(bytes_per_key(e), 32.0 * kSlot + 160.0);
  EXPECT_GE(bytes_per_key(e), 16.0 * kSlot);
}

// A key silent for a year holds nothing for that year: no fill across the gap.
TEST(WindowMemory, GapsCostNothing) {
  Engine e(Engine::Options{});
  std::vector<WindowResult<TestAgg>> finals;
  auto on_final = [&](const WindowResult<TestAgg>& r) { finals.push_back(r); };
  e.add("A", EventTime(0), [](TestAgg& a) { a.add(1); });
  e.advance_watermark(EventTime(3600000), on_final);
  const size_t idle = e.memory_bytes();
  const int64_t year = 365LL * 86400000;
  e.add("A", EventTime(year), [](TestAgg& a) { a.add(2); });
  EXPECT_LE(e.memory_bytes(), idle + 2 * kSlot);
  e.advance_watermark(EventTime(year + 3600000), on_final);
  EXPECT_EQ(e.memory_bytes(), idle);
  EXPECT_EQ(finals.size(), 10u);  // five windows around each event, nothing in between
}

}  // namespace
}  // namespace stockpulse
