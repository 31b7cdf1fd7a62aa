#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "app/config.h"
#include "common/clock.h"
#include "pipeline/dead_letter_writer.h"
#include "source/post_replay.h"

namespace stockpulse {

// File mode's order-free input (`run --until-eof`, on unless --keep-file-order): before the
// pipeline starts, an input file is read once, its records put in event-time order by an
// ExternalSorter in bounded memory (runs spilled next to the output), and written as contract
// JSON lines to `out_path`, which the pipeline then reads instead. So a dataset grouped by
// ticker, or shuffled, gives exactly the tables of its time-sorted version, and nothing is late.
//
// Records that do not decode (or are over the size limit) become dead letters here, with the
// enrich stage's reasons and their record numbers in the *input*; they are not in the sorted
// file. Records of the same time are ordered by their bytes, so the sorted copy (and every sum a
// window adds up) does not depend on the input's order. Offsets of the records that follow (lake
// files, the rare key-limit dead letter) are record numbers in the sorted file.
//
// A tweet dataset (CSV, Parquet) is read through PostReplay as `run` reads it unsorted, bad rows
// dead-lettered by PostReplay at their record numbers.
//
// `out_path` is written to a temporary name and renamed when complete, with a marker beside it
// (`<out_path>.source`) naming the input, its size and modification time, so a resumed run can
// check it reads the same sorted copy (sorted_copy_matches).
struct InputSortStats {
  uint64_t records = 0;       // written to the sorted file
  uint64_t dead_letters = 0;  // records that did not decode
  uint64_t out_of_order = 0;  // records earlier than a record before them in the input
  size_t runs = 0;            // runs spilled to disk (0: it fit in memory)
  double seconds = 0;
  bool stopped = false;  // `stop` was set before the end: no sorted copy was written
};

struct InputSortRequest {
  std::string input;                                         // a file, or "-" for stdin
  std::string out_path;                                      // the sorted contract JSON lines
  bool posts = true;                                         // posts or bars
  PostFileFormat posts_format = PostFileFormat::kJsonLines;  // for posts: how to read the input
  size_t memory_bytes = size_t{64} << 20;
  const std::atomic<bool>* stop = nullptr;  // checked every few thousand records (Ctrl-C)
};

// Sorts one input; dead letters go to `dead`. An error (unreadable input, disk full) is a text.
std::optional<std::string> sort_input(const InputSortRequest& request, const Config& config,
                                      const Clock& clock, DeadLetterWriter& dead,
                                      InputSortStats& stats);

// True when out_path is a complete sorted copy of `input` as it is now.
bool sorted_copy_matches(const std::string& input, const std::string& out_path);

}  // namespace stockpulse
