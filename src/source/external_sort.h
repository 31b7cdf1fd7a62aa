#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stockpulse {

// Sorts byte records by a 64-bit key in bounded memory (file mode's order-free input: records
// by event time). Records are collected in a buffer of at most Options::memory_bytes; a full
// buffer is sorted and written to a run file in Options::dir; merge() then reads every run (and
// what is still in memory) back in key order. Records with equal keys come out in byte order of
// the records (identical records in the order they were added): the output depends only on the
// multiset of records, not on their input order, so a shuffled file sorts to the same bytes as
// its sorted version.
//
// Memory: the buffer (records plus 24 bytes each) and, while merging, one read buffer of
// Options::read_buffer_bytes per run merged at once. When there are more than
// Options::max_fan_in runs, groups of them are merged into longer runs first.
//
// Errors (a run file that cannot be written or read back) are values: the text names the file.
// Run files are removed by merge() and by the destructor.
// Lifecycle: add() every record, then merge() once. Thread-safety: none; one thread.
class ExternalSorter {
 public:
  struct Options {
    std::string dir;                         // where run files go (created if missing)
    size_t memory_bytes = size_t{64} << 20;  // the in-memory buffer
    size_t max_fan_in = 64;                  // runs merged at once
    size_t read_buffer_bytes = size_t{256} << 10;
  };

  explicit ExternalSorter(Options options);
  ~ExternalSorter();
  ExternalSorter(const ExternalSorter&) = delete;
  ExternalSorter& operator=(const ExternalSorter&) = delete;

  // Adds one record; may spill the buffer to a run file (the only failure).
  std::optional<std::string> add(int64_t key, std::string_view record);

  // Passes every record to emit(key, record) in (key, bytes) order. emit may
  // return false to stop early. Returns an error text when a run cannot be read or written.
  std::optional<std::string> merge(const std::function<bool(int64_t, std::string_view)>& emit);

  uint64_t records() const { return next_seq_; }
  // Runs written to disk so far (0 when everything fit in memory).
  size_t runs_written() const { return runs_written_; }
  // Bytes held in memory right now (buffer and index).
  size_t memory_bytes() const;

 private:
  struct Entry {
    int64_t key;
    uint64_t seq;
    uint64_t at;  // into arena_
    uint32_t size;
  };
  class RunReader;

  void sort_buffer();
  std::optional<std::string> spill();
  std::string run_path(size_t n) const;
  // Merges the given runs into one stream; emit as in merge().
  std::optional<std::string> merge_runs(
      const std::vector<std::string>& runs,
      const std::function<bool(int64_t, uint64_t, std::string_view)>& emit);

  Options options_;
  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<std::string> runs_;  // paths not merged yet
  size_t runs_written_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace stockpulse
