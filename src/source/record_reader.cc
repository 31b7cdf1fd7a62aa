#include "source/record_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/dead_letter.h"

namespace stockpulse {

RecordReader::RecordReader(RecordReaderOptions options) : options_(options) {
  options_.block_bytes = std::max<size_t>(options_.block_bytes, 4096);
  options_.max_record_bytes = std::max<size_t>(options_.max_record_bytes, 16);
  capacity_ = options_.max_record_bytes + 1 + options_.block_bytes;
  buffer_ = std::make_unique<char[]>(capacity_);
}

RecordReader::~RecordReader() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

std::optional<std::string> RecordReader::open(const std::string& path, uint64_t start_offset) {
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
      // Sequential reads of a large file: let the kernel read ahead generously.
      ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
  }
  if (start_offset != 0) return seek(start_offset);
  return std::nullopt;
}

std::optional<std::string> RecordReader::seek(uint64_t offset) {
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0)
    return "cannot seek to byte " + std::to_string(offset) + ": " + std::strerror(errno);
  base_offset_ = offset;
  begin_ = scan_ = end_ = 0;
  in_quotes_ = false;
  eof_ = false;
  return std::nullopt;
}

RecordReader::Fill RecordReader::fill() {
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

bool RecordReader::scan_for_end(size_t* terminator) {
  const char* buf = buffer_.get();
  if (options_.syntax == RecordSyntax::kLines) {
    const void* nl = std::memchr(buf + scan_, '\n', end_ - scan_);
    if (nl == nullptr) {
      scan_ = end_;
      return false;
    }
    *terminator = static_cast<size_t>(static_cast<const char*>(nl) - buf);
    return true;
  }
  // CSV: a '"' toggles the quote state whether it opens, closes or doubles ("" toggles twice), so
  // one bit of state carried across blocks is enough to know whether a newline ends the record.
  for (size_t i = scan_; i < end_; ++i) {
    const char c = buf[i];
    if (c == '"') {
      in_quotes_ = !in_quotes_;
    } else if (c == '\n' && !in_quotes_) {
      *terminator = i;
      scan_ = i;
      return true;
    }
  }
  scan_ = end_;
  return false;
}

RecordStatus RecordReader::next(Record& out) {
  for (;;) {
    size_t nl = 0;
    if (scan_for_end(&nl)) {
      const size_t start = begin_;
      size_t stop = nl;
      if (stop > start && buffer_[stop - 1] == '\r') --stop;
      begin_ = scan_ = nl + 1;
      in_quotes_ = false;
      if (stop == start) continue;  // empty record
      if (stop - start > options_.max_record_bytes) {
        // Whole in the buffer but still over the limit: the same verdict as a record that is not.
        too_long_prefix_.assign(buffer_.get() + start,
                                std::min(stop - start, kMaxDeadLetterPayload));
        out.text = too_long_prefix_;
        out.begin_offset = base_offset_ + start;
        out.end_offset = base_offset_ + nl + 1;
        out.full_size = stop - start;
        return RecordStatus::kTooLong;
      }
      out.text = std::string_view(buffer_.get() + start, stop - start);
      out.begin_offset = base_offset_ + start;
      out.end_offset = base_offset_ + nl + 1;
      out.full_size = stop - start;
      return RecordStatus::kRecord;
    }
    if (end_ - begin_ > options_.max_record_bytes) return skip_long_record(out);
    const Fill f = fill();
    if (f == Fill::kError) return RecordStatus::kError;
    if (f == Fill::kEof) {
      if (begin_ == end_) return RecordStatus::kEof;
      // The last record has no terminator.
      const size_t start = begin_;
      size_t stop = end_;
      if (stop > start && buffer_[stop - 1] == '\r') --stop;
      begin_ = scan_ = end_;
      in_quotes_ = false;
      if (stop == start) return RecordStatus::kEof;
      out.text = std::string_view(buffer_.get() + start, stop - start);
      out.begin_offset = base_offset_ + start;
      out.end_offset = base_offset_ + end_;
      out.full_size = stop - start;
      return RecordStatus::kRecord;
    }
  }
}

RecordStatus RecordReader::skip_long_record(Record& out) {
  const uint64_t record_begin = base_offset_ + begin_;
  too_long_prefix_.clear();
  auto keep_prefix = [&](size_t from, size_t to) {
    if (too_long_prefix_.size() >= kMaxDeadLetterPayload) return;
    const size_t n = std::min(to - from, kMaxDeadLetterPayload - too_long_prefix_.size());
    too_long_prefix_.append(buffer_.get() + from, n);
  };
  uint64_t size = 0;
  for (;;) {
    size_t nl = 0;
    if (scan_for_end(&nl)) {
      keep_prefix(begin_, nl);
      size += nl - begin_;
      begin_ = scan_ = nl + 1;
      in_quotes_ = false;
      out.end_offset = base_offset_ + begin_;
      break;
    }
    // Drop what was scanned: only the quote state matters from here on.
    keep_prefix(begin_, end_);
    size += end_ - begin_;
    begin_ = scan_ = end_;
    const Fill f = fill();
    if (f == Fill::kError) return RecordStatus::kError;
    if (f == Fill::kEof) {
      out.end_offset = base_offset_ + end_;
      break;
    }
  }
  out.text = too_long_prefix_;
  out.begin_offset = record_begin;
  out.full_size = size;
  return RecordStatus::kTooLong;
}

void split_csv_record(std::string_view record, char delimiter, std::vector<std::string>& fields) {
  size_t count = 0;
  size_t i = 0;
  const size_t n = record.size();
  for (;;) {
    if (count == fields.size()) fields.emplace_back();
    std::string& f = fields[count++];
    f.clear();
    if (i < n && record[i] == '"') {
      ++i;
      for (;;) {
        const size_t q = record.find('"', i);
        if (q == std::string_view::npos) {  // unterminated: the rest is the field
          f.append(record.substr(i));
          i = n;
          break;
        }
        f.append(record.substr(i, q - i));
        if (q + 1 < n && record[q + 1] == '"') {
          f.push_back('"');
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // Lenient: anything between the closing quote and the delimiter stays with the field.
      const size_t d = record.find(delimiter, i);
      const size_t stop = d == std::string_view::npos ? n : d;
      f.append(record.substr(i, stop - i));
      i = stop;
    } else {
      const size_t d = record.find(delimiter, i);
      const size_t stop = d == std::string_view::npos ? n : d;
      f.append(record.substr(i, stop - i));
      i = stop;
    }
    if (i >= n) break;
    ++i;           // the delimiter
    if (i == n) {  // a trailing delimiter ends with an empty field
      if (count == fields.size()) fields.emplace_back();
      fields[count++].clear();
      break;
    }
  }
  fields.resize(count);
}

char detect_csv_delimiter(std::string_view header) {
  constexpr char kCandidates[] = {',', ';', '\t', '|'};
  size_t counts[4] = {0, 0, 0, 0};
  bool quoted = false;
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    for (int k = 0; k < 4; ++k)
      if (c == kCandidates[k]) ++counts[k];
  }
  int best = 0;
  for (int k = 1; k < 4; ++k)
    if (counts[k] > counts[best]) best = k;
  return kCandidates[best];
}

}  // namespace stockpulse
