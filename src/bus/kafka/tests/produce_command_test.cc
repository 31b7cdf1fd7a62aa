// `stockpulse produce` end to end: through the CLI parser, to the mock cluster (read back with
// KafkaConsumer) or to a file.
#include "bus/kafka/produce_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "bus/kafka/produce_target.h"
#include "bus/kafka/tests/kafka_test_util.h"
#include "bus/kafka/tests/produce_test_util.h"
#include "decode/bar_decoder.h"
#include "decode/json_encoder.h"
#include "decode/post_decoder.h"
#include "source/synthetic_bars.h"
#include "source/synthetic_posts.h"

namespace stockpulse {
namespace {

using namespace std::chrono_literals;
using testing::read_back;
using testing::run_produce;
using testing::start_cluster;
using testing::temp_dir;

// The test's own reading of the key rule, written as a regular expression.
std::string expected_key(const std::string& text) {
  static const std::regex cashtag(
      R"((^|[^A-Za-z0-9])\$([A-Za-z]{1,5}(\.[A-Za-z]{1,2})?)(?![A-Za-z0-9]))");
  std::smatch m;
  if (!std::regex_search(text, m, cashtag)) return "";
  std::string s = m[2];
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(ProduceTargetTest, ParsesTheThreeForms) {
  auto k = parse_produce_target("kafka://127.0.0.1:9092,127.0.0.1:9093/tweets");
  ASSERT_TRUE(k.ok()) << k.error();
  EXPECT_EQ(k.value().kind, ProduceTarget::Kind::kKafka);
  EXPECT_EQ(k.value().brokers, "127.0.0.1:9092,127.0.0.1:9093");
  EXPECT_EQ(k.value().topic, "tweets");
  auto no_topic = parse_produce_target("kafka://h:1");
  ASSERT_TRUE(no_topic.ok());
  EXPECT_EQ(no_topic.value().topic, "");
  EXPECT_EQ(parse_produce_target("stdout").value().kind, ProduceTarget::Kind::kStdout);
  auto f = parse_produce_target("file:/tmp/x.jsonl");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.value().path, "/tmp/x.jsonl");
  EXPECT_FALSE(parse_produce_target("kafka:///t").ok());
  EXPECT_FALSE(parse_produce_target("file:").ok());
  EXPECT_FALSE(parse_produce_target("http://h/t").ok());
  auto cred = parse_produce_target("kafka://bob:pa55word@h:1/t");
  ASSERT_FALSE(cred.ok());
  EXPECT_EQ(cred.error().find("pa55word"), std::string::npos);
}

TEST(ProduceCommandTest, PostsFromAFileToKafkaKeyedByFirstCashtag) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("tweets", 6).ok());
  const auto dir = temp_dir();

  // 300 posts from the generator, three broken lines among them.
  SyntheticPostOptions po;
  po.seed = 7;
  SyntheticPostGenerator gen(po);
  std::map<std::string, Post> originals;
  {
    std::ofstream in(dir / "posts.jsonl");
    Post p;
    std::string line;
    for (int i = 0; i < 300; ++i) {
      gen.next(p);
      originals[p.id] = p;
      line.clear();
      append_post_json(p, line);
      in << line << '\n';
      if (i == 10) in << "this is not json\n";
      if (i == 20) in << R"({"id":"x1","text":"$AAPL no time","user":"u"})" << '\n';
      if (i == 30) in << R"({"id":"x2","created_at":"yesterday","text":"$AAPL"})" << '\n';
    }
  }

  ProduceCommand::Summary s;
  const std::string to = "kafka://" + mc->bootstraps() + "/tweets";
  ASSERT_EQ(run_produce({"posts", "--to", to, "--from", (dir / "posts.jsonl").string(),
                         "--dead-letter", (dir / "dead.jsonl").string()},
                        &s),
            0);
  EXPECT_EQ(s.read, 303);
  EXPECT_EQ(s.sent, 300);
  EXPECT_EQ(s.dead_letters, 3);
  EXPECT_EQ(s.dead_letters_by_reason["malformed_json"], 1);
  EXPECT_EQ(s.dead_letters_by_reason["missing_field"], 1);
  EXPECT_EQ(s.dead_letters_by_reason["bad_timestamp"], 1);
  EXPECT_TRUE(s.all_delivered);
  EXPECT_EQ(s.delivery.delivered, 300u);
  {
    std::ifstream dead(dir / "dead.jsonl");
    int lines = 0;
    for (std::string l; std::getline(dead, l);) {
      ++lines;
      EXPECT_NE(l.find("\"reason\":"), std::string::npos);
    }
    EXPECT_EQ(lines, 3);
  }

  const auto messages = read_back(mc->bootstraps(), {"tweets"}, 300);
  ASSERT_EQ(messages.size(), 300u);
  PostDecoder decoder;
  std::map<std::string, int32_t> partition_of_key;
  std::set<std::string> ids;
  int keyed = 0;
  for (const auto& m : messages) {
    auto post = decoder.decode(std::string_view(m.value), SourcePosition{});
    ASSERT_TRUE(post.ok()) << post.error().detail;
    const auto it = originals.find(post.value().id);
    ASSERT_NE(it, originals.end()) << post.value().id;
    EXPECT_TRUE(ids.insert(post.value().id).second) << "duplicate " << post.value().id;
    EXPECT_EQ(post.value().text, it->second.text);
    EXPECT_EQ(post.value().created_at, it->second.created_at);
    EXPECT_EQ(post.value().user, it->second.user);
    EXPECT_EQ(m.key, expected_key(it->second.text)) << it->second.text;
    if (!m.key.empty()) {
      ++keyed;
      auto [pk, fresh] = partition_of_key.emplace(m.key, m.partition);
      EXPECT_TRUE(fresh || pk->second == m.partition) << m.key;
    }
  }
  EXPECT_GT(keyed, 250);  // nearly every synthetic post has a cashtag
  std::filesystem::remove_all(dir);
}

