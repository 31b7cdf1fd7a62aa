// Scale-out on Kafka, end to end: the real binary against librdkafka's mock cluster (3 brokers,
// 6 partitions per input topic) started as a separate process. `stockpulse process` members must
// leave serving tables equal, row for row, to an embedded file-mode run of the same data, whatever
// happens to them or to the brokers meanwhile.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/kafka_producer.h"
#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

using namespace std::chrono_literals;

// A mock cluster process with every topic the processors use. Stopped (SIGTERM) on destruction.
class Cluster {
 public:
  explicit Cluster(const std::filesystem::path& dir) {
    const auto boot_file = dir / "bootstraps";
    pid_ = spawn({SP_KAFKA_MOCK_CLUSTER_BIN, "--brokers", "3", "--bootstraps-file",
                  boot_file.string(), "tweets:6", "stock-prices:6", "stockpulse-keyed:6",
                  "stockpulse-state:6", "stockpulse-sentiment-windows:3",
                  "stockpulse-market-trends:3", "stockpulse-alerts:3", "stockpulse-dead-letters:3"},
                 (dir / "cluster.log").string(), &control_);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(boot_file)) {
        bootstraps_ = slurp(boot_file);
        while (!bootstraps_.empty() && std::isspace(bootstraps_.back())) bootstraps_.pop_back();
        if (!bootstraps_.empty()) break;
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  ~Cluster() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      wait_exit(pid_);
    }
    if (control_ >= 0) close(control_);
  }
  const std::string& bootstraps() const { return bootstraps_; }
  // "down 1", "up 1": written to the cluster's control stdin.
  void control(const std::string& line) {
    const std::string l = line + "\n";
    ASSERT_EQ(write(control_, l.data(), l.size()), static_cast<ssize_t>(l.size()));
  }

 private:
  pid_t pid_ = -1;
  int control_ = -1;
  std::string bootstraps_;
};

struct Dataset {
  std::filesystem::path posts, bars;
};

Dataset generate(const std::filesystem::path& dir, int posts, int seed) {
  Dataset d{dir / "posts.jsonl", dir / "bars.jsonl"};
  const auto gen = run(binary() + " generate --posts " + std::to_string(posts) + " --seed " +
                       std::to_string(seed) + " --posts-per-second 20 --posts-out " +
                       d.posts.string() + " --bars-out " + d.bars.string());
  EXPECT_EQ(gen.exit_code, 0) << gen.output;
  return d;
}

// Lateness beyond the data's whole span: no event is late in any run, whatever order the
// partitions arrive in, so every run must give the same windows (watermark handling itself is
// tested by the window engine's and the embedded pipeline's tests).
const std::string kLateness = "86400";

