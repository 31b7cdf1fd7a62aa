#include "source/json_record_reader.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace stockpulse {
namespace {

namespace fs = std::filesystem;

std::string temp_file(const std::string& name, const std::string& content) {
  const auto dir =
      fs::temp_directory_path() / ("sp_json_record_reader_test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

struct Got {
  std::vector<std::string> records;  // "TEXT" or "too_long:SIZE:PREFIX"
  std::vector<uint64_t> ends;
};

Got read_all(const std::string& path, uint64_t from = 0, size_t max_record = 1 << 20,
             size_t block = 4096) {
  JsonRecordReader r(RecordReaderOptions{.block_bytes = block, .max_record_bytes = max_record});
  Got got;
  const auto err = r.open(path, from);
  EXPECT_FALSE(err) << *err;
  if (err) return got;
  Record rec;
  for (;;) {
    const RecordStatus st = r.next(rec);
    if (st == RecordStatus::kEof) break;
    EXPECT_NE(st, RecordStatus::kError) << r.error();
    if (st == RecordStatus::kError) break;
    got.records.push_back(st == RecordStatus::kTooLong
                              ? "too_long:" + std::to_string(rec.full_size) + ":" +
                                    std::string(rec.text.substr(0, 8))
                              : std::string(rec.text));
    got.ends.push_back(rec.end_offset);
  }
  return got;
}

TEST(JsonRecordReader, ArrayElementsWithBracketsAndQuotesInStrings) {
  const std::string path = temp_file(
      "array.json",
      "\xEF\xBB\xBF [\n  {\"a\": \"x ] } [ {\", \"b\": [1, {\"c\": \"\\\"}\"}]},\n  {\"d\": 2}\n"
      "  , 17, \"str\\\"ing\", true ]\n");
  const Got got = read_all(path);
  EXPECT_EQ(got.records,
            (std::vector<std::string>{"{\"a\": \"x ] } [ {\", \"b\": [1, {\"c\": \"\\\"}\"}]}",
                                      "{\"d\": 2}", "17", "\"str\\\"ing\"", "true"}));
  EXPECT_EQ(sniff_json_layout(path), JsonLayout::kArray);
  // Every end offset continues with the next element.
  for (size_t i = 0; i < got.ends.size(); ++i) {
    const Got rest = read_all(path, got.ends[i]);
    EXPECT_EQ(rest.records, std::vector<std::string>(got.records.begin() + static_cast<long>(i) + 1,
                                                     got.records.end()))
        << "from " << got.ends[i];
  }
}

TEST(JsonRecordReader, TweetsJsAssignmentAndTinyBlocks) {
  std::string content = "window.YTD.tweets.part0 = [ ";
  std::vector<std::string> want;
  for (int i = 0; i < 200; ++i) {
    want.push_back("{\n  \"tweet\" : {\n    \"id_str\" : \"" + std::to_string(i) +
                   "\",\n    \"full_text\" : \"a } b\"\n  }\n}");
    content += (i ? ", " : "") + want.back();
  }
  content += " ];\n";
  const std::string path = temp_file("tweets.js", content);
  EXPECT_EQ(sniff_json_layout(path), JsonLayout::kArray);
  // Blocks far smaller than a record: records span many reads.
  EXPECT_EQ(read_all(path, 0, 1 << 20, 16).records, want);
}

TEST(JsonRecordReader, PrettyPrintedValuesOneAfterAnother) {
  const std::string path =
      temp_file("values.json", "{\n  \"messages\": [\n    {\"id\": 1}\n  ]\n}\n{\n  \"x\": 2\n}\n");
  EXPECT_EQ(sniff_json_layout(path), JsonLayout::kValues);
  EXPECT_EQ(read_all(path).records,
            (std::vector<std::string>{"{\n  \"messages\": [\n    {\"id\": 1}\n  ]\n}",
                                      "{\n  \"x\": 2\n}"}));
  EXPECT_EQ(sniff_json_layout(temp_file("lines.json", "{\"a\": 1}\n{\"a\": 2}\n")),
            JsonLayout::kLines);
}

TEST(JsonRecordReader, OverLongElementIsSkippedToItsEnd) {
  const std::string big(5000, 'x');
  const std::string path =
      temp_file("long.json", "[{\"a\":1}, {\"t\":\"" + big + "\", \"u\": [\"]\"]}, {\"a\":2}]");
  const Got got = read_all(path, 0, 1024, 4096);
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_EQ(got.records[0], "{\"a\":1}");
  EXPECT_EQ(got.records[1], "too_long:" + std::to_string(big.size() + 20) + ":{\"t\":\"xx");
  EXPECT_EQ(got.records[2], "{\"a\":2}");
}

TEST(JsonRecordReader, LayoutOfLinesAndArrays) {
  EXPECT_EQ(sniff_json_layout(temp_file("l1.jsonl", "[1,2]\n{\"a\":1}\n")), JsonLayout::kLines);
  EXPECT_EQ(sniff_json_layout(temp_file("a1.json", "[1,2]\n")), JsonLayout::kArray);
  EXPECT_EQ(sniff_json_layout(temp_file("a2.js", "var x = [1,\n2];\n")), JsonLayout::kArray);
  // A cut-off first line does not make the rest one long value.
  EXPECT_EQ(sniff_json_layout(temp_file("l2.jsonl", "{\"a\": \"cut\n{\"a\":1}\n")),
            JsonLayout::kLines);
  // Pretty-printed, with a one-line nested object that closes a list: values.
  EXPECT_EQ(sniff_json_layout(temp_file("v1.json", "{\n  \"m\": [\n    {\"id\": 1}\n  ]\n}\n")),
            JsonLayout::kValues);
}

TEST(JsonRecordReader, FileEndingInsideAValueHandsOutWhatThereIs) {
  const std::string path = temp_file("cut.json", "[{\"a\":1}, {\"b\": [1, 2");
  EXPECT_EQ(read_all(path).records, (std::vector<std::string>{"{\"a\":1}", "{\"b\": [1, 2"}));
  EXPECT_TRUE(read_all(temp_file("empty.json", "  [ ] ")).records.empty());
  EXPECT_TRUE(read_all(temp_file("blank.json", "")).records.empty());
}

}  // namespace
}  // namespace stockpulse
