#include "pipeline/dead_letter_writer.h"
#include <unistd.h>

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace stockpulse {
namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

TEST(DeadLetterWriter, WritesValidJsonWithReasonAndCountsEveryLetter) {
  const auto path =
      (std::filesystem::temp_directory_path() / ("sp_dlw_test.jsonl-" + std::to_string(::getpid())))
          .string();
  PipelineMetrics metrics;
  {
    DeadLetterWriter w(path, metrics);
    DeadLetter a;
    a.stream = "tweets";
    a.partition = PartitionId(0);
    a.offset = Offset(7);
    a.reason = DeadLetterReason::kInvalidUtf8;
    a.detail = "field 'text' is not valid UTF-8";
    a.payload = std::string("{\"text\":\"bad \xC3\x28 \"quote\" \n\"}");
    a.payload_size = a.payload.size();
    DeadLetter b = a;
    b.reason = DeadLetterReason::kLate;
    b.offset = Offset(8);
    b.payload = std::string(10000, 'x');
    b.payload_size = 10000;
    std::vector<DeadLetter> letters{a, b};
    w.write(letters);
    w.flush();
  }
  EXPECT_EQ(metrics.dead_letters.load(), 2u);
  EXPECT_EQ(metrics.late(), 1u);
  EXPECT_EQ(metrics.dead_by_reason[static_cast<size_t>(DeadLetterReason::kInvalidUtf8)].load(), 1u);

  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  simdjson::dom::parser parser;
  simdjson::dom::element first;
  ASSERT_EQ(parser.parse(lines[0]).get(first), simdjson::SUCCESS) << lines[0];
  EXPECT_EQ(std::string_view(first["reason"]), "invalid_utf8");
  EXPECT_EQ(int64_t(first["offset"]), 7);
  EXPECT_EQ(std::string_view(first["stream"]), "tweets");
  const std::string payload{std::string_view(first["payload"])};
  EXPECT_NE(payload.find("\xEF\xBF\xBD"), std::string::npos);  // the bad byte became U+FFFD
  EXPECT_NE(payload.find("\"quote\" \n"), std::string::npos);  // escapes round-trip

  simdjson::dom::element second;
  ASSERT_EQ(parser.parse(lines[1]).get(second), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(second["reason"]), "late");
  EXPECT_EQ(std::string_view(second["payload"]).size(), kMaxDeadLetterPayload);
  EXPECT_EQ(uint64_t(second["payload_size"]), 10000u);
}

TEST(DeadLetterWriter, UnwritablePathIsAStartUpError) {
  PipelineMetrics metrics;
  EXPECT_THROW(DeadLetterWriter("/proc/stockpulse/cannot/dl.jsonl", metrics), std::exception);
}

}  // namespace
}  // namespace stockpulse
