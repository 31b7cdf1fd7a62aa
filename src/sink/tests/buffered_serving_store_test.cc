#include "sink/buffered_serving_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sink/tests/sink_test_data.h"

namespace stockpulse {
namespace {

using namespace std::chrono_literals;
using testing::make_bar;
using testing::make_post;

// A store that fails every call while `down` is set, and otherwise records what it got, in
// order. Calls come from the decorator's delivery thread, reads from the test thread.
class FlakyStore final : public ServingStore {
 public:
  std::atomic<bool> down{false};
  std::atomic<int> calls{0};

  void write_posts(std::span<const ScoredPost> posts) override {
    attempt();
    std::lock_guard lock(mu_);
    ++post_calls_;
    for (const auto& p : posts) log_.push_back("post:" + p.post.id);
  }
  int post_calls() const {
    std::lock_guard lock(mu_);
    return post_calls_;
  }
  void write_bars(std::span<const Bar> bars) override {
    attempt();
    std::lock_guard lock(mu_);
    for (const auto& b : bars) log_.push_back("bar:" + std::to_string(b.ts.value()));
  }
  void write_sentiment_windows(std::span<const SentimentWindowRow>) override { attempt(); }
  void write_market_windows(std::span<const MarketWindowRow>) override { attempt(); }
  void write_alerts(std::span<const AlertRow> rows) override {
    attempt();
    std::lock_guard lock(mu_);
    for (const auto& a : rows) log_.push_back("alert:" + a.kind);
  }
  void write_indicators(std::span<const IndicatorRow>) override { attempt(); }
  void write_fear_greed(std::span<const FearGreedRow>) override { attempt(); }
  void write_correlations(std::span<const CorrelationRow>) override { attempt(); }
  void delete_alerts(EventTime, EventTime) override {
    attempt();
    std::lock_guard lock(mu_);
    log_.push_back("delete_alerts");
  }
  void flush() override {
    attempt();
    std::lock_guard lock(mu_);
    log_.push_back("flush");
  }
  std::vector<std::string> log() const {
    std::lock_guard lock(mu_);
    return log_;
  }

 private:
  void attempt() {
    ++calls;
    if (down) throw std::runtime_error("store is down");
  }
  mutable std::mutex mu_;
  std::vector<std::string> log_;
  int post_calls_ = 0;
};

// The entries of `log` that start with `prefix`, in order.
std::vector<std::string> only(const std::vector<std::string>& log, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : log) {
    if (e.starts_with(prefix)) out.push_back(e);
  }
  return out;
}

BufferOptions fast_options() {
  BufferOptions o;
  o.initial_backoff = 1ms;
  o.max_backoff = 5ms;
  o.close_timeout = 2s;
  return o;
}

TEST(BufferedServingStore, DeliversInOrderAndFlushes) {
  auto flaky = std::make_unique<FlakyStore>();
  FlakyStore* inner = flaky.get();
  BufferedServingStore store(std::move(flaky), fast_options());
  std::vector<ScoredPost> a = {make_post("a1", 1, 0.5, {{"AAPL", 0.5}}),
                               make_post("a2", 2, 0.5, {})};
  std::vector<Bar> b = {make_bar("AAPL", 10, 100)};
  store.write_posts(a);
  store.write_bars(b);
  store.write_posts(std::span<const ScoredPost>(a).subspan(1));
  store.flush();
  // Each table in the order written (a backlog may merge the two posts writes), flush last.
  const auto log = inner->log();
  EXPECT_EQ(only(log, "post:"), (std::vector<std::string>{"post:a1", "post:a2", "post:a2"}));
  EXPECT_EQ(only(log, "bar:"), (std::vector<std::string>{"bar:10"}));
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log.back(), "flush");
  const auto c = store.counters();
  EXPECT_EQ(c.rows_written, 4u);
  EXPECT_EQ(c.buffered_rows, 0u);
  EXPECT_EQ(c.errors, 0u);
}

