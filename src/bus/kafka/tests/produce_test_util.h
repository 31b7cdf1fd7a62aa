#pragma once

// Helpers of the `stockpulse produce` end-to-end tests: run the command as the CLI would, a
// scratch folder per test, and read a topic back with a fresh consumer group.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/produce_command.h"
#include "bus/kafka/tests/kafka_test_util.h"

namespace stockpulse::testing {

// Runs `produce ARGS...` as the CLI would.
inline int run_produce(const std::vector<std::string>& args,
                       ProduceCommand::Summary* summary = nullptr) {
  CLI::App app;
  ProduceCommand cmd(app);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  reversed.push_back("produce");  // CLI11 wants the arguments last-first, without argv[0]
  app.parse(reversed);
  EXPECT_TRUE(cmd.selected());
  const int rc = cmd.execute();
  if (summary) *summary = cmd.summary();
  return rc;
}

// An empty folder of this process and test.
inline std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("sp_kafka_produce_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

struct Message {
  std::string topic;
  int32_t partition;
  std::string key;
  std::string value;
};

// Reads `expected` messages of `topics` from the beginning of every partition, then checks that
// nothing more arrives (anything beyond `expected` would be a duplicate). A plain consumer with
// assign(), not a group member: reading back needs no rebalance, which on the mock cluster costs
// seconds per test.
inline std::vector<Message> read_back(const std::string& brokers,
                                      const std::vector<std::string>& topics, size_t expected) {
  using namespace std::chrono_literals;
  std::vector<Message> out;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (auto [k, v] :
       {std::pair{"bootstrap.servers", brokers.c_str()}, std::pair{"group.id", "read-back"},
        std::pair{"enable.auto.commit", "false"}, std::pair{"enable.partition.eof", "false"}}) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k, v, err, sizeof err), RD_KAFKA_CONF_OK) << err;
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  EXPECT_NE(rk, nullptr) << err;
  if (rk == nullptr) return out;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(16);
  for (const std::string& topic : topics) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 10000);
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1) {
      for (int p = 0; p < md->topics[0].partition_cnt; ++p) {
        rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
      }
    }
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
  }
  EXPECT_EQ(rd_kafka_assign(rk, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);
  // Takes every message already fetched, waiting up to timeout_ms for the first.
  auto poll = [&](int timeout_ms) {
    while (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, timeout_ms)) {
      timeout_ms = 0;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        out.push_back({rd_kafka_topic_name(m->rkt), m->partition,
                       m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : "",
                       std::string(static_cast<const char*>(m->payload), m->len)});
      }
      rd_kafka_message_destroy(m);
    }
  };
  EXPECT_TRUE(wait_for(
      [&] {
        poll(100);
        return out.size() >= expected;
      },
      30s))
      << "read " << out.size() << " of " << expected;
  const size_t read = out.size();
  const auto until = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < until) poll(50);
  EXPECT_EQ(out.size(), read) << "more messages than expected";
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace stockpulse::testing
