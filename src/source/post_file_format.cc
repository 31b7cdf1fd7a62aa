#include "source/post_file_format.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstring>

#include "source/json_record_reader.h"
#include "source/record_reader.h"
#include "source/social_post_parser.h"

namespace stockpulse {

namespace {

struct FormatName {
  PostFileFormat format;
  const char* name;
};
constexpr std::array<FormatName, 9> kNames = {{
    {PostFileFormat::kAuto, "auto"},
    {PostFileFormat::kJsonLines, "jsonl"},
    {PostFileFormat::kCsv, "csv"},
    {PostFileFormat::kParquet, "parquet"},
    {PostFileFormat::kTwitterV1, "twitter-v1"},
    {PostFileFormat::kTwitterV2, "twitter-v2"},
    {PostFileFormat::kTwitterArchive, "tweets-js"},
    {PostFileFormat::kStockTwits, "stocktwits"},
    {PostFileFormat::kReddit, "reddit"},
}};

// Records and bytes looked at to classify a JSON file.
constexpr int kSniffRecords = 16;
constexpr size_t kSniffBytes = 1 << 20;

// The first records of a JSON file, classified; the first that is a JSON object decides.
PostFileFormat sniff_json(const std::string& path) {
  const JsonLayout layout = sniff_json_layout(path);
  RecordReaderOptions o{
      .syntax = RecordSyntax::kLines, .block_bytes = 1 << 16, .max_record_bytes = kSniffBytes};
  Record rec;
  auto classify = [&](auto& reader) {
    for (int i = 0; i < kSniffRecords; ++i) {
      const RecordStatus st = reader.next(rec);
      if (st == RecordStatus::kEof || st == RecordStatus::kError) break;
      if (st != RecordStatus::kRecord) continue;
      if (auto f = classify_json_record(rec.text)) return *f;
    }
    return PostFileFormat::kJsonLines;
  };
  if (layout == JsonLayout::kLines) {
    RecordReader reader(o);
    if (reader.open(path)) return PostFileFormat::kJsonLines;
    return classify(reader);
  }
  JsonRecordReader reader(o);
  if (reader.open(path)) return PostFileFormat::kJsonLines;
  return classify(reader);
}

}  // namespace

std::optional<PostFileFormat> parse_post_file_format(std::string_view name) {
  for (const auto& n : kNames)
    if (name == n.name) return n.format;
  return std::nullopt;
}

const char* post_file_format_name(PostFileFormat format) {
  for (const auto& n : kNames)
    if (n.format == format) return n.name;
  return "auto";
}

bool is_social_format(PostFileFormat format) {
  switch (format) {
    case PostFileFormat::kTwitterV1:
    case PostFileFormat::kTwitterV2:
    case PostFileFormat::kTwitterArchive:
    case PostFileFormat::kStockTwits:
    case PostFileFormat::kReddit:
      return true;
    case PostFileFormat::kAuto:
    case PostFileFormat::kCsv:
    case PostFileFormat::kJsonLines:
    case PostFileFormat::kParquet:
      return false;
  }
  return false;
}

std::string post_file_format_names() {
  std::string out;
  for (const auto& n : kNames) {
    if (!out.empty()) out += ", ";
    out += n.name;
  }
  return out;
}

PostFileFormat detect_post_file_format(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) {
    if (path.size() < suffix.size()) return false;
    for (size_t i = 0; i < suffix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(path[path.size() - suffix.size() + i])) !=
          suffix[i])
        return false;
    return true;
  };
  if (ends_with(".parquet") || ends_with(".pq")) return PostFileFormat::kParquet;
  if (ends_with(".csv") || ends_with(".tsv") || ends_with(".txt")) return PostFileFormat::kCsv;
  if (path == "-") return PostFileFormat::kJsonLines;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ends_with(".csv") ? PostFileFormat::kCsv : PostFileFormat::kJsonLines;
  char head[64];
  const ssize_t n = ::read(fd, head, sizeof head);
  ::close(fd);
  if (n >= 4 && std::memcmp(head, "PAR1", 4) == 0) return PostFileFormat::kParquet;
  ssize_t i = n >= 3 && std::memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  for (; i < n; ++i) {
    const char c = head[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '{' || c == '[' || std::isalpha(static_cast<unsigned char>(c)) != 0) {
      // JSON, or a JavaScript assignment of it (tweets.js) -- or a CSV header (letters): a CSV
      // file without the extension has no '{' in its first record, so it classifies as nothing.
      if (c != '{' && c != '[' && !ends_with(".js") && !ends_with(".json")) {
        // Letters first: a tweets.js assignment or a CSV header.
        const std::string_view h(head, static_cast<size_t>(n));
        if (h.find("window.") != static_cast<size_t>(i) && h.find(" = [") == std::string_view::npos)
          return PostFileFormat::kCsv;
      }
      return sniff_json(path);
    }
    return PostFileFormat::kCsv;
  }
  // Empty: by extension (.json / .jsonl / .ndjson), else CSV.
  return ends_with(".json") || ends_with(".jsonl") || ends_with(".ndjson")
             ? PostFileFormat::kJsonLines
             : PostFileFormat::kCsv;
}

}  // namespace stockpulse
