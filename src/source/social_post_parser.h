#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dead_letter.h"
#include "common/events.h"
#include "source/post_file_format.h"

namespace stockpulse {

// One post of a social-media API record, mapped to the post contract but not yet validated
// (PostReplay checks time and text, rebases, dedupes). `problem` set: this post cannot be read
// (a dead letter with that reason and `detail`); the record's other posts still can.
struct SocialPost {
  std::optional<DeadLetterReason> problem;
  std::string detail;
  std::string id;
  std::string time_text;           // as written (Twitter's format, ISO 8601, epoch digits)
  std::optional<int64_t> time_ms;  // when the record gave a number (Reddit's created_utc)
  bool has_text = false;
  std::string text;  // HTML entities decoded
  std::string user;
  std::string source;  // "twitter", "stocktwits", "reddit/r/<subreddit>"
  std::vector<std::string> symbols;
  std::optional<SentimentLabel> label;
  std::string retweet_of;  // id of the original, when the record names it
  // A post of a record that holds a list of them: its own JSON (at most 4 KiB), for a dead letter.
  std::string raw;
};

// Parses records (one JSON value each, as the readers split them) of one social-media API format
// into posts:
//
// - kTwitterV1: a v1.1 tweet. created_at in Twitter's format, id_str (else id), the text from
//   extended_tweet.full_text, else full_text, else text; user.screen_name. A retweet
//   (retweeted_status) is "RT @original_author: <original full text>" with retweet_of set.
// - kTwitterV2: a page {"data": [...] | {...}, "includes": {"users": [...], "tweets": [...]}}
//   (any number of posts) or one tweet object. id, text (note_tweet.text when longer), created_at
//   (ISO), author_id mapped to includes.users' username (else an inline author.username, else
//   the id itself); referenced_tweets of type "retweeted" sets retweet_of and, when the original
//   is in includes.tweets, the text becomes "RT @author: <original text>".
// - kTwitterArchive: an element of the archive's tweets.js, {"tweet": {...v1.1-like...}} (or the
//   tweet itself); the archive holds no user, so user is "".
// - kStockTwits: a response {"messages": [...]} (or {"message": {...}}) or one message: id,
//   body, created_at (ISO), user.username, symbols[].symbol, entities.sentiment.basic as label.
// - kReddit: a submission (title + "\n\n" + selftext) or comment (body) of a Pushshift-style
//   dump: id as the fullname (t3_ / t1_ + id, name when given), created_utc (number or string),
//   author, source "reddit/r/<subreddit>"; "[removed]" / "[deleted]" texts count as missing.
//
// Every text has its HTML entities decoded (all five APIs escape & < >).
//
// Lifecycle: construct once per reader; parse() per record. Thread-safety: none.
class SocialPostParser {
 public:
  explicit SocialPostParser(PostFileFormat format);
  ~SocialPostParser();
  SocialPostParser(const SocialPostParser&) = delete;
  SocialPostParser& operator=(const SocialPostParser&) = delete;

  // Replaces `out` with the posts of `record` (possibly none: a v2 page without data). A record
  // that is not a JSON object gives one post with problem kMalformedJson.
  void parse(std::string_view record, std::vector<SocialPost>& out);

 private:
  struct Impl;
  PostFileFormat format_;
  std::unique_ptr<Impl> impl_;
};

// What kind of record `record` is, from its keys: a social format, kJsonLines (a post of the bus
// contract or a generic dataset line), or nullopt when it is not a JSON object.
std::optional<PostFileFormat> classify_json_record(std::string_view record);

}  // namespace stockpulse