TEST(BufferedServingStore, RetriesWhileDownThenWritesEverythingInOrder) {
  auto flaky = std::make_unique<FlakyStore>();
  FlakyStore* inner = flaky.get();
  inner->down = true;
  std::vector<std::string> errors_seen;
  std::mutex errors_mu;
  BufferOptions o = fast_options();
  o.on_error = [&](const std::string& e) {
    std::lock_guard lock(errors_mu);
    errors_seen.push_back(e);
  };
  BufferedServingStore store(std::move(flaky), o);
  std::vector<std::string> expected;
  for (int i = 0; i < 50; ++i) {
    std::vector<Bar> bars = {make_bar("X", i, 1)};
    store.write_bars(bars);
    expected.push_back("bar:" + std::to_string(i));
  }
  // Nothing can be delivered yet, and every row is waiting. Wait for a retry rather than a fixed
  // 30 ms: under a sanitizer on a loaded machine the writer thread's first attempt can take longer.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (store.counters().retries == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(inner->log().empty());
  EXPECT_EQ(store.counters().buffered_rows, 50u);
  EXPECT_GT(store.counters().retries, 0u);
  EXPECT_EQ(store.last_error(), "store is down");
  inner->down = false;
  ASSERT_TRUE(store.drain(5s));
  EXPECT_EQ(inner->log(), expected);
  const auto c = store.counters();
  EXPECT_EQ(c.rows_written, 50u);
  EXPECT_EQ(c.buffered_rows, 0u);
  EXPECT_EQ(c.buffered_bytes, 0u);
  EXPECT_GE(c.errors, 1u);
  std::lock_guard lock(errors_mu);
  EXPECT_FALSE(errors_seen.empty());
}

TEST(BufferedServingStore, MergesBacklogOfOneTable) {
  auto flaky = std::make_unique<FlakyStore>();
  FlakyStore* inner = flaky.get();
  inner->down = true;
  BufferedServingStore store(std::move(flaky), fast_options());
  for (int i = 0; i < 20; ++i) {
    std::vector<Bar> bars = {make_bar("X", i, 1)};
    store.write_bars(bars);
  }
  std::this_thread::sleep_for(20ms);
  inner->down = false;
  ASSERT_TRUE(store.drain(5s));
  EXPECT_EQ(inner->log().size(), 20u);
  // The first call may have taken a partial backlog, the rest must have been merged.
  EXPECT_LT(store.counters().batches_written, 20u);
}

// A backlog of posts interleaved with other tables' writes (as the pipeline writes them: posts,
// then a trigger's windows, then posts...) goes out as one posts write, each table in order; an
// alert deletion is a barrier: alerts written before it are delivered before it, later ones
// after it.
TEST(BufferedServingStore, MergesATablesBacklogAcrossOtherTablesButNotAcrossBarriers) {
  auto flaky = std::make_unique<FlakyStore>();
  FlakyStore* inner = flaky.get();
  inner->down = true;
  BufferedServingStore store(std::move(flaky), fast_options());
  std::vector<std::string> posts_written;
  std::vector<std::string> bars_written;
  for (int i = 0; i < 10; ++i) {
    std::vector<ScoredPost> p = {make_post("p" + std::to_string(i), i, 0.1, {{"AAPL", 0.1}})};
    store.write_posts(p);
    posts_written.push_back("post:p" + std::to_string(i));
    std::vector<Bar> b = {make_bar("AAPL", i, 1)};
    store.write_bars(b);
    bars_written.push_back("bar:" + std::to_string(i));
    std::vector<SentimentWindowRow> w(1);
    store.write_sentiment_windows(w);
  }
  std::vector<AlertRow> before(1), after(1);
  before[0].kind = "before";
  after[0].kind = "after";
  store.write_alerts(before);
  store.delete_alerts(EventTime(0), EventTime(100));
  store.write_alerts(after);
  std::this_thread::sleep_for(20ms);
  inner->down = false;
  store.flush();
  const auto log = inner->log();
  EXPECT_EQ(only(log, "post:"), posts_written);
  EXPECT_EQ(only(log, "bar:"), bars_written);
  // The delivery thread may have taken the first posts write alone before the store went down
  // in its hands; everything after it was merged.
  EXPECT_LE(inner->post_calls(), 2);
  const auto alerts = only(log, "alert:");
  ASSERT_EQ(alerts, (std::vector<std::string>{"alert:before", "alert:after"}));
  const auto pos = [&](const std::string& e) {
    return std::find(log.begin(), log.end(), e) - log.begin();
  };
  EXPECT_LT(pos("alert:before"), pos("delete_alerts"));
  EXPECT_LT(pos("delete_alerts"), pos("alert:after"));
  EXPECT_EQ(store.counters().buffered_rows, 0u);
}

