// Producer and consumer-group behaviour against librdkafka's real mock cluster, in-process.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/kafka/tests/kafka_test_util.h"

namespace stockpulse {
namespace {

using namespace std::chrono_literals;
using testing::make_producer;
using testing::start_cluster;
using testing::wait_for;

// What a test consumer saw of one message.
struct Seen {
  PartitionId partition;
  Offset offset;
  std::string key;
  std::string value;
};

// Message `seq` of key `key`: the value names both, so order and duplicates can be checked.
std::string value_of(const std::string& key, int seq) {
  return key + "#" + std::to_string(seq);
}
int seq_of(const std::string& value) {
  return std::stoi(value.substr(value.find('#') + 1));
}

// Produces messages [from, to) round-robin over `keys` keys; seq is per key.
void produce_range(KafkaProducer& p, const std::string& topic, int from, int to, int keys) {
  for (int i = from; i < to; ++i) {
    const std::string key = "K" + std::to_string(i % keys);
    auto r = p.produce(topic, key, value_of(key, i / keys));
    ASSERT_TRUE(r.ok()) << r.error();
  }
}

KafkaConsumerOptions consumer_options(const std::string& brokers, const std::string& group,
                                      const std::string& topic) {
  KafkaConsumerOptions o;
  o.connection.brokers = brokers;
  o.group_id = group;
  o.topics = {topic};
  return o;
}

std::unique_ptr<KafkaConsumer> make_consumer(KafkaConsumerOptions o) {
  auto c = KafkaConsumer::create(std::move(o));
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error());
  if (!c.ok()) return nullptr;
  return std::move(c).value();
}

// Checks what all consumers saw together: every one of `expected` messages exactly once, per
// partition in offset order with no gap, the same key always in the same partition, and per key
// the values in production order.
void check_exactly_once(const std::vector<Seen>& seen, int expected) {
  std::set<std::pair<int32_t, int64_t>> positions;
  std::map<std::string, int32_t> partition_of_key;
  std::map<std::string, int> next_seq;
  std::map<int32_t, int64_t> next_offset;  // mock partitions start at offset 0
  int duplicates = 0;
  for (const Seen& s : seen) {
    if (!positions.insert({s.partition.value(), s.offset.value()}).second) ++duplicates;
    auto [it, fresh] = partition_of_key.emplace(s.key, s.partition.value());
    EXPECT_TRUE(fresh || it->second == s.partition.value())
        << "key " << s.key << " in partitions " << it->second << " and " << s.partition.value();
    EXPECT_EQ(s.offset.value(), next_offset[s.partition.value()])
        << "partition " << s.partition.value() << " out of order or with a gap";
    next_offset[s.partition.value()] = s.offset.value() + 1;
    EXPECT_EQ(seq_of(s.value), next_seq[s.key]) << "key " << s.key << " out of order";
    next_seq[s.key] = seq_of(s.value) + 1;
  }
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(static_cast<int>(positions.size()), expected);
}

TEST(MockKafkaClusterTest, StartsBrokersAndCreatesTopics) {
  auto mc = start_cluster(3);
  ASSERT_NE(mc, nullptr);
  EXPECT_EQ(std::count(mc->bootstraps().begin(), mc->bootstraps().end(), ','), 2)
      << mc->bootstraps();
  EXPECT_TRUE(mc->create_topic("t", 4).ok());
  EXPECT_FALSE(mc->create_topic("bad", 0).ok());
  EXPECT_TRUE(mc->broker_down(2).ok());
  EXPECT_TRUE(mc->broker_up(2).ok());
  EXPECT_FALSE(mc->broker_down(4).ok());
}

// Two members share 6 partitions; one leaves mid-stream with unread messages in its partitions.
// The survivor takes them over from the leaver's committed offsets: nothing lost, nothing twice.
TEST(KafkaGroupTest, ExactlyOnceAcrossTwoMembersWhenOneLeaves) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("ticks", 6).ok());
  auto producer = make_producer(mc->bootstraps());
  ASSERT_NE(producer, nullptr);

  constexpr int kTotal = 6000, kKeys = 24;
  std::mutex mu;
  std::vector<Seen> seen;
  std::atomic<int> consumed{0};
  std::atomic<bool> stop_a{false}, stop_b{false};
  std::atomic<int> assigned_a{0}, assigned_b{0};
  std::atomic<int> consumed_b{0};

  // Processes a batch (records what it saw) and commits what it processed, per partition.
  auto member = [&](std::atomic<bool>& stop, std::atomic<int>& assigned, std::atomic<int>* mine,
                    std::chrono::milliseconds pause) {
    auto opts = consumer_options(mc->bootstraps(), "g1", "ticks");
    opts.on_assigned = [&](std::span<const TopicPartition> tps) {
      assigned += static_cast<int>(tps.size());
    };
    opts.on_revoked = [&](std::span<const TopicPartition> tps, bool) {
      assigned -= static_cast<int>(tps.size());
    };
    auto c = make_consumer(opts);
    ASSERT_NE(c, nullptr);
    ConsumedBatch batch;
    while (!stop.load()) {
      auto n = c->poll_batch(100, 100ms, batch);
      ASSERT_TRUE(n.ok()) << n.error();
      std::map<int32_t, int64_t> next;
      {
        std::lock_guard lock(mu);
        for (const auto& r : batch.records) {
          seen.push_back(
              {r.partition, r.offset, std::string(batch.key(r)), std::string(batch.value(r))});
          next[r.partition.value()] = r.offset.value() + 1;
        }
      }
      for (const auto& [p, off] : next) {
        auto cr = c->commit("ticks", PartitionId(p), Offset(off));
        ASSERT_TRUE(cr.ok()) << cr.error();
      }
      consumed += static_cast<int>(batch.records.size());
      if (mine) *mine += static_cast<int>(batch.records.size());
      if (!batch.records.empty()) std::this_thread::sleep_for(pause);
    }
    ASSERT_TRUE(c->close().ok());
  };

  std::thread a(member, std::ref(stop_a), std::ref(assigned_a), nullptr, 0ms);
  std::thread b(member, std::ref(stop_b), std::ref(assigned_b), &consumed_b, 20ms);
  // Both members hold partitions before anything is produced, so both take part.
  const bool balanced = wait_for(
      [&] {
        return assigned_a.load() > 0 && assigned_b.load() > 0 &&
               assigned_a.load() + assigned_b.load() == 6;
      },
      30s);
  EXPECT_TRUE(balanced) << "assigned a=" << assigned_a << " b=" << assigned_b;

  produce_range(*producer, "ticks", 0, kTotal / 2, kKeys);
  ASSERT_TRUE(producer->flush(10s));
  // B is slow; it leaves as soon as it has processed some, with more of its partitions unread.
  EXPECT_TRUE(wait_for([&] { return consumed_b.load() >= 200; }, 30s));
  stop_b = true;
  b.join();
  EXPECT_TRUE(wait_for([&] { return assigned_a.load() == 6; }, 30s)) << assigned_a;

  produce_range(*producer, "ticks", kTotal / 2, kTotal, kKeys);
  ASSERT_TRUE(producer->flush(10s));
  EXPECT_TRUE(wait_for([&] { return consumed.load() >= kTotal; }, 60s)) << consumed;
  // A little longer, so a duplicate delivery would show up.
  std::this_thread::sleep_for(500ms);
  stop_a = true;
  a.join();

  EXPECT_GT(consumed_b.load(), 0);
  EXPECT_LT(consumed_b.load(), kTotal / 2) << "B should have left with messages unread";
  std::lock_guard lock(mu);
  check_exactly_once(seen, kTotal);
  const DeliveryCounts dc = producer->counts();
  EXPECT_EQ(dc.delivered, static_cast<uint64_t>(kTotal));
  EXPECT_EQ(dc.failed, 0u);
}

