#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/named_type.h"
#include "decode/padded_json.h"

namespace stockpulse {

struct LineReaderOptions {
  // Bytes asked of the file per read().
  size_t block_bytes = 1 << 20;
  // Longer lines (without their "\n" or "\r\n") are skipped and reported as kTooLong.
  size_t max_line_bytes = 1 << 20;
};

enum class ReadStatus : uint8_t {
  kLine,     // out holds the next non-empty line
  kTooLong,  // out holds the first kMaxDeadLetterPayload bytes of a skipped over-long line
  kEof,      // no more lines
  kError,    // the read failed; error() says why
};

// One line of input. `text` excludes the line terminator ("\n" or "\r\n") and stays valid until
// the next call to next(). For kLine it points into the reader's buffer with at least
// kJsonPadding readable bytes after it, so it can go to the decoders as PaddedJson without a
// copy. `offset` is the 0-based record number (every non-empty line counts, too-long ones too);
// `full_size` is the line's length in bytes, which exceeds text.size() only for kTooLong.
struct Line {
  std::string_view text;
  Offset offset;
  uint64_t full_size = 0;

  PaddedJson padded() const { return PaddedJson{text}; }
};

// Reads a JSON-lines file (or stdin for "-") in large blocks and hands out its lines as views,
// in bounded memory: about max_line_bytes + block_bytes whatever the file holds, because a line
// longer than the limit is skipped to its newline rather than buffered. Handles CRLF, a last line
// without a newline, and skips empty lines.
//
// Lifecycle: construct, open() once, call next() until kEof or kError.
// Thread-safety: none; one reader per thread.
class LineReader {
 public:
  explicit LineReader(LineReaderOptions options = {});
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Opens `path` ("-" is stdin). Returns an error message when it cannot be opened.
  std::optional<std::string> open(const std::string& path);

  ReadStatus next(Line& out);

  // Why the last next() returned kError.
  const std::string& error() const { return error_; }
  // Bytes consumed from the file so far.
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  enum class Fill : uint8_t { kData, kEof, kError };
  // Appends up to block_bytes from the file after end_, moving pending bytes to the front first.
  Fill fill();
  // Skips the rest of an over-long line whose first bytes are [begin_, end_).
  ReadStatus skip_long_line(Line& out);
  ReadStatus emit(std::string_view text, uint64_t full_size, Line& out);

  LineReaderOptions options_;
  int fd_ = -1;
  bool owns_fd_ = false;
  bool eof_ = false;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;  // usable bytes, excluding the trailing padding
  size_t begin_ = 0;     // first byte not yet handed out
  size_t scan_ = 0;      // bytes before this are known to hold no '\n'
  size_t end_ = 0;       // one past the last byte read
  int64_t next_offset_ = 0;
  uint64_t bytes_read_ = 0;
  std::string too_long_prefix_;
  std::string error_;
};

}  // namespace stockpulse
