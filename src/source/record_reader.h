#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stockpulse {

// How records end: at every newline (JSON lines), or at a newline outside double quotes (CSV,
// RFC 4180, where a quoted field may hold newlines).
enum class RecordSyntax : uint8_t { kLines, kCsv };

struct RecordReaderOptions {
  RecordSyntax syntax = RecordSyntax::kLines;
  // Bytes asked of the file per read().
  size_t block_bytes = 1 << 20;
  // Longer records (without their terminator) are skipped and reported as kTooLong.
  size_t max_record_bytes = 1 << 20;
};

enum class RecordStatus : uint8_t {
  kRecord,   // out holds the next non-empty record
  kTooLong,  // out holds the first 4 KiB of a skipped over-long record
  kEof,      // no more records
  kError,    // the read failed; error() says why
};

// One record of input. `text` excludes the terminator ("\n" or "\r\n") and stays valid until the
// next call to next(). `begin_offset` is the byte offset of its first byte in the file and
// `end_offset` that of the first byte after its terminator: a reader opened at end_offset
// continues with the following record, which is what replay resume relies on.
struct Record {
  std::string_view text;
  uint64_t begin_offset = 0;
  uint64_t end_offset = 0;
  uint64_t full_size = 0;
};

// Splits a file into records in bounded memory (max_record_bytes + block_bytes, allocated once),
// starting at any byte offset that begins a record. CSV quoting is tracked incrementally, so a
// record spanning many blocks costs no rescans; an over-long record (or a runaway unbalanced
// quote) is skipped to its end rather than buffered. Empty records are skipped.
//
// Lifecycle: construct, open(), next() until kEof or kError; seek() to jump to another record
// start. Thread-safety: none; one reader per thread.
class RecordReader {
 public:
  explicit RecordReader(RecordReaderOptions options = {});
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Opens `path` ("-" is stdin, which cannot start past 0). Returns an error message on failure.
  std::optional<std::string> open(const std::string& path, uint64_t start_offset = 0);
  // Continues at `offset` (a record start) of a regular file.
  std::optional<std::string> seek(uint64_t offset);

  RecordStatus next(Record& out);

  const std::string& error() const { return error_; }
  // Size of the file when it is a regular file, else 0.
  uint64_t file_size() const { return file_size_; }
  // Offset of the first byte not yet handed out.
  uint64_t position() const { return base_offset_ + begin_; }

 private:
  enum class Fill : uint8_t { kData, kEof, kError };
  Fill fill();
  // Moves scan_ forward to the end of the record starting at begin_; true when found, with
  // *terminator at the '\n'.
  bool scan_for_end(size_t* terminator);
  RecordStatus skip_long_record(Record& out);

  RecordReaderOptions options_;
  int fd_ = -1;
  bool owns_fd_ = false;
  bool eof_ = false;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  uint64_t base_offset_ = 0;  // file offset of buffer_[0]
  size_t begin_ = 0;          // first byte not yet handed out
  size_t scan_ = 0;           // bytes of the current record before this are scanned
  bool in_quotes_ = false;    // CSV quote state at scan_
  size_t end_ = 0;
  uint64_t file_size_ = 0;
  std::string too_long_prefix_;
  std::string error_;
};

// Splits one CSV record (RFC 4180) into fields: a field that starts with '"' is quoted, '""'
// inside it is one quote, and delimiters and newlines inside it are data. Lenient where the RFC
// is strict: a quote inside an unquoted field is kept as is, and text after a closing quote is
// appended to the field. `fields` is resized; its strings keep their capacity between calls.
void split_csv_record(std::string_view record, char delimiter, std::vector<std::string>& fields);

// The delimiter of a CSV header line: the most frequent of ',', ';', '\t' and '|' outside quotes
// (',' when none occurs).
char detect_csv_delimiter(std::string_view header);

}  // namespace stockpulse