// A consumer commits part of what it read and stops; a new member of the same group starts
// exactly at the committed offsets.
TEST(KafkaGroupTest, RestartedConsumerResumesAtCommittedOffsets) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("posts", 3).ok());
  auto producer = make_producer(mc->bootstraps());
  ASSERT_NE(producer, nullptr);
  constexpr int kTotal = 900;
  produce_range(*producer, "posts", 0, kTotal, 9);
  ASSERT_TRUE(producer->flush(10s));

  std::vector<Seen> seen;
  std::map<int32_t, int64_t> committed;
  {
    auto c = make_consumer(consumer_options(mc->bootstraps(), "g2", "posts"));
    ASSERT_NE(c, nullptr);
    ConsumedBatch batch;
    // Process (and commit) at most 50 records per partition; the rest of what was fetched is
    // read but not processed, so it must come again after the restart.
    std::map<int32_t, int> processed;
    ASSERT_TRUE(wait_for(
        [&] {
          auto n = c->poll_batch(500, 100ms, batch);
          EXPECT_TRUE(n.ok());
          for (const auto& r : batch.records) {
            if (processed[r.partition.value()] >= 50) continue;
            ++processed[r.partition.value()];
            seen.push_back(
                {r.partition, r.offset, std::string(batch.key(r)), std::string(batch.value(r))});
            committed[r.partition.value()] = r.offset.value() + 1;
          }
          return processed.size() == 3 && processed[0] == 50 && processed[1] == 50 &&
                 processed[2] == 50;
        },
        30s));
    for (const auto& [p, off] : committed) {
      const CommitMode mode = p == 0 ? CommitMode::kAsync : CommitMode::kSync;
      ASSERT_TRUE(c->commit("posts", PartitionId(p), Offset(off), mode).ok());
    }
    // The async commit is confirmed by the next poll; then the group has all three.
    c->poll_batch(1, 200ms, batch).value();
    for (const auto& [p, off] : committed) {
      auto got = c->committed("posts", PartitionId(p), 5s);
      ASSERT_TRUE(got.ok()) << got.error();
      ASSERT_TRUE(got.value().has_value());
      EXPECT_EQ(got.value()->value(), off);
    }
    EXPECT_EQ(c->async_commit_failures(), 0u);
    ASSERT_TRUE(c->close().ok());
  }

  auto c = make_consumer(consumer_options(mc->bootstraps(), "g2", "posts"));
  ASSERT_NE(c, nullptr);
  std::map<int32_t, int64_t> first_after_restart;
  ConsumedBatch batch;
  EXPECT_TRUE(wait_for(
      [&] {
        auto n = c->poll_batch(500, 100ms, batch);
        EXPECT_TRUE(n.ok());
        for (const auto& r : batch.records) {
          first_after_restart.emplace(r.partition.value(), r.offset.value());
          seen.push_back(
              {r.partition, r.offset, std::string(batch.key(r)), std::string(batch.value(r))});
        }
        return static_cast<int>(seen.size()) >= kTotal;
      },
      30s));
  for (const auto& [p, off] : committed)
    EXPECT_EQ(first_after_restart[p], off) << "partition " << p;
  check_exactly_once(seen, kTotal);
}