void embedded_reference(const Dataset& d, const std::filesystem::path& out) {
  const auto r = run(binary() + " run --posts " + d.posts.string() + " --bars " + d.bars.string() +
                     " --until-eof --quiet --lateness " + kLateness + " --lake none --output-dir " +
                     out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// Bars at once, then posts at `posts_per_s` in the background (the returned producer process):
// the processors work while data arrives. The mock cluster keeps about 5 MB per partition and
// drops older messages, so a test's whole input must stay well below that per partition.
pid_t produce(const Cluster& c, const Dataset& d, int posts_per_s,
              const std::filesystem::path& log) {
  const auto r = run(binary() + " produce bars --from " + d.bars.string() + " --to kafka://" +
                     c.bootstraps() + "/stock-prices");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return spawn({binary(), "produce", "posts", "--from", d.posts.string(), "--rate",
                std::to_string(posts_per_s), "--to", "kafka://" + c.bootstraps() + "/tweets"},
               log.string());
}

std::vector<std::string> processor(const Cluster& c, const std::filesystem::path& dir,
                                   const std::string& group, double idle_s) {
  return {binary(),
          "process",
          "--kafka",
          c.bootstraps(),
          "--group",
          group,
          "--serving",
          "sqlite:" + (dir / "kafka.db").string(),
          "--lake",
          (dir / "lake").string(),
          "--output-dir",
          dir.string(),
          "--lateness",
          kLateness,
          "--checkpoint-interval",
          "0.5",
          "--exit-when-idle",
          std::to_string(idle_s),
          "--quiet"};
}

// The whole-market Fear & Greed row ("*") and its alerts need every symbol at once; processors
// each see some, so they leave it out (see KafkaProcessor).
void expect_same_tables(const std::filesystem::path& expected,
                        const std::filesystem::path& actual) {
  const auto r =
      run(python() + " " + STOCKPULSE_SOURCE_DIR + "/tests/e2e/compare_serving.py " +
          expected.string() + " " + actual.string() + " --skip-where \"fear_greed:symbol = '*'\"" +
          " --skip-where \"alerts:symbol = '*' AND kind = 'fear_greed_band'\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("topic_sentiment_avg: expected"), std::string::npos) << r.output;
  std::cout << r.output;
}

// Every post is in the lake exactly once: as many rows as posts, as many distinct ids.
void expect_lake_holds_every_post_once(const std::filesystem::path& lake, size_t posts) {
  const auto r = run(binary() + " lake sql --lake " + lake.string() +
                     " \"SELECT count(*) || '/' || count(DISTINCT id) FROM tweets\"");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string want = std::to_string(posts) + "/" + std::to_string(posts);
  EXPECT_NE(r.output.find(want), std::string::npos) << "want " << want << "\n" << r.output;
}

TEST(Kafka, TwoProcessorsOneKilledAndRestartedEqualTheEmbeddedRun) {
  const auto dir = scratch("kafka_failover");
  const Dataset d = generate(dir, 16000, 11);
  embedded_reference(d, dir / "ref");
  Cluster cluster(dir);
  ASSERT_FALSE(cluster.bootstraps().empty()) << slurp(dir / "cluster.log");
  const pid_t producer = produce(cluster, d, 1000, dir / "produce.log");
  ASSERT_GT(producer, 0);

  const auto a_log = (dir / "a.log").string(), b_log = (dir / "b.log").string();
  const pid_t a = spawn(processor(cluster, dir, "g1", 20), a_log);
  const pid_t b = spawn(processor(cluster, dir, "g1", 20), b_log);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  // Let both join, take partitions and commit snapshots (a loaded machine can take a while), then
  // kill one without warning.
  const auto joined_by = std::chrono::steady_clock::now() + 90s;
  while (slurp(a_log).find("snapshot committed") == std::string::npos &&
         std::chrono::steady_clock::now() < joined_by) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_NE(slurp(a_log).find("snapshot committed"), std::string::npos)
      << "processor A committed no snapshot in 90 s\n"
      << slurp(a_log);
  std::this_thread::sleep_for(1s);  // more work after the snapshot
  ASSERT_EQ(kill(a, SIGKILL), 0);
  ASSERT_EQ(wait_exit(a), -SIGKILL) << "processor A ended before it could be killed\n"
                                    << slurp(a_log);
  const pid_t a2 = spawn(processor(cluster, dir, "g1", 20), a_log);
  ASSERT_GT(a2, 0);
  EXPECT_EQ(wait_exit(producer), 0) << slurp(dir / "produce.log");
  EXPECT_EQ(wait_exit(a2), 0) << slurp(a_log);
  EXPECT_EQ(wait_exit(b), 0) << slurp(b_log);

  // The work was shared and the failover went through snapshots.
  const std::string logs = slurp(a_log) + slurp(b_log);
  EXPECT_NE(logs.find("restored from its snapshot"), std::string::npos) << logs;
  expect_same_tables(dir / "ref/serving.db", dir / "kafka.db");
  expect_lake_holds_every_post_once(dir / "lake", count_lines(d.posts));
}

TEST(Kafka, BrokerDownAndUpDuringARunLosesNothingAndDoublesNothing) {
  const auto dir = scratch("kafka_broker_down");
  const Dataset d = generate(dir, 12000, 12);
  embedded_reference(d, dir / "ref");
  Cluster cluster(dir);
  ASSERT_FALSE(cluster.bootstraps().empty()) << slurp(dir / "cluster.log");
  const pid_t producer = produce(cluster, d, 1000, dir / "produce.log");
  ASSERT_GT(producer, 0);
  const auto log = (dir / "p.log").string();
  const pid_t p = spawn(processor(cluster, dir, "g2", 15), log);
  ASSERT_GT(p, 0);
  std::this_thread::sleep_for(5s);
  cluster.control("down 2");
  std::this_thread::sleep_for(4s);
  cluster.control("up 2");
  EXPECT_EQ(wait_exit(producer), 0) << slurp(dir / "produce.log");
  EXPECT_EQ(wait_exit(p), 0) << slurp(log);
  expect_same_tables(dir / "ref/serving.db", dir / "kafka.db");
  expect_lake_holds_every_post_once(dir / "lake", count_lines(d.posts));
}

TEST(Kafka, MalformedMessagesGoToTheDeadLetterTopicAndTheRestIsProcessed) {
  const auto dir = scratch("kafka_bad_input");
  Cluster cluster(dir);
  ASSERT_FALSE(cluster.bootstraps().empty()) << slurp(dir / "cluster.log");
  KafkaProducerOptions po;
  po.connection.brokers = cluster.bootstraps();
  auto producer = KafkaProducer::create(po);
  ASSERT_TRUE(producer.ok()) << producer.error();
  const std::vector<std::string> bad = {
      "{\"id\":\"x1\",\"created_at\":\"2024-05-01T14:30:05Z\",\"text\":\"truncated",
      "{\"id\":\"x2\",\"text\":\"no time $AAPL\"}",
      "not json at all",
      "{\"id\":\"x3\",\"created_at\":\"yesterday\",\"text\":\"bad time $TSLA\"}",
  };
  int good = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string v = fmt::format(
        "{{\"id\":\"g{}\",\"created_at\":\"2024-05-01T14:{:02}:05Z\",\"text\":\"great day for "
        "$AAPL\",\"user\":\"u\",\"source\":\"test\"}}",
        i, i);
    ASSERT_TRUE(producer.value()->produce("tweets", "AAPL", v).ok());
    ++good;
    if (i % 10 == 0) {
      ASSERT_TRUE(
          producer.value()->produce("tweets", "AAPL", bad[static_cast<size_t>(i / 10)]).ok());
    }
  }
  ASSERT_TRUE(producer.value()->flush(30s));

  // The member serves /metrics while it works (--listen): the counters reach 40 posts and the
  // four dead letters by reason before it goes idle and exits.
  const auto log = (dir / "p.log").string();
  std::vector<std::string> args = processor(cluster, dir, "g3", 8);
  args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  const pid_t p = spawn(args, log);
  ASSERT_GT(p, 0);
  std::string url;
  const std::string marker = "metrics and dashboard at ";
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       url.empty() && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(100ms)) {
    const std::string l = slurp(log);
    if (const size_t at = l.find(marker); at != std::string::npos) {
      url = l.substr(at + marker.size(), l.find('\n', at) - at - marker.size());
    }
  }
  ASSERT_FALSE(url.empty()) << slurp(log);
  std::string metrics;
  const auto scrape = [&] {
    const auto r = run(python() +
                       " -c \"import urllib.request,sys; sys.stdout.write("
                       "urllib.request.urlopen('" +
                       url + "metrics').read().decode())\"");
    return r.exit_code == 0 ? r.output : std::string();
  };
  const auto dead_total = [](const std::string& m) {
    int n = 0;
    for (size_t at = m.find("\nstockpulse_dead_letters_total{"); at != std::string::npos;
         at = m.find("\nstockpulse_dead_letters_total{", at + 1)) {
      n += std::stoi(m.substr(m.find("} ", at) + 2));
    }
    return n;
  };
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
    metrics = scrape();
    if (metrics.find("\nstockpulse_posts_scored_total 40\n") != std::string::npos &&
        dead_total(metrics) == static_cast<int>(bad.size())) {
      break;
    }
  }
  EXPECT_NE(metrics.find("\nstockpulse_posts_scored_total 40\n"), std::string::npos) << metrics;
  EXPECT_EQ(dead_total(metrics), static_cast<int>(bad.size())) << metrics;
  EXPECT_NE(metrics.find("process_resident_memory_bytes"), std::string::npos) << metrics;
  // The dashboard's pipeline-health panel gets this member's counters: a "stats" event on the
  // live stream once a second.
  const auto stats = run(python() +
                         " -c \"import urllib.request\n"
                         "r = urllib.request.urlopen('" +
                         url +
                         "api/stream', timeout=10)\n"
                         "for line in r:\n"
                         "  if line.startswith(b'event: stats'):\n"
                         "    print(next(r).decode().strip()); break\"");
  EXPECT_EQ(stats.exit_code, 0) << stats.output;
  EXPECT_NE(stats.output.find("data: {\"posts_per_second\":"), std::string::npos) << stats.output;
  EXPECT_NE(stats.output.find("\"posts_total\":40,"), std::string::npos) << stats.output;
  ASSERT_EQ(wait_exit(p), 0) << slurp(log);

  // Every bad message is on the dead-letter topic, with its reason and offset.
  KafkaConsumerOptions co;
  co.connection.brokers = cluster.bootstraps();
  co.group_id = "dead-letter-reader";
  co.topics = {"stockpulse-dead-letters"};
  auto consumer = KafkaConsumer::create(co);
  ASSERT_TRUE(consumer.ok()) << consumer.error();
  ConsumedBatch batch;
  std::vector<std::string> letters;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (letters.size() < bad.size() && std::chrono::steady_clock::now() < deadline) {
    auto n = consumer.value()->poll_batch(100, 200ms, batch);
    ASSERT_TRUE(n.ok()) << n.error();
    for (const auto& r : batch.records) letters.emplace_back(batch.value(r));
  }
  ASSERT_EQ(letters.size(), bad.size());
  std::string all;
  for (const auto& l : letters) {
    EXPECT_NE(l.find("\"stream\":\"tweets\""), std::string::npos) << l;
    EXPECT_NE(l.find("\"reason\":"), std::string::npos) << l;
    all += l + "\n";
  }
  for (const char* reason : {"malformed_json", "missing_field", "bad_timestamp"}) {
    EXPECT_NE(all.find(reason), std::string::npos) << reason << "\n" << all;
  }
  // ... and every good post is in the serving store.
  const auto count =
      run("sqlite3 " + (dir / "kafka.db").string() + " \"SELECT count(DISTINCT id) FROM tweets\"");
  ASSERT_EQ(count.exit_code, 0) << count.output;
  EXPECT_EQ(std::stoi(count.output), good) << count.output;
}

}  // namespace
}  // namespace stockpulse::e2e
