#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/dead_letter.h"
#include "common/events.h"
#include "source/post_file_format.h"
#include "source/replay_position.h"

namespace stockpulse {

struct RawPostRow;  // one parsed input row, defined in post_replay.cc
class PostDeduplicator;

struct PostReplayOptions {
  PostFileFormat format = PostFileFormat::kAuto;
  PartitionId partition{0};
  // Post::source of every post of a CSV, JSON-lines or Parquet file without a source of its own
  // (the social formats name theirs: "twitter", "stocktwits", "reddit/r/<subreddit>").
  std::string source = "replay";
  // Rebasing: the first post maps to `rebase_to` (default: the clock's now when the first post is
  // read) and every later post keeps its original distance to the first. Off: original timestamps
  // pass through (back-testing).
  bool rebase_time = false;
  std::optional<EventTime> rebase_to;
  // Pace: post k is due `(t_k - t_first) / speed` after the first post was read. 0 (or any value
  // <= 0) plays as fast as possible.
  double speed = 1.0;
  // Cap on posts per second of clock time (0: none). A caller that fell behind may catch up in a
  // burst of at most rate_burst_ms worth of posts, which keeps the cap exact on average even on a
  // millisecond clock.
  double rate = 0;
  int64_t rate_burst_ms = 1000;
  // Records (CSV records, lines) longer than this become kTooLarge dead letters.
  size_t max_record_bytes = 1 << 20;
  size_t block_bytes = 1 << 20;
  // Pass each post on once: a post whose id was seen, a retweet of a post seen (by the
  // original's id, or for "RT @user: text" by user and text) and an original seen as a retweet
  // before become kDuplicate dead letters (PostDeduplicator). Memory: at most
  // dedupe_max_entries fingerprints (three per post at most; 24-40 bytes each at the cap,
  // allocated as they come), the oldest forgotten first. A replay opened at a saved position
  // re-reads the file up to it first, so it skips exactly what an uninterrupted replay skips.
  bool dedupe = false;
  size_t dedupe_max_entries = size_t{1} << 21;
};

enum class ReplayStatus : uint8_t {
  kPost,        // `post` holds the next post; emit it at due()
  kDeadLetter,  // `letter` holds a bad row; the replay goes on
  kEnd,         // end of the file
  kError,       // the file could not be read on; error() says why
};

// Progress of a replay, for the progress line on stderr and for metrics. percent and eta_s are
// negative when unknown (stdin).
struct ReplayProgress {
  int64_t rows = 0;          // records consumed, this run and earlier ones
  int64_t posts = 0;         // posts handed out
  int64_t dead_letters = 0;  // bad rows
  int64_t duplicates = 0;    // posts skipped as repeats (options.dedupe)
  uint64_t bytes = 0;        // byte position (CSV, JSON lines)
  uint64_t total_bytes = 0;  // file size (CSV, JSON lines)
  int64_t total_rows = -1;   // row count (Parquet)
  double rows_per_s = 0;     // this run, over clock time
  double percent = -1;
  double eta_s = -1;
};

// "replay 12.3% | 1,234,567 rows | 45,678 rows/s | 1.2 GiB / 9.8 GiB | ETA 3m12s | 12 bad", then
// " | 345 duplicates" when any were skipped.
std::string format_replay_progress(const ReplayProgress& p);

// Parses the timestamp forms tweet datasets use: ISO 8601 / RFC 3339 (see parse_iso8601, also with
// a "+00" offset), Twitter's "Wed Apr 09 23:59:51 +0000 2020", and epoch seconds or milliseconds
// (digits; 11 digits or fewer are seconds). Returns epoch milliseconds.
std::optional<int64_t> parse_post_timestamp(std::string_view text);

// Replays a file of posts in the layout of the public stock-market-tweets-data set (`created_at`,
// `text`, optional `id`, `user`/`username`; other columns ignored; see PostColumns for the names
// accepted) from CSV (RFC 4180, any of , ; TAB | as delimiter, quoted newlines), JSON lines, or
// Parquet (streamed through DuckDB in chunks), or the records of a social-media API
// (SocialPostParser: Twitter v1.1 / v2 / archive, StockTwits, Reddit; as JSON lines, one JSON
// array, a tweets.js assignment or pretty-printed values), in constant memory whatever the file
// size. A record may hold many posts (a v2 page, a StockTwits response); each is a row of its own.
//
// Pacing is computed, not slept: next() returns the post together with the clock time it is due
// (due()); the caller waits until then (sleep_until_due() does it for real clocks) and emits it.
// So unit tests drive a SimulatedClock and never sleep. Bad rows come back as dead letters
// (kBadTimestamp, kMissingField, kMalformedJson, kWrongType, kTooLarge) and never stop a replay.
//
// Resume: position() is the position after the last record returned. Save it (save_replay_position)
// once that record is safely handed on; open() with it continues with the next record, and keeps
// the same rebasing, so a stopped and restarted replay yields exactly what one run would.
//
// Lifecycle: construct, open() once, next() until kEnd or kError.
// Thread-safety: none (one replay per source thread); progress() reads only this object's state.
class PostReplay {
 public:
  PostReplay(PostReplayOptions options, const Clock& clock);
  ~PostReplay();
  PostReplay(const PostReplay&) = delete;
  PostReplay& operator=(const PostReplay&) = delete;

  // Opens path (CSV, JSON lines or Parquet; "-" is stdin for the text formats) at `from`.
  // Returns an error message when the file cannot be opened or has no time or text column.
  std::optional<std::string> open(const std::string& path, const ReplayPosition& from = {});

  ReplayStatus next(Post& post, DeadLetter& letter);

  // Clock time at which the post last returned is due (pace and rate cap applied).
  ProcessingTime due() const { return ProcessingTime(due_ms_); }
  const ReplayPosition& position() const { return position_; }
  ReplayProgress progress() const;
  PostFileFormat format() const { return format_; }
  const std::string& error() const { return error_; }

 private:
  class Rows;
  class TextRows;
  class ParquetRows;
  class SocialRows;
  friend class TextRows;
  friend class ParquetRows;
  friend class SocialRows;

  std::optional<std::string> open_rows(const std::string& path, const ReplayPosition& from);

  // Turns one parsed row into a post or a dead letter, applying rebasing and pacing.
  ReplayStatus finish_row(const RawPostRow& row, Post& post, DeadLetter& letter);
  void pace(int64_t original_ms);

  PostReplayOptions options_;
  const Clock& clock_;
  PostFileFormat format_ = PostFileFormat::kAuto;
  std::unique_ptr<Rows> rows_;
  std::unique_ptr<PostDeduplicator> dedupe_;
  ReplayPosition position_;
  std::string error_;

  // Pacing state of this run.
  bool paced_started_ = false;
  int64_t pace_origin_event_ms_ = 0;
  int64_t pace_origin_clock_ms_ = 0;
  bool has_rate_slot_ = false;
  double rate_slot_ms_ = 0;
  int64_t due_ms_ = 0;

  // Progress of this run.
  int64_t start_clock_ms_ = 0;
  int64_t start_row_ = 0;
  uint64_t start_bytes_ = 0;
};

// Waits (really) until clock.now() >= due or stop becomes true, in slices of at most 50 ms so a
// stop request is seen quickly. Returns false when stopped. For SystemClock-driven callers.
bool sleep_until_due(const Clock& clock, ProcessingTime due, const std::atomic<bool>& stop);

}  // namespace stockpulse