// Seek moves the read position of an assigned partition back.
TEST(KafkaGroupTest, SeekRereadsFromAnOffset) {
  auto mc = start_cluster(1);
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("one", 1).ok());
  auto producer = make_producer(mc->bootstraps());
  ASSERT_NE(producer, nullptr);
  produce_range(*producer, "one", 0, 20, 1);
  ASSERT_TRUE(producer->flush(10s));

  auto c = make_consumer(consumer_options(mc->bootstraps(), "g3", "one"));
  ASSERT_NE(c, nullptr);
  ConsumedBatch batch;
  int read = 0;
  ASSERT_TRUE(wait_for(
      [&] {
        read += static_cast<int>(c->poll_batch(100, 100ms, batch).value());
        return read >= 20;
      },
      30s));
  ASSERT_EQ(c->assignment().size(), 1u);
  ASSERT_TRUE(c->seek("one", PartitionId(0), Offset(15), 5s).ok());
  std::vector<int64_t> offsets;
  ASSERT_TRUE(wait_for(
      [&] {
        c->poll_batch(100, 100ms, batch).value();
        for (const auto& r : batch.records) offsets.push_back(r.offset.value());
        return offsets.size() >= 5;
      },
      10s));
  EXPECT_EQ(offsets, (std::vector<int64_t>{15, 16, 17, 18, 19}));
  // Values are padded for simdjson.
  ASSERT_FALSE(batch.records.empty());
  const auto& r = batch.records.back();
  EXPECT_GE(batch.buffer.size(), r.value_begin + r.value_size + kJsonPadding);
  EXPECT_EQ(batch.topic(r), "one");
  EXPECT_EQ(batch.key(r), "K0");
}

