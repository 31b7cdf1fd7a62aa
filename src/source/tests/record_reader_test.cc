#include "source/record_reader.h"
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "source/deterministic_rng.h"

namespace stockpulse {
namespace {

std::string temp_file(const std::string& name, const std::string& content) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sp_record_reader_test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// An independent CSV writer: quote a field when it holds a delimiter, quote, CR or LF.
std::string csv_field(const std::string& f) {
  if (f.find_first_of(",\"\r\n") == std::string::npos) return f;
  std::string out = "\"";
  for (char c : f) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

TEST(RecordReader, CsvQuotedNewlinesCrlfAndOffsets) {
  const std::string content =
      "a,b\r\n"
      "1,\"two\nlines\"\r\n"
      "\n"
      "\"x\"\"y\",z\n"
      "last,\"no newline\"";
  const std::string path = temp_file("basic.csv", content);
  RecordReader r(RecordReaderOptions{.syntax = RecordSyntax::kCsv});
  ASSERT_FALSE(r.open(path));
  std::vector<std::string> texts;
  std::vector<uint64_t> ends;
  Record rec;
  while (r.next(rec) == RecordStatus::kRecord) {
    texts.emplace_back(rec.text);
    ends.push_back(rec.end_offset);
    // The view is exactly the file bytes at begin_offset.
    EXPECT_EQ(content.substr(rec.begin_offset, rec.text.size()), rec.text);
  }
  ASSERT_EQ(texts.size(), 4u);
  EXPECT_EQ(texts[0], "a,b");
  EXPECT_EQ(texts[1], "1,\"two\nlines\"");
  EXPECT_EQ(texts[2], "\"x\"\"y\",z");
  EXPECT_EQ(texts[3], "last,\"no newline\"");
  EXPECT_EQ(ends.back(), content.size());

  // Opening at any end offset continues with the next record.
  RecordReader r2(RecordReaderOptions{.syntax = RecordSyntax::kCsv});
  ASSERT_FALSE(r2.open(path, ends[1]));
  ASSERT_EQ(r2.next(rec), RecordStatus::kRecord);
  EXPECT_EQ(rec.text, "\"x\"\"y\",z");
}

TEST(RecordReader, LinesModeIgnoresQuotes) {
  const std::string path = temp_file("lines.jsonl", "{\"a\":\"\\\"\"}\n\"\n{}\n");
  RecordReader r;
  ASSERT_FALSE(r.open(path));
  Record rec;
  std::vector<std::string> texts;
  while (r.next(rec) == RecordStatus::kRecord) texts.emplace_back(rec.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"{\"a\":\"\\\"\"}", "\"", "{}"}));
}

TEST(RecordReader, RandomCsvRoundTripsThroughSmallBlocksAndSkipsLongRecords) {
  DeterministicRng rng(42);
  const std::string alphabet = "ab,\"\n\r x;é";
  std::vector<std::vector<std::string>> rows;
  std::string content;
  const size_t max_record = 300;
  std::vector<bool> too_long;
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::string> row;
    const int nf = 1 + static_cast<int>(rng.below(4));
    const bool big = rng.chance(0.02);
    for (int f = 0; f < nf; ++f) {
      std::string s;
      const int len =
          big ? 400 + static_cast<int>(rng.below(5000)) : static_cast<int>(rng.below(20));
      for (int k = 0; k < len; ++k)
        s += alphabet[rng.below(static_cast<uint32_t>(alphabet.size()))];
      row.push_back(s);
    }
    std::string rec;
    for (int f = 0; f < nf; ++f) rec += (f ? "," : "") + csv_field(row[static_cast<size_t>(f)]);
    if (rec.empty()) continue;  // an empty record is skipped by design
    content += rec + (rng.chance(0.5) ? "\r\n" : "\n");
    too_long.push_back(rec.size() > max_record);
    rows.push_back(row);
  }
  const std::string path = temp_file("random.csv", content);
  RecordReader r(RecordReaderOptions{
      .syntax = RecordSyntax::kCsv, .block_bytes = 4096, .max_record_bytes = max_record});
  ASSERT_FALSE(r.open(path));
  Record rec;
  std::vector<std::string> fields;
  size_t i = 0;
  uint64_t last_end = 0;
  for (;;) {
    const RecordStatus st = r.next(rec);
    if (st == RecordStatus::kEof) break;
    ASSERT_LT(i, rows.size());
    EXPECT_EQ(rec.begin_offset, last_end) << "record " << i;
    last_end = rec.end_offset;
    if (too_long[i]) {
      ASSERT_EQ(st, RecordStatus::kTooLong) << "record " << i;
      EXPECT_GT(rec.full_size, max_record);
    } else {
      ASSERT_EQ(st, RecordStatus::kRecord) << "record " << i;
      split_csv_record(rec.text, ',', fields);
      EXPECT_EQ(fields, rows[i]) << "record " << i;
    }
    ++i;
  }
  EXPECT_EQ(i, rows.size());
  EXPECT_EQ(last_end, content.size());
}

TEST(SplitCsvRecord, EdgeCases) {
  std::vector<std::string> f;
  split_csv_record("a;\"b;c\";\"d\"\"e\";", ';', f);
  EXPECT_EQ(f, (std::vector<std::string>{"a", "b;c", "d\"e", ""}));
  split_csv_record("", ',', f);
  EXPECT_EQ(f, (std::vector<std::string>{""}));
  split_csv_record("x\"y,\"q\"tail,\"open", ',', f);
  EXPECT_EQ(f, (std::vector<std::string>{"x\"y", "qtail", "open"}));
}

TEST(DetectCsvDelimiter, PicksMostFrequentOutsideQuotes) {
  EXPECT_EQ(detect_csv_delimiter("id;created_at;text;sentiment"), ';');
  EXPECT_EQ(detect_csv_delimiter("created_at,text"), ',');
  EXPECT_EQ(detect_csv_delimiter("\"a;b;c\",x,y"), ',');
  EXPECT_EQ(detect_csv_delimiter("a\tb\tc"), '\t');
}

}  // namespace
}  // namespace stockpulse
