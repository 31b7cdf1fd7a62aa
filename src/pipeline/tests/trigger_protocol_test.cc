// The trigger / flush protocol every driver runs, on an injected clock: a trigger emits update
// rows and lets the lake roll only once the clock has reached it, the end-of-input flush emits
// every open window as final, and a checkpoint schedule waits for its own interval.

#include "pipeline/trigger_protocol.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "pipeline/trigger_schedule.h"

namespace stockpulse {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000 - 1'700'000'000'000 % 60'000;

ScoredPost post_at(int64_t t, int64_t offset, const char* ticker, double compound) {
  ScoredPost p;
  p.post.id = std::to_string(offset);
  p.post.text = "post";
  p.post.created_at = EventTime(t);
  p.post.position = {PartitionId(0), Offset(offset)};
  p.overall.compound = compound;
  TickerSentiment ts;
  ts.symbol = ticker;
  ts.scores.compound = compound;
  p.tickers.push_back(ts);
  return p;
}

struct Rows {
  size_t updates = 0;
  size_t finals = 0;
  std::set<std::string> symbols;
};

Rows sentiment_rows(const SinkBatch& sink) {
  Rows r;
  for (const auto& w : sink.sentiment_windows) {
    (w.is_final ? r.finals : r.updates) += 1;
    r.symbols.insert(w.symbol);
  }
  return r;
}

// A window stage fed with a few posts on a simulated clock, as a driver's window thread has it.
struct Fixture {
  Config config;
  SimulatedClock clock{5'000};
  PipelineMetrics metrics;
  WindowStage stage{config, clock, metrics, WindowStage::Options{}};
  SinkBatch sink;
  std::vector<DeadLetter> letters;

  void feed() {
    for (int i = 0; i < 5; ++i) {
      ScoredPost p = post_at(kT0 + i * 1000, i, "AAPL", 0.5);
      stage.add_post(p, sink, letters);
    }
    stage.advance_watermarks(sink);
    ASSERT_TRUE(letters.empty());
  }
};

TEST(TriggerSchedule, DueOnlyOnceTheClockReachesTheInterval) {
  SimulatedClock clock(10'000);
  TriggerSchedule schedule(clock, std::chrono::milliseconds(1000));
  EXPECT_EQ(schedule.next_ms(), 11'000);
  EXPECT_FALSE(schedule.due());
  clock.set(10'999);
  EXPECT_FALSE(schedule.due());
  clock.set(11'000);
  EXPECT_TRUE(schedule.due());
  clock.set(11'400);
  schedule.restart();  // the next one counts from the restart, not from the missed due time
  EXPECT_FALSE(schedule.due());
  clock.set(12'399);
  EXPECT_FALSE(schedule.due());
  clock.set(12'400);
  EXPECT_TRUE(schedule.due());
}

TEST(TriggerProtocol, EmitsUpdatesAndRollsTheLakeWhenTheClockSaysSoAndNotBefore) {
  Fixture f;
  f.feed();
  TriggerSchedule trigger(f.clock, std::chrono::milliseconds(1000));
  // The posts alone close no window: nothing for the sinks yet.
  EXPECT_EQ(sentiment_rows(f.sink).updates + sentiment_rows(f.sink).finals, 0u);

  f.clock.advance(999);
  EXPECT_FALSE(fire_trigger_if_due(trigger, f.stage, f.sink));
  EXPECT_TRUE(f.sink.sentiment_windows.empty()) << "updates before the trigger is due";
  EXPECT_FALSE(f.sink.roll_lake) << "the lake may roll only on a trigger";
  EXPECT_EQ(f.sink.posts.size(), 5u) << "the posts go to the sinks with the next batch anyway";
  EXPECT_FALSE(has_work(SinkBatch{}));

  f.clock.advance(1);
  ASSERT_TRUE(fire_trigger_if_due(trigger, f.stage, f.sink));
  const Rows rows = sentiment_rows(f.sink);
  EXPECT_GT(rows.updates, 0u);
  EXPECT_EQ(rows.finals, 0u) << "the watermark has not passed any window";
  EXPECT_EQ(rows.symbols, (std::set<std::string>{"*", "AAPL"}));
  EXPECT_TRUE(f.sink.roll_lake);
  EXPECT_TRUE(has_work(f.sink));

  // The driver hands the rows on and restarts the schedule: the next trigger waits again, and
  // with no new record it has no update to emit.
  f.sink = SinkBatch{};
  trigger.restart();
  EXPECT_FALSE(fire_trigger_if_due(trigger, f.stage, f.sink));
  f.clock.advance(1000);
  ASSERT_TRUE(fire_trigger_if_due(trigger, f.stage, f.sink));
  EXPECT_TRUE(f.sink.sentiment_windows.empty()) << "unchanged windows emitted again";
  EXPECT_TRUE(f.sink.roll_lake);
}

TEST(TriggerProtocol, OneTriggerCoversEveryStageOfTheDriver) {
  // The Kafka driver has one stage per keyed partition; one trigger emits the updates of all.
  Fixture a, b;
  a.feed();
  ScoredPost p = post_at(kT0, 0, "MSFT", -0.5);
  b.stage.add_post(p, b.sink, b.letters);
  WindowStage* stages[] = {&a.stage, &b.stage};
  SinkBatch sink;
  fire_trigger(stages, sink);
  EXPECT_EQ(sentiment_rows(sink).symbols, (std::set<std::string>{"*", "AAPL", "MSFT"}));
  EXPECT_TRUE(sink.roll_lake);
  // No stage (a Kafka member with no partition assigned): the lake still gets its roll.
  SinkBatch none;
  fire_trigger(std::span<WindowStage* const>(), none);
  EXPECT_TRUE(none.roll_lake);
}

TEST(TriggerProtocol, EndOfInputFlushEmitsEveryOpenWindowOnceAsFinal) {
  Fixture f;
  f.feed();
  fire_trigger(f.stage, f.sink);
  const size_t open_windows = sentiment_rows(f.sink).updates;
  ASSERT_GT(open_windows, 0u);
  f.sink = SinkBatch{};

  flush_end_of_input(f.stage, f.sink);
  const Rows rows = sentiment_rows(f.sink);
  EXPECT_EQ(rows.updates, 0u);
  EXPECT_EQ(rows.finals, open_windows) << "each open window once, as final";
  EXPECT_EQ(rows.symbols, (std::set<std::string>{"*", "AAPL"}));
  int64_t posts = 0;
  for (const auto& w : f.sink.sentiment_windows) {
    if (w.symbol == "*" && w.window_start.value() <= kT0 && kT0 < w.window_end.value()) {
      posts = std::max(posts, w.tweet_count);
    }
  }
  EXPECT_GE(posts, 1);

  // Flushed once: a second flush has nothing left.
  SinkBatch again;
  flush_end_of_input(f.stage, again);
  EXPECT_TRUE(again.sentiment_windows.empty());
}

}  // namespace
}  // namespace stockpulse