// A member that leaves before its first assignment (a process stopped right after it started):
// librdkafka 2.0's cooperative-sticky assignor asserted in rd_kafka_destroy on such a handle
// (its state is set only by an assignment), aborting the process.
TEST(KafkaGroupTest, MemberDestroyedBeforeItsFirstAssignmentLeavesCleanly) {
  auto mc = start_cluster(1);
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("early", 2).ok());
  auto steady = make_consumer(consumer_options(mc->bootstraps(), "g-early", "early"));
  ASSERT_NE(steady, nullptr);
  ConsumedBatch batch;
  for (int i = 0; i < 40; ++i) {
    auto c = make_consumer(consumer_options(mc->bootstraps(), "g-early", "early"));
    ASSERT_NE(c, nullptr);
    // Joins for 0-190 ms: sometimes assigned, mostly not yet.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(i % 20 * 10);
    do {
      ASSERT_TRUE(c->poll_batch(10, 5ms, batch).ok());
      ASSERT_TRUE(steady->poll_batch(10, 5ms, batch).ok());
    } while (std::chrono::steady_clock::now() < until);
  }
  // The group still works: the steady member ends up with both partitions.
  EXPECT_TRUE(wait_for(
      [&] {
        (void)steady->poll_batch(10, 50ms, batch);
        return steady->assignment().size() == 2;
      },
      60s));
}

// A broker goes down for a few seconds while we produce: the idempotent producer retries, every
// delivery report succeeds after recovery, and the topic holds every message exactly once.
TEST(KafkaProducerTest, BrokerOutageLosesNothing) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("bars", 6).ok());
  auto producer = make_producer(mc->bootstraps());
  ASSERT_NE(producer, nullptr);

  constexpr int kTotal = 3000, kKeys = 12;
  produce_range(*producer, "bars", 0, 1000, kKeys);
  producer->poll(100ms);
  ASSERT_TRUE(mc->broker_down(2).ok());
  // Produce through the outage, slowly enough that it spans about 3 seconds.
  for (int i = 1000; i < 2000; i += 100) {
    produce_range(*producer, "bars", i, i + 100, kKeys);
    producer->poll(300ms);
  }
  ASSERT_TRUE(mc->broker_up(2).ok());
  produce_range(*producer, "bars", 2000, kTotal, kKeys);
  EXPECT_TRUE(producer->flush(60s));
  const DeliveryCounts dc = producer->counts();
  EXPECT_EQ(dc.produced, static_cast<uint64_t>(kTotal));
  EXPECT_EQ(dc.delivered, static_cast<uint64_t>(kTotal)) << dc.last_failure;
  EXPECT_EQ(dc.failed, 0u);

  auto c = make_consumer(consumer_options(mc->bootstraps(), "g4", "bars"));
  ASSERT_NE(c, nullptr);
  std::vector<Seen> seen;
  ConsumedBatch batch;
  EXPECT_TRUE(wait_for(
      [&] {
        c->poll_batch(1000, 100ms, batch).value();
        for (const auto& r : batch.records) {
          seen.push_back(
              {r.partition, r.offset, std::string(batch.key(r)), std::string(batch.value(r))});
        }
        return static_cast<int>(seen.size()) >= kTotal;
      },
      30s));
  // Give a duplicate the chance to arrive.
  c->poll_batch(1000, 300ms, batch).value();
  for (const auto& r : batch.records) {
    seen.push_back({r.partition, r.offset, std::string(batch.key(r)), std::string(batch.value(r))});
  }
  check_exactly_once(seen, kTotal);
}

// With a tiny local queue, produce() waits for room (back-pressure) instead of failing or
// dropping, and everything is delivered.
TEST(KafkaProducerTest, BackPressureWhenTheLocalQueueIsFull) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("bp", 2).ok());
  auto producer = make_producer(mc->bootstraps(), {{"queue.buffering.max.messages", "8"}});
  ASSERT_NE(producer, nullptr);
  constexpr int kTotal = 2000;
  produce_range(*producer, "bp", 0, kTotal, 4);
  EXPECT_TRUE(producer->flush(30s));
  const DeliveryCounts dc = producer->counts();
  EXPECT_GT(dc.queue_full_waits, 0u);
  EXPECT_EQ(dc.rejected, 0u);
  EXPECT_EQ(dc.delivered, static_cast<uint64_t>(kTotal));
}

