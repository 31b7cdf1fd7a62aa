#include "serve/live_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace stockpulse {
namespace {

TEST(LiveHub, FormatsServerSentEventFrames) {
  EXPECT_EQ(LiveHub::format_frame("trend", "{\"a\":1}"), "event: trend\ndata: {\"a\":1}\n\n");
  // A newline inside the payload must not end the frame early.
  EXPECT_EQ(LiveHub::format_frame("stats", "{\n\"a\":1\r\n}"),
            "event: stats\ndata: {\ndata: \"a\":1\ndata: }\n\n");
}

TEST(LiveHub, DeliversToEverySubscriberInOrder) {
  LiveHub hub;
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  ASSERT_TRUE(a && b);
  hub.publish("alert", "1");
  hub.publish("alert", "2");
  std::string got_a, got_b;
  EXPECT_TRUE(a->take(got_a));
  EXPECT_TRUE(b->take(got_b));
  EXPECT_EQ(got_a, "event: alert\ndata: 1\n\nevent: alert\ndata: 2\n\n");
  EXPECT_EQ(got_a, got_b);
  std::string again;
  EXPECT_TRUE(a->take(again));
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(hub.events_published(), 2u);
}

TEST(LiveHub, NotifiesOnlyWhenBufferBecomesNonEmpty) {
  LiveHub hub;
  auto s = hub.subscribe();
  int notified = 0;
  s->set_notify([&] { ++notified; });
  hub.publish("x", "1");
  hub.publish("x", "2");
  EXPECT_EQ(notified, 1);
  std::string out;
  s->take(out);
  hub.publish("x", "3");
  EXPECT_EQ(notified, 2);
}

TEST(LiveHub, NotifiesForFramesPublishedBeforeSetNotify) {
  LiveHub hub;
  auto s = hub.subscribe();
  hub.publish("x", "1");
  int notified = 0;
  s->set_notify([&] { ++notified; });
  EXPECT_EQ(notified, 1);
}

TEST(LiveHub, DropsASlowSubscriberWithoutBlockingThePublisher) {
  LiveHubOptions options;
  options.max_buffered_bytes = 1000;
  LiveHub hub(options);
  auto slow = hub.subscribe();
  auto fast = hub.subscribe();
  const std::string payload(100, 'x');
  for (int i = 0; i < 50; ++i) {
    hub.publish("e", payload);
    std::string sink;
    ASSERT_TRUE(fast->take(sink));  // the fast one keeps up
  }
  EXPECT_TRUE(slow->dropped());
  std::string out;
  EXPECT_FALSE(slow->take(out));
  EXPECT_FALSE(fast->dropped());
  EXPECT_EQ(hub.subscriber_count(), 1u);
  EXPECT_EQ(hub.subscribers_dropped(), 1u);
}

TEST(LiveHub, CapsSubscribers) {
  LiveHubOptions options;
  options.max_subscribers = 2;
  LiveHub hub(options);
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  EXPECT_EQ(hub.subscribe(), nullptr);
  hub.unsubscribe(a);
  EXPECT_NE(hub.subscribe(), nullptr);
}

TEST(LiveHub, ConcurrentPublishersAndReaderLoseNothing) {
  LiveHub hub;
  auto s = hub.subscribe();
  constexpr int kPerThread = 2000;
  std::atomic<bool> done{false};
  std::string all;
  std::thread reader([&] {
    while (!done.load()) s->take(all);
    s->take(all);
  });
  std::thread p1([&] {
    for (int i = 0; i < kPerThread; ++i) hub.publish("a", "1");
  });
  std::thread p2([&] {
    for (int i = 0; i < kPerThread; ++i) hub.publish("b", "2");
  });
  p1.join();
  p2.join();
  done = true;
  reader.join();
  size_t frames = 0;
  for (size_t pos = 0; (pos = all.find("\n\n", pos)) != std::string::npos; pos += 2) ++frames;
  EXPECT_EQ(frames, 2u * kPerThread);
}

TEST(LiveHub, AFullHubReplacesTheLongestStalledSubscriber) {
  LiveHubOptions options;
  options.max_subscribers = 3;
  options.evict_stalled_after = std::chrono::milliseconds(2000);
  LiveHub hub(options);
  auto reading = hub.subscribe("a");
  auto stalled_long = hub.subscribe("b");
  auto stalled_short = hub.subscribe("c");
  ASSERT_TRUE(reading && stalled_long && stalled_short);
  int woken = 0;
  stalled_long->set_notify([&] { ++woken; });
  const auto now = LiveSubscription::Clock::now();
  stalled_long->write_started(now - std::chrono::seconds(30));
  stalled_short->write_started(now - std::chrono::milliseconds(100));  // not stalled yet
  reading->write_started(now - std::chrono::seconds(60));
  reading->write_finished();  // its writes complete: not stalled
  auto newcomer = hub.subscribe("d");
  ASSERT_TRUE(newcomer);
  EXPECT_TRUE(stalled_long->dropped());
  EXPECT_EQ(woken, 1);  // its connection is woken to close
  EXPECT_FALSE(reading->dropped());
  EXPECT_FALSE(stalled_short->dropped());
  EXPECT_EQ(hub.subscriber_count(), 3u);
  EXPECT_EQ(hub.subscribers_dropped(), 1u);
  // Nobody else is stalled: the next one is refused.
  EXPECT_EQ(hub.subscribe("e"), nullptr);
}

TEST(LiveHub, CapsSubscribersPerClient) {
  LiveHubOptions options;
  options.max_subscribers = 10;
  options.max_subscribers_per_client = 2;
  LiveHub hub(options);
  auto a1 = hub.subscribe("10.0.0.1");
  auto a2 = hub.subscribe("10.0.0.1");
  EXPECT_TRUE(a1 && a2);
  EXPECT_EQ(hub.subscribe("10.0.0.1"), nullptr);
  EXPECT_NE(hub.subscribe("10.0.0.2"), nullptr);
  hub.unsubscribe(a1);
  auto a3 = hub.subscribe("10.0.0.1");
  ASSERT_NE(a3, nullptr);
  // At its cap, a client's stalled subscriber makes room for its new one (never another's).
  auto b = hub.subscribe("10.0.0.2");
  b->write_started(LiveSubscription::Clock::now() - std::chrono::seconds(30));
  EXPECT_EQ(hub.subscribe("10.0.0.1"), nullptr);
  a2->write_started(LiveSubscription::Clock::now() - std::chrono::seconds(30));
  EXPECT_NE(hub.subscribe("10.0.0.1"), nullptr);
  EXPECT_TRUE(a2->dropped());
  EXPECT_FALSE(b->dropped());
}

}  // namespace
}  // namespace stockpulse
