#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stockpulse {

// The layouts a posts file may have. kJsonLines is the bus contract (or any JSON lines with the
// dataset column names); the social formats are the APIs' own records (SocialPostParser).
enum class PostFileFormat : uint8_t {
  kAuto,
  kCsv,
  kJsonLines,
  kParquet,
  kTwitterV1,       // Twitter API v1.1 tweets: JSON lines or one JSON array
  kTwitterV2,       // Twitter API v2 pages or tweet objects
  kTwitterArchive,  // tweets.js of a Twitter archive ("window.YTD.tweets.part0 = [...]")
  kStockTwits,      // StockTwits API messages or responses
  kReddit,          // Reddit submissions and comments (Pushshift-style NDJSON dumps)
};

// "auto", "csv", "jsonl", "parquet", "twitter-v1", "twitter-v2", "tweets-js", "stocktwits",
// "reddit"; nullopt for anything else.
std::optional<PostFileFormat> parse_post_file_format(std::string_view name);
// The name parse_post_file_format reads.
const char* post_file_format_name(PostFileFormat format);
// The formats SocialPostParser reads.
bool is_social_format(PostFileFormat format);
// Every name, for --help and error messages: "auto, csv, jsonl, ...".
std::string post_file_format_names();

// The format of a posts file: Parquet and CSV by extension (.parquet/.pq, .csv/.tsv/.txt); "-" is
// JSON lines; anything else (.json, .jsonl, .ndjson, .js, no extension) by its content: "PAR1"
// is Parquet, JSON is classified by its first records (classify_json_record: the first of the
// first 16 records, or 1 MiB, that is a JSON object decides), anything else is CSV.
PostFileFormat detect_post_file_format(const std::string& path);

}  // namespace stockpulse