TEST(ProduceCommandTest, BarsFromAFileToAFile) {
  const auto dir = temp_dir();
  SyntheticBarGenerator gen(SyntheticBarOptions{});
  std::vector<Bar> bars;
  for (int i = 0; i < 5; ++i) gen.next_minute(bars);
  {
    std::ofstream in(dir / "bars.jsonl");
    std::string line;
    for (size_t i = 0; i < bars.size(); ++i) {
      line.clear();
      append_bar_json(bars[i], line);
      in << line << '\n';
      if (i == 3) {
        in << R"({"symbol":"AAPL","timestamp":"2024-05-01T14:00:00Z","open":1,"high":1,"low":1,"close":1,"volume":-5})"
           << '\n';
      }
    }
  }
  ProduceCommand::Summary s;
  ASSERT_EQ(run_produce({"bars", "--to", "file:" + (dir / "out.jsonl").string(), "--from",
                         (dir / "bars.jsonl").string()},
                        &s),
            0);
  EXPECT_EQ(s.sent, static_cast<int64_t>(bars.size()));
  EXPECT_EQ(s.dead_letters, 1);
  EXPECT_EQ(s.dead_letters_by_reason["invalid_number"], 1);

  std::ifstream out(dir / "out.jsonl");
  BarDecoder decoder;
  size_t i = 0;
  for (std::string l; std::getline(out, l); ++i) {
    ASSERT_LT(i, bars.size());
    auto b = decoder.decode(std::string_view(l), SourcePosition{});
    ASSERT_TRUE(b.ok()) << b.error().detail;
    EXPECT_EQ(b.value().symbol, bars[i].symbol);
    EXPECT_EQ(b.value().ts, bars[i].ts);
    EXPECT_EQ(b.value().close, bars[i].close);
    EXPECT_EQ(b.value().volume, bars[i].volume);
  }
  EXPECT_EQ(i, bars.size());
  std::filesystem::remove_all(dir);
}

TEST(ProduceCommandTest, SyntheticPostsAndBarsToTwoTopics) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("tweets", 6).ok());
  ASSERT_TRUE(mc->create_topic("stock-prices", 6).ok());
  ProduceCommand::Summary s;
  // 600 posts at 4 per second of event time: 150 s, so two or three minutes of bars.
  ASSERT_EQ(run_produce({"synthetic", "--to", "kafka://" + mc->bootstraps(), "--count", "600",
                         "--event-rate", "4", "--start", "2024-05-01T14:00:00Z", "--seed", "3"},
                        &s),
            0);
  EXPECT_EQ(s.read, 600);
  const int64_t bar_count = s.sent - 600;
  EXPECT_GE(bar_count, 24);
  EXPECT_EQ(bar_count % 12, 0);  // whole minutes of the 12 default symbols

  const auto messages =
      read_back(mc->bootstraps(), {"tweets", "stock-prices"}, static_cast<size_t>(s.sent));
  int posts = 0, bars = 0;
  BarDecoder decoder;
  for (const auto& m : messages) {
    if (m.topic == "tweets") {
      ++posts;
      continue;
    }
    ++bars;
    auto b = decoder.decode(std::string_view(m.value), SourcePosition{});
    ASSERT_TRUE(b.ok()) << b.error().detail;
    EXPECT_EQ(m.key, b.value().symbol);
  }
  EXPECT_EQ(posts, 600);
  EXPECT_EQ(bars, bar_count);
}

TEST(ProduceCommandTest, UndeliveredMessagesMakeTheExitCodeNonZero) {
  auto mc = start_cluster();
  ASSERT_NE(mc, nullptr);
  ASSERT_TRUE(mc->create_topic("tweets", 2).ok());
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(mc->broker_down(id).ok());
  ProduceCommand::Summary s;
  EXPECT_EQ(run_produce({"synthetic", "--to", "kafka://" + mc->bootstraps(), "--count", "10",
                         "--posts-topic", "tweets", "--bars-topic", "tweets", "--kafka-property",
                         "message.timeout.ms=1000", "--flush-timeout", "10"},
                        &s),
            1);
  EXPECT_FALSE(s.all_delivered);
  EXPECT_EQ(s.delivery.delivered, 0u);
  EXPECT_EQ(s.delivery.failed, static_cast<uint64_t>(s.sent));
  EXPECT_GT(s.delivery.failures_by_reason.size(), 0u);
}

TEST(ProduceCommandTest, RejectsATopicInTheUrlForSynthetic) {
  EXPECT_THROW(run_produce({"synthetic", "--to", "kafka://h:1/t", "--count", "1"}),
               std::runtime_error);
  EXPECT_THROW(run_produce({"posts", "--to", "nowhere", "--from", "x"}), std::runtime_error);
}

}  // namespace
}  // namespace stockpulse
