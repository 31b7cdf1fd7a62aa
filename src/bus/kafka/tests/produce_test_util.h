#pragma once

// Helpers of the `stockpulse produce` end-to-end tests: run the command as the CLI would, a
// scratch folder per test, and read a topic back with a fresh consumer group.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

// Reads `expected` messages of `topics` with a fresh consumer group, then checks that nothing
// more arrives (anything beyond `expected` would be a duplicate).
inline std::vector<Message> read_back(const std::string& brokers, std::vector<std::string> topics,
                                      size_t expected) {
  using namespace std::chrono_literals;
  KafkaConsumerOptions o;
  o.connection.brokers = brokers;
  o.group_id = "read-back";
  o.topics = std::move(topics);
  auto c = KafkaConsumer::create(o);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error());
  std::vector<Message> out;
  if (!c.ok()) return out;
  ConsumedBatch batch;
  EXPECT_TRUE(wait_for(
      [&] {
        EXPECT_TRUE(c.value()->poll_batch(1000, 100ms, batch).ok());
        for (const auto& r : batch.records) {
          out.push_back({std::string(batch.topic(r)), r.partition.value(),
                         std::string(batch.key(r)), std::string(batch.value(r))});
        }
        return out.size() >= expected;
      },
      30s))
      << "read " << out.size() << " of " << expected;
  EXPECT_TRUE(c.value()->poll_batch(1000, 300ms, batch).ok());
  EXPECT_EQ(batch.records.size(), 0u);
  return out;
}

}  // namespace stockpulse::testing
