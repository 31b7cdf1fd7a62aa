#include "source/post_deduplicator.h"

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <string>

#include "source/deterministic_rng.h"

namespace stockpulse {
namespace {

Post post(std::string id, std::string user, std::string text) {
  Post p;
  p.id = std::move(id);
  p.user = std::move(user);
  p.text = std::move(text);
  return p;
}

TEST(FingerprintSet, ForgetsTheOldestBeyondItsCap) {
  FingerprintSet set(3);
  for (uint64_t v : {11u, 22u, 33u}) set.insert(v);
  EXPECT_TRUE(set.contains(11) && set.contains(22) && set.contains(33));
  set.insert(22);  // present: nothing changes
  set.insert(44);  // full: 11 goes
  EXPECT_FALSE(set.contains(11));
  EXPECT_TRUE(set.contains(22) && set.contains(33) && set.contains(44));
  EXPECT_EQ(set.size(), 3u);
  EXPECT_FALSE(set.contains(0));
}

// Against a model (a FIFO of the last N distinct values) over many inserts with collisions in
// the low bits, which exercises the backward-shift deletion.
TEST(FingerprintSet, MatchesAFifoModel) {
  constexpr size_t kCap = 100;
  FingerprintSet set(kCap);
  std::deque<uint64_t> order;
  std::set<uint64_t> model;
  DeterministicRng rng(5);
  for (int i = 0; i < 20000; ++i) {
    // Few distinct low bits: long probe runs that wrap around the table.
    const uint64_t v = (rng.below(300) << 8) | (rng.below(4) * 255) | 1;
    if (!model.contains(v)) {
      if (model.size() == kCap) {
        model.erase(order.front());
        order.pop_front();
      }
      model.insert(v);
      order.push_back(v);
    }
    set.insert(v);
    const uint64_t probe = (rng.below(300) << 8) | (rng.below(4) * 255) | 1;
    ASSERT_EQ(set.contains(probe), model.contains(probe)) << "step " << i;
  }
  EXPECT_EQ(set.size(), kCap);
}

// The table grows from a small start to the cap; what it holds does not depend on when it grew.
TEST(FingerprintSet, GrowsToItsCapAndThenForgetsInOrder) {
  FingerprintSet set(50000);
  for (uint64_t v = 1; v <= 120000; ++v) set.insert(v * 0x9E3779B97F4A7C15ULL);
  EXPECT_EQ(set.size(), 50000u);
  for (uint64_t v = 1; v <= 120000; ++v)
    ASSERT_EQ(set.contains(v * 0x9E3779B97F4A7C15ULL), v > 70000) << v;
}

TEST(PostDeduplicator, IdsRetweetsAndClassicRetweets) {
  PostDeduplicator d(1000);
  EXPECT_EQ(d.check(post("1", "alice", "$AAPL up big"), "", true), DuplicateKind::kNone);
  EXPECT_EQ(d.check(post("1", "alice", "$AAPL up big"), "", true), DuplicateKind::kSameId);
  // A retweet of 1 by id.
  EXPECT_EQ(d.check(post("2", "bob", "RT @alice: $AAPL up big"), "1", true),
            DuplicateKind::kRetweetOfSeen);
  // A classic retweet, white space and case apart.
  EXPECT_EQ(d.check(post("3", "carol", "RT @Alice:   $aapl UP\tbig "), "", true),
            DuplicateKind::kRetweetTextSeen);
  // The first retweet of an unseen original passes; the original and later retweets do not.
  EXPECT_EQ(d.check(post("4", "dave", "RT @erin: calls printing"), "100", true),
            DuplicateKind::kNone);
  EXPECT_EQ(d.check(post("100", "erin", "calls printing"), "", true), DuplicateKind::kSameId);
  EXPECT_EQ(d.check(post("5", "frank", "RT @erin: calls printing"), "", true),
            DuplicateKind::kRetweetTextSeen);
  // The same text by someone else, or not as a retweet, is a post of its own.
  EXPECT_EQ(d.check(post("6", "gina", "$AAPL up big"), "", true), DuplicateKind::kNone);
  EXPECT_EQ(d.check(post("7", "alice", "$AAPL up big"), "", true), DuplicateKind::kNone);
  // Made-up ids (row numbers) are not compared.
  EXPECT_EQ(d.check(post("row-1", "h", "x"), "", false), DuplicateKind::kNone);
  EXPECT_EQ(d.check(post("row-1", "h", "y"), "", false), DuplicateKind::kNone);
}

TEST(PostDeduplicator, SplitsClassicRetweets) {
  std::string_view user, rest;
  EXPECT_TRUE(split_classic_retweet("RT @a_b1: hi", user, rest));
  EXPECT_EQ(user, "a_b1");
  EXPECT_EQ(rest, " hi");
  EXPECT_FALSE(split_classic_retweet("RT @: hi", user, rest));
  EXPECT_FALSE(split_classic_retweet("RT @abc hi", user, rest));
  EXPECT_FALSE(split_classic_retweet("rt @abc: hi", user, rest));
}

}  // namespace
}  // namespace stockpulse
