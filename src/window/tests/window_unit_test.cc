#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "test_agg.h"
#include "window/key_table.h"
#include "window/window_engine.h"
#include "window/window_spec.h"

namespace stockpulse {
namespace {

using testing::TestAgg;
using Engine = WindowEngine<TestAgg>;

TEST(WindowSpec, Validate) {
  EXPECT_FALSE(validate(WindowSpec{}).has_value());
  EXPECT_FALSE(validate(WindowSpec{60000, 60000}).has_value());
  EXPECT_TRUE(validate(WindowSpec{300000, 0}).has_value());
  EXPECT_TRUE(validate(WindowSpec{0, 60000}).has_value());
  EXPECT_TRUE(validate(WindowSpec{-60000, -60000}).has_value());
  EXPECT_TRUE(validate(WindowSpec{300000, 70000}).has_value());
  EXPECT_TRUE(validate(WindowSpec{2000, 1}).has_value());  // 2000 panes per window
}

TEST(WindowSpec, FloorDiv) {
  EXPECT_EQ(floor_div(0, 60), 0);
  EXPECT_EQ(floor_div(59, 60), 0);
  EXPECT_EQ(floor_div(60, 60), 1);
  EXPECT_EQ(floor_div(-1, 60), -1);
  EXPECT_EQ(floor_div(-60, 60), -1);
  EXPECT_EQ(floor_div(-61, 60), -2);
}

TEST(KeyTable, InsertFindAndStableViews) {
  KeyTable t;
  std::string_view first_view;
  for (int i = 0; i < 5000; ++i) {
    const std::string k = "SYM" + std::to_string(i) + (i % 7 == 0 ? std::string(40, 'x') : "");
    EXPECT_EQ(t.insert(k, KeyTable::hash(k)), static_cast<uint32_t>(i));
    if (i == 0) first_view = t.key(0);
  }
  EXPECT_EQ(t.size(), 5000u);
  for (int i = 0; i < 5000; ++i) {
    const std::string k = "SYM" + std::to_string(i) + (i % 7 == 0 ? std::string(40, 'x') : "");
    auto found = t.find(k);
    ASSERT_TRUE(found.has_value()) << k;
    EXPECT_EQ(*found, static_cast<uint32_t>(i));
    EXPECT_EQ(t.key(*found), k);
  }
  EXPECT_FALSE(t.find("SYM5000").has_value());
  EXPECT_FALSE(t.find("").has_value());
  EXPECT_EQ(first_view, t.key(0));  // still valid after many inserts
  EXPECT_EQ(t.insert("SYM3", KeyTable::hash("SYM3")), 3u);
}

TEST(WindowEngine, InvalidSpecIsAStartUpError) {
  Engine::Options o;
  o.spec = {300000, 70000};
  EXPECT_THROW(Engine{o}, std::invalid_argument);
}

TEST(WindowEngine, DefaultRingCoversWindowPlusLateness) {
  Engine e(Engine::Options{});
  // 5 panes of window + 10 of lateness, doubled: 32 slots.
  EXPECT_EQ(e.ring_panes(), 32u);
}

// Memory must not grow with the length of a well-behaved stream: panes behind the watermark are
// freed and the rings are reused.
TEST(WindowEngine, MemoryStaysBoundedOnLongStream) {
  Engine::Options o;
  Engine e(o);
  size_t finals = 0;
  auto count = [&](const WindowResult<TestAgg>&) { ++finals; };
  size_t memory_after_warmup = 0;
  int64_t t = 0;
  for (int i = 0; i < 200000; ++i) {
    t += 997;  // about one event per second per key over 100 keys
    const std::string key = "K" + std::to_string(i % 100);
    ASSERT_EQ(e.add(key, EventTime(t - (i % 20 == 0 ? 30000 : 0)), [](TestAgg& a) { a.add(1); }),
              Engine::AddStatus::kAccepted);
    e.advance_watermark(EventTime(t - 600000), count);
    if (i % 1000 == 0) e.emit_updates([](const auto&) {});
    if (i == 20000) memory_after_warmup = e.memory_bytes();
  }
  EXPECT_GT(finals, 0u);
  EXPECT_EQ(e.overflow_pane_count(), 0u);
  EXPECT_LE(e.pane_count(), 100u * 32u);
  EXPECT_LE(e.memory_bytes(), memory_after_warmup + 4096);
}

TEST(WindowEngine, LookupOfKnownKeyDoesNotNeedAString) {
  Engine e(Engine::Options{});
  const char buf[] = "AAPLxyz";
  EXPECT_EQ(e.add(std::string_view(buf, 4), EventTime(0), [](TestAgg& a) { a.add(1); }),
            Engine::AddStatus::kAccepted);
  EXPECT_EQ(e.add("AAPL", EventTime(1), [](TestAgg& a) { a.add(1); }),
            Engine::AddStatus::kAccepted);
  EXPECT_EQ(e.key_count(), 1u);
}

}  // namespace
}  // namespace stockpulse
