#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace stockpulse {

// Where a post replay stands, saved so that a restarted replay continues with the record after
// the last one handed out: no post repeated, none skipped.
//
// `byte_offset` is the file offset of the next record (CSV, JSON lines, JSON documents); `sub` the
// number of posts of that record already consumed (a Twitter v2 page or a StockTwits response holds
// many; 0 otherwise); `row` is the number of posts and bad records consumed (the Offset of the next
// one, and the OFFSET of the next Parquet row); `emitted` counts posts handed out and `duplicates`
// posts skipped as repeats. `rebase_*` keep time rebasing stable
// across restarts: the original event time that maps to `rebase_to_ms`, both set once the first
// post has been seen (has_rebase).
struct ReplayPosition {
  uint64_t byte_offset = 0;
  int64_t row = 0;
  int64_t emitted = 0;
  int64_t dead_letters = 0;
  int64_t sub = 0;
  int64_t duplicates = 0;
  bool has_rebase = false;
  int64_t rebase_from_ms = 0;
  int64_t rebase_to_ms = 0;

  bool operator==(const ReplayPosition&) const = default;
};

// "stockpulse-replay-position 1\nbyte_offset=...\n..." (one key=value a line).
std::string encode_replay_position(const ReplayPosition& p);
Result<ReplayPosition, std::string> decode_replay_position(const std::string& text);

// Writes p to path atomically (temporary file, fsync, rename, fsync of the directory): a crash
// leaves the old position or the new one. False on an I/O error.
bool save_replay_position(const std::string& path, const ReplayPosition& p);
// nullopt when path does not exist (start from the beginning); an error when it is unreadable or
// malformed, because silently starting over would repeat every post.
Result<std::optional<ReplayPosition>, std::string> load_replay_position(const std::string& path);

}  // namespace stockpulse