// When the queue stays full (every broker down), produce() gives up after max_block and says so;
// the message is not counted as produced, and what was queued is delivered once brokers return.
TEST(KafkaProducerTest, BoundedWaitWhenTheQueueStaysFull) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("stuck", 1).ok());
  KafkaProducerOptions o;
  o.connection.brokers = mc->bootstraps();
  o.connection.properties = {{"queue.buffering.max.messages", "5"}};
  o.max_block = 300ms;
  auto created = KafkaProducer::create(o);
  ASSERT_TRUE(created.ok()) << created.error();
  auto& producer = *created.value();
  // Let the producer learn the partition leaders first.
  ASSERT_TRUE(producer.produce("stuck", "k", "warm-up").ok());
  ASSERT_TRUE(producer.flush(10s));
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(mc->broker_down(id).ok());

  int accepted = 0;
  std::string error;
  for (int i = 0; i < 20 && error.empty(); ++i) {
    auto r = producer.produce("stuck", "k", "m" + std::to_string(i));
    if (r.ok()) {
      ++accepted;
    } else {
      error = r.error();
    }
  }
  EXPECT_NE(error.find("queue"), std::string::npos) << error;
  EXPECT_LE(accepted, 5);
  EXPECT_EQ(producer.counts().rejected, 1u);
  EXPECT_EQ(producer.counts().in_flight(), static_cast<uint64_t>(accepted));

  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(mc->broker_up(id).ok());
  EXPECT_TRUE(producer.flush(30s));
  EXPECT_EQ(producer.counts().delivered, static_cast<uint64_t>(accepted + 1));
}

// Kafka's Java client partitioner, written from its definition: murmur2 (seed 0x9747b28c), sign
// bit cleared, modulo the partition count.
int32_t java_partition(const std::string& key, int32_t partitions) {
  const uint32_t m = 0x5bd1e995;
  const size_t len = key.size();
  uint32_t h = 0x9747b28cu ^ static_cast<uint32_t>(len);
  const auto* d = reinterpret_cast<const unsigned char*>(key.data());
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    uint32_t k =
        d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (static_cast<uint32_t>(d[i + 3]) << 24);
    k *= m;
    k ^= k >> 24;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (len % 4) {
    case 3:
      h ^= static_cast<uint32_t>(d[i + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(d[i + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= d[i];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>((h & 0x7fffffffu) % static_cast<uint32_t>(partitions));
}

// Keys land where a Java or kafka-python producer would put them, so mixed producers agree.
TEST(KafkaProducerTest, KeysLandWhereTheJavaClientPutsThem) {
  auto mc = start_cluster(1);
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("keyed", 6).ok());
  auto producer = make_producer(mc->bootstraps());
  ASSERT_NE(producer, nullptr);
  const std::vector<std::string> keys = {"AAPL", "MSFT", "NVDA", "BRK.B", "TSLA", "AMD", "GOOGL",
                                         "META", "X",    "SPY",  "QQQ",   "INTC", "ON",  "GME"};
  for (const auto& k : keys) ASSERT_TRUE(producer->produce("keyed", k, k).ok());
  ASSERT_TRUE(producer->flush(10s));
  auto c = make_consumer(consumer_options(mc->bootstraps(), "g5", "keyed"));
  ASSERT_NE(c, nullptr);
  std::map<std::string, int32_t> partition_of;
  ConsumedBatch batch;
  EXPECT_TRUE(wait_for(
      [&] {
        c->poll_batch(100, 100ms, batch).value();
        for (const auto& r : batch.records) {
          partition_of[std::string(batch.key(r))] = r.partition.value();
        }
        return partition_of.size() >= keys.size();
      },
      30s));
  std::set<int32_t> used;
  for (const auto& k : keys) {
    EXPECT_EQ(partition_of[k], java_partition(k, 6)) << k;
    used.insert(partition_of[k]);
  }
  EXPECT_GT(used.size(), 1u);
}

}  // namespace
}  // namespace stockpulse
