#include "source/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/dead_letter.h"

namespace stockpulse {

LineReader::LineReader(LineReaderOptions options) : options_(options) {
  options_.block_bytes = std::max<size_t>(options_.block_bytes, 1);
  options_.max_line_bytes = std::max<size_t>(options_.max_line_bytes, 1);
  // A pending partial line never exceeds max_line_bytes + 1 when fill() runs (longer ones are
  // skipped first; the +1 is a possible '\r'), so this always leaves room for one more block.
  capacity_ = options_.max_line_bytes + 1 + options_.block_bytes;
  // Zero-filled once so that the padding after the last line read is initialised memory.
  buffer_ = std::make_unique<char[]>(capacity_ + kJsonPadding);
}

LineReader::~LineReader() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

std::optional<std::string> LineReader::open(const std::string& path) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    owns_fd_ = false;
    return std::nullopt;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return "cannot open " + path + ": " + std::strerror(errno);
  owns_fd_ = true;
  // A hint only: read-ahead helps a single sequential pass over a large file.
  (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::nullopt;
}

LineReader::Fill LineReader::fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    scan_ -= begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  const size_t want = std::min(options_.block_bytes, capacity_ - end_);
  for (;;) {
    const ssize_t n = ::read(fd_, buffer_.get() + end_, want);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      bytes_read_ += static_cast<uint64_t>(n);
      return Fill::kData;
    }
    if (n == 0) return Fill::kEof;
    if (errno == EINTR) continue;
    error_ = std::string("read failed: ") + std::strerror(errno);
    return Fill::kError;
  }
}

ReadStatus LineReader::emit(std::string_view text, uint64_t full_size, Line& out) {
  out.text = text;
  out.offset = Offset(next_offset_++);
  out.full_size = full_size;
  if (full_size > options_.max_line_bytes) {
    // Only the head of an over-long line is kept, for the dead-letter payload.
    const size_t keep = std::min<size_t>(text.size(), kMaxDeadLetterPayload);
    if (text.data() != too_long_prefix_.data()) too_long_prefix_.assign(text.data(), keep);
    out.text = std::string_view(too_long_prefix_.data(), std::min(too_long_prefix_.size(), keep));
    return ReadStatus::kTooLong;
  }
  return ReadStatus::kLine;
}

ReadStatus LineReader::skip_long_line(Line& out) {
  char* buf = buffer_.get();
  too_long_prefix_.assign(buf + begin_, std::min<size_t>(end_ - begin_, kMaxDeadLetterPayload));
  uint64_t full = end_ - begin_;
  char last = buf[end_ - 1];
  begin_ = scan_ = end_ = 0;
  // Read on in blocks, keeping nothing, until the line's newline (or the end of input).
  for (;;) {
    ssize_t n = ::read(fd_, buf, options_.block_bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = std::string("read failed: ") + std::strerror(errno);
      return ReadStatus::kError;
    }
    bytes_read_ += static_cast<uint64_t>(n);
    if (n == 0) {
      eof_ = true;
      break;
    }
    const auto* nl = static_cast<const char*>(std::memchr(buf, '\n', static_cast<size_t>(n)));
    if (nl == nullptr) {
      full += static_cast<uint64_t>(n);
      last = buf[n - 1];
      continue;
    }
    const size_t pos = static_cast<size_t>(nl - buf);
    full += pos;
    if (pos > 0) last = buf[pos - 1];
    begin_ = scan_ = pos + 1;
    end_ = static_cast<size_t>(n);
    break;
  }
  if (last == '\r') --full;
  return emit(too_long_prefix_, full, out);
}

ReadStatus LineReader::next(Line& out) {
  if (fd_ < 0) {
    error_ = "next() called before a successful open()";
    return ReadStatus::kError;
  }
  char* buf = buffer_.get();
  for (;;) {
    const auto* nl = static_cast<const char*>(std::memchr(buf + scan_, '\n', end_ - scan_));
    if (nl != nullptr) {
      const size_t start = begin_;
      size_t len = static_cast<size_t>(nl - buf) - start;
      begin_ = scan_ = static_cast<size_t>(nl - buf) + 1;
      if (len > 0 && buf[start + len - 1] == '\r') --len;
      if (len == 0) continue;  // empty lines are not records
      return emit(std::string_view(buf + start, len), len, out);
    }
    scan_ = end_;
    // One byte of slack: a line of exactly max_line_bytes may still be followed by its "\r\n".
    if (end_ - begin_ > options_.max_line_bytes + 1) return skip_long_line(out);
    if (eof_) {
      if (begin_ == end_) return ReadStatus::kEof;
      // The last line has no newline.
      const size_t start = begin_;
      size_t len = end_ - begin_;
      begin_ = scan_ = end_;
      if (buf[start + len - 1] == '\r') --len;
      if (len == 0) continue;
      return emit(std::string_view(buf + start, len), len, out);
    }
    switch (fill()) {
      case Fill::kData:
        break;
      case Fill::kEof:
        eof_ = true;
        break;
      case Fill::kError:
        return ReadStatus::kError;
    }
  }
}

}  // namespace stockpulse