TEST(BufferedServingStore, FullBufferBlocksTheWriterUntilTheStoreReturns) {
  auto flaky = std::make_unique<FlakyStore>();
  FlakyStore* inner = flaky.get();
  inner->down = true;
  BufferOptions o = fast_options();
  o.max_rows = 10;
  BufferedServingStore store(std::move(flaky), o);
  for (int i = 0; i < 10; ++i) {
    std::vector<Bar> bars = {make_bar("X", i, 1)};
    store.write_bars(bars);
  }
  // The 11th row does not fit: the write must wait.
  auto blocked = std::async(std::launch::async, [&] {
    std::vector<Bar> bars = {make_bar("X", 10, 1)};
    store.write_bars(bars);
  });
  EXPECT_EQ(blocked.wait_for(50ms), std::future_status::timeout);
  EXPECT_EQ(store.counters().blocked_writes, 1u);
  EXPECT_LE(store.counters().buffered_rows, 10u);
  inner->down = false;
  ASSERT_EQ(blocked.wait_for(5s), std::future_status::ready);
  ASSERT_TRUE(store.drain(5s));
  ASSERT_EQ(inner->log().size(), 11u);
  EXPECT_EQ(inner->log().back(), "bar:10");
}

TEST(BufferedServingStore, ByteBoundAlsoBlocks) {
  auto flaky = std::make_unique<FlakyStore>();
  FlakyStore* inner = flaky.get();
  inner->down = true;
  BufferOptions o = fast_options();
  o.max_bytes = 1;  // every row is larger: one batch at a time
  BufferedServingStore store(std::move(flaky), o);
  std::vector<Bar> first = {make_bar("X", 1, 1), make_bar("X", 2, 1)};
  store.write_bars(first);  // admitted alone into the empty buffer
  auto blocked = std::async(std::launch::async, [&] {
    std::vector<Bar> bars = {make_bar("X", 3, 1)};
    store.write_bars(bars);
  });
  EXPECT_EQ(blocked.wait_for(50ms), std::future_status::timeout);
  inner->down = false;
  ASSERT_EQ(blocked.wait_for(5s), std::future_status::ready);
  ASSERT_TRUE(store.drain(5s));
  EXPECT_EQ(inner->log(), (std::vector<std::string>{"bar:1", "bar:2", "bar:3"}));
}

TEST(BufferedServingStore, CloseReportsWhatCouldNotBeDelivered) {
  auto flaky = std::make_unique<FlakyStore>();
  flaky->down = true;
  BufferedServingStore store(std::move(flaky), fast_options());
  std::vector<Bar> bars = {make_bar("X", 1, 1), make_bar("X", 2, 1), make_bar("X", 3, 1)};
  store.write_bars(bars);
  EXPECT_EQ(store.close(30ms), 3u);
  EXPECT_THROW(store.write_bars(bars), std::logic_error);
}

TEST(BufferedServingStore, GivesUpAfterMaxAttemptsWhenAsked) {
  auto flaky = std::make_unique<FlakyStore>();
  FlakyStore* inner = flaky.get();
  inner->down = true;
  BufferOptions o = fast_options();
  o.max_attempts = 3;
  BufferedServingStore store(std::move(flaky), o);
  std::vector<Bar> bars = {make_bar("X", 1, 1), make_bar("X", 2, 1)};
  store.write_bars(bars);
  ASSERT_TRUE(store.drain(5s));
  const auto c = store.counters();
  EXPECT_EQ(inner->calls.load(), 3);
  EXPECT_EQ(c.rows_dropped, 2u);
  EXPECT_EQ(c.rows_written, 0u);
  EXPECT_EQ(c.buffered_rows, 0u);
}

}  // namespace
}  // namespace stockpulse
