#include "source/json_record_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/dead_letter.h"

namespace stockpulse {

namespace {

bool blank(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool starts_identifier(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

// The longest JavaScript assignment prefix looked at ("window.YTD.tweets.part0 = ").
constexpr size_t kMaxPrefix = 4096;

// The length of the JSON value (object or array) that starts `text`: up to its closing bracket;
// npos when it does not close within `text`.
size_t value_ends_at(std::string_view text) {
  int depth = 0;
  bool in_string = false, escape = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth <= 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

JsonLayout sniff_json_layout(const std::string& path, size_t max_probe) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return JsonLayout::kLines;
  std::string head(std::min<size_t>(max_probe, 1 << 20), '\0');
  size_t n = 0;
  while (n < head.size()) {
    const ssize_t got = ::read(fd, head.data() + n, head.size() - n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    n += static_cast<size_t>(got);
  }
  ::close(fd);
  head.resize(n);
  size_t i = head.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  while (i < n && blank(head[i])) ++i;
  if (i == n) return JsonLayout::kLines;
  if (starts_identifier(head[i])) return JsonLayout::kArray;
  if (head[i] == '[') {
    // One array, unless it closes and more values follow (JSON lines whose first is an array).
    const size_t e = value_ends_at(std::string_view(head).substr(i));
    if (e == std::string_view::npos) return JsonLayout::kArray;
    size_t j = i + e;
    while (j < n && blank(head[j])) ++j;
    return j < n && head[j] != ';' ? JsonLayout::kLines : JsonLayout::kArray;
  }
  // JSON lines when one of the first lines holds a whole object by itself from its first column
  // (so a first line that is cut off does not turn the file into one long value; the nested
  // objects of pretty-printed JSON are indented), else when the first value ends on its first
  // line; pretty-printed values otherwise.
  int lines = 0;
  for (size_t at = i; at < n && lines < 16;) {
    size_t end = head.find('\n', at);
    if (end == std::string::npos) end = n;
    std::string_view line(head.data() + at, end - at);
    while (!line.empty() && blank(line.back())) line.remove_suffix(1);
    if (!line.empty()) {
      ++lines;
      if (line.front() == '{' && line.back() == '}' && value_ends_at(line) == line.size())
        return JsonLayout::kLines;
    }
    at = end + 1;
  }
  const size_t first_end = value_ends_at(std::string_view(head).substr(i));
  const size_t first_newline = head.find('\n', i);
  return first_end != std::string::npos &&
                 (first_newline == std::string::npos || i + first_end <= first_newline)
             ? JsonLayout::kLines
             : JsonLayout::kValues;
}

JsonRecordReader::JsonRecordReader(RecordReaderOptions options) : options_(options) {
  options_.block_bytes = std::max<size_t>(options_.block_bytes, kMaxPrefix);
  options_.max_record_bytes = std::max<size_t>(options_.max_record_bytes, 16);
  capacity_ = options_.max_record_bytes + 1 + options_.block_bytes;
  buffer_ = std::make_unique<char[]>(capacity_);
}

JsonRecordReader::~JsonRecordReader() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

std::optional<std::string> JsonRecordReader::open(const std::string& path, uint64_t start_offset) {
  if (path == "-") {
    if (start_offset != 0) return "cannot resume stdin at byte " + std::to_string(start_offset);
    fd_ = 0;
    owns_fd_ = false;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return "cannot open " + path + ": " + std::strerror(errno);
    owns_fd_ = true;
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
      file_size_ = static_cast<uint64_t>(st.st_size);
      ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
  }
  if (auto err = read_prefix()) return path + ": " + *err;
  const uint64_t first_record = base_offset_ + begin_;
  if (start_offset > first_record) {
    if (::lseek(fd_, static_cast<off_t>(start_offset), SEEK_SET) < 0)
      return path + ": cannot seek to byte " + std::to_string(start_offset) + ": " +
             std::strerror(errno);
    base_offset_ = start_offset;
    begin_ = scan_ = end_ = 0;
    eof_ = false;
  }
  return std::nullopt;
}

// Finds the layout and leaves begin_ at the first record: after the '[' of an array (also one
// behind "name = "), else at the first byte.
std::optional<std::string> JsonRecordReader::read_prefix() {
  size_t i = 0;
  auto byte_at = [&](size_t at) -> int {
    while (at >= end_) {
      if (end_ >= kMaxPrefix) return -1;
      const Fill f = fill();
      if (f == Fill::kError) return -2;
      if (f == Fill::kEof) return -1;
    }
    return static_cast<unsigned char>(buffer_[at]);
  };
  if (byte_at(0) == 0xEF && byte_at(1) == 0xBB && byte_at(2) == 0xBF) i = 3;
  int c = 0;
  while ((c = byte_at(i)) >= 0 && blank(static_cast<char>(c))) ++i;
  if (c == -2) return "cannot read: " + error_;
  layout_ = JsonLayout::kValues;
  if (c == '[') {
    layout_ = JsonLayout::kArray;
    begin_ = scan_ = i + 1;
    return std::nullopt;
  }
  if (c >= 0 && starts_identifier(static_cast<char>(c))) {
    size_t j = i;
    while ((c = byte_at(j)) >= 0 && c != '=') ++j;
    if (c == '=') {
      ++j;
      while ((c = byte_at(j)) >= 0 && blank(static_cast<char>(c))) ++j;
      if (c == '[') {
        layout_ = JsonLayout::kArray;
        begin_ = scan_ = j + 1;
        return std::nullopt;
      }
      if (c == '{') {
        begin_ = scan_ = j;
        return std::nullopt;
      }
    }
    if (c == -2) return "cannot read: " + error_;
  }
  begin_ = scan_ = i;
  return std::nullopt;
}

JsonRecordReader::Fill JsonRecordReader::fill() {
  if (eof_) return Fill::kEof;
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    base_offset_ += begin_;
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  const size_t want = std::min(options_.block_bytes, capacity_ - end_);
  for (;;) {
    const ssize_t n = ::read(fd_, buffer_.get() + end_, want);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return Fill::kData;
    }
    if (n == 0) {
      eof_ = true;
      return Fill::kEof;
    }
    if (errno == EINTR) continue;
    error_ = std::strerror(errno);
    return Fill::kError;
  }
}

bool JsonRecordReader::scan() {
  const char* buf = buffer_.get();
  const bool nested = first_ == '{' || first_ == '[';
  for (size_t i = scan_; i < end_; ++i) {
    const char c = buf[i];
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
        if (!nested) {  // a top-level string: a record of its own (not an object: a dead letter)
          end_of_record_ = scan_ = i + 1;
          return true;
        }
      }
    } else if (nested) {
      if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if ((c == '}' || c == ']') && --depth_ == 0) {
        end_of_record_ = scan_ = i + 1;
        return true;
      }
    } else if (blank(c) || c == ',' || c == '"' || c == '[' || c == ']' || c == '{' || c == '}') {
      // A bare token (a number, true, junk) ends before the next blank, separator or bracket.
      end_of_record_ = scan_ = i;
      return true;
    }
  }
  scan_ = end_;
  return false;
}

RecordStatus JsonRecordReader::next(Record& out) {
  for (;;) {
    if (!started_) {
      if (array_closed_) return RecordStatus::kEof;
      while (begin_ < end_) {
        const char c = buffer_[begin_];
        if (blank(c) || (layout_ == JsonLayout::kArray && c == ',')) {
          ++begin_;
        } else if (layout_ == JsonLayout::kArray && c == ']') {
          // The end of the array; whatever follows (";", a newline) is not data.
          array_closed_ = true;
          return RecordStatus::kEof;
        } else {
          break;
        }
      }
      if (begin_ == end_) {
        const Fill f = fill();
        if (f == Fill::kError) return RecordStatus::kError;
        if (f == Fill::kEof) return RecordStatus::kEof;
        continue;
      }
      started_ = true;
      skipping_ = false;
      first_ = buffer_[begin_];
      depth_ = 0;
      escape_ = false;
      in_string_ = first_ == '"';
      scan_ = first_ == '{' || first_ == '[' ? begin_ : begin_ + 1;
      if (first_ == '}' || first_ == ']') {  // a stray closer: one byte of junk
        started_ = false;
        out.text = std::string_view(buffer_.get() + begin_, 1);
        out.begin_offset = base_offset_ + begin_;
        out.end_offset = out.begin_offset + 1;
        out.full_size = 1;
        begin_ = scan_ = begin_ + 1;
        return RecordStatus::kRecord;
      }
    }
    if (scan()) {
      started_ = false;
      const size_t stop = end_of_record_;
      if (skipping_) {
        append_prefix(begin_, stop);
        skipped_bytes_ += stop - begin_;
        begin_ = scan_ = stop;
        out.text = too_long_prefix_;
        out.begin_offset = skip_begin_offset_;
        out.end_offset = base_offset_ + stop;
        out.full_size = skipped_bytes_;
        return RecordStatus::kTooLong;
      }
      out.text = std::string_view(buffer_.get() + begin_, stop - begin_);
      out.begin_offset = base_offset_ + begin_;
      out.end_offset = base_offset_ + stop;
      out.full_size = stop - begin_;
      begin_ = scan_ = stop;
      if (out.full_size > options_.max_record_bytes) {
        too_long_prefix_.assign(out.text.substr(0, kMaxDeadLetterPayload));
        out.text = too_long_prefix_;
        return RecordStatus::kTooLong;
      }
      return RecordStatus::kRecord;
    }
    if (!skipping_ && end_ - begin_ > options_.max_record_bytes) {
      // Too long to hold: keep its first 4 KiB and only the scanner state from here on.
      skipping_ = true;
      too_long_prefix_.clear();
      skipped_bytes_ = 0;
      skip_begin_offset_ = base_offset_ + begin_;
    }
    if (skipping_) {
      append_prefix(begin_, end_);
      skipped_bytes_ += end_ - begin_;
      begin_ = scan_ = end_;
    }
    const Fill f = fill();
    if (f == Fill::kError) return RecordStatus::kError;
    if (f == Fill::kEof) {
      // The file ends inside a value: hand out what there is (it will not parse).
      started_ = false;
      if (skipping_) {
        out.text = too_long_prefix_;
        out.begin_offset = skip_begin_offset_;
        out.end_offset = base_offset_ + end_;
        out.full_size = skipped_bytes_;
        return RecordStatus::kTooLong;
      }
      size_t stop = end_;
      while (stop > begin_ && blank(buffer_[stop - 1])) --stop;
      if (stop == begin_) return RecordStatus::kEof;
      out.text = std::string_view(buffer_.get() + begin_, stop - begin_);
      out.begin_offset = base_offset_ + begin_;
      out.end_offset = base_offset_ + end_;
      out.full_size = stop - begin_;
      begin_ = scan_ = end_;
      return RecordStatus::kRecord;
    }
  }
}

void JsonRecordReader::append_prefix(size_t from, size_t to) {
  if (too_long_prefix_.size() >= kMaxDeadLetterPayload) return;
  const size_t n = std::min(to - from, kMaxDeadLetterPayload - too_long_prefix_.size());
  too_long_prefix_.append(buffer_.get() + from, n);
}

}  // namespace stockpulse
