#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "source/record_reader.h"

namespace stockpulse {

// How a JSON file holds its records, judged from its first bytes (see sniff_json_layout).
enum class JsonLayout : uint8_t {
  kLines,   // one value per line (JSON lines / NDJSON): read with RecordReader
  kArray,   // the elements of one top-level array, also behind a JavaScript assignment such as
            // the Twitter archive's "window.YTD.tweets.part0 = [ ... ]"
  kValues,  // top-level values one after another, each free to span lines (pretty-printed JSON)
};

// kArray when the first non-blank byte (after a UTF-8 BOM) is '[' or starts an assignment
// "name = [", kLines when the first value ends on its first line (or no value ends within the
// first max_probe bytes), else kValues. An unreadable file is kLines (open() reports it).
JsonLayout sniff_json_layout(const std::string& path, size_t max_probe = 1 << 20);

// Splits a JSON file in the kArray or kValues layout into records, one per array element or
// top-level value, in bounded memory (max_record_bytes + block_bytes, allocated once). It tracks
// only strings, escapes and bracket depth, so it costs one pass over the bytes; each record is
// parsed later by whoever reads it. A record over max_record_bytes is skipped to its end and
// reported as kTooLong with its first 4 KiB. A value that is not closed when the file ends is
// returned as it is (it fails to parse: a dead letter), then kEof. Records' end_offset is the
// byte after their last byte: open(path, end_offset) continues with the next one.
//
// Lifecycle: construct, open(), next() until kEof or kError. Thread-safety: none.
class JsonRecordReader {
 public:
  explicit JsonRecordReader(RecordReaderOptions options = {});
  ~JsonRecordReader();
  JsonRecordReader(const JsonRecordReader&) = delete;
  JsonRecordReader& operator=(const JsonRecordReader&) = delete;

  // Opens `path` (a regular file, or "-" for stdin from the start) and finds its layout: kArray
  // if it is one, else kValues. `start_offset` (0 or a record's end_offset) continues there.
  std::optional<std::string> open(const std::string& path, uint64_t start_offset = 0);

  RecordStatus next(Record& out);

  JsonLayout layout() const { return layout_; }
  const std::string& error() const { return error_; }
  uint64_t file_size() const { return file_size_; }

 private:
  enum class Fill : uint8_t { kData, kEof, kError };
  Fill fill();
  // Scans the record starting at begin_ from scan_ on; true when it ended (at end_of_record_).
  bool scan();
  std::optional<std::string> read_prefix();
  void append_prefix(size_t from, size_t to);

  RecordReaderOptions options_;
  int fd_ = -1;
  bool owns_fd_ = false;
  bool eof_ = false;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  uint64_t base_offset_ = 0;  // file offset of buffer_[0]
  size_t begin_ = 0;          // first byte of the current record (or of what is not handed out)
  size_t scan_ = 0;           // bytes before this are scanned
  size_t end_ = 0;            // bytes in the buffer
  uint64_t file_size_ = 0;

  JsonLayout layout_ = JsonLayout::kValues;
  bool array_closed_ = false;  // kArray: the top-level ']' was met; the rest is ignored

  // Scanner state of the current record.
  bool started_ = false;
  char first_ = 0;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  size_t end_of_record_ = 0;
  // An over-long record being skipped: its first bytes, size so far and file offset.
  bool skipping_ = false;
  uint64_t skipped_bytes_ = 0;
  uint64_t skip_begin_offset_ = 0;

  std::string too_long_prefix_;
  std::string error_;
};

}  // namespace stockpulse
