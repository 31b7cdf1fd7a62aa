#include "source/external_sort.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <queue>
#include <system_error>
#include <tuple>

namespace stockpulse {

namespace {

// A run file is a sequence of records: i64 key, u64 sequence number, u32 size, then the bytes
// (machine byte order: runs live only for one sort on one machine).
constexpr size_t kHeaderBytes = 8 + 8 + 4;
constexpr size_t kEntryOverhead = sizeof(int64_t) + sizeof(uint64_t) * 2 + sizeof(uint32_t);

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string errno_text() {
  return std::strerror(errno);
}

class RunWriter {
 public:
  std::optional<std::string> open(const std::string& path) {
    path_ = path;
    file_.reset(std::fopen(path.c_str(), "wb"));
    if (!file_) return fmt::format("sort run {}: {}", path, errno_text());
    return std::nullopt;
  }
  bool write(int64_t key, uint64_t seq, std::string_view bytes) {
    const auto size = static_cast<uint32_t>(bytes.size());
    return std::fwrite(&key, sizeof key, 1, file_.get()) == 1 &&
           std::fwrite(&seq, sizeof seq, 1, file_.get()) == 1 &&
           std::fwrite(&size, sizeof size, 1, file_.get()) == 1 &&
           (size == 0 || std::fwrite(bytes.data(), size, 1, file_.get()) == 1);
  }
  std::optional<std::string> close() {
    const bool ok = std::fflush(file_.get()) == 0 && std::ferror(file_.get()) == 0;
    const std::string err = ok ? std::string() : errno_text();
    std::FILE* f = file_.release();
    if (std::fclose(f) != 0 || !ok) {
      return fmt::format("sort run {}: {}", path_, ok ? errno_text() : err);
    }
    return std::nullopt;
  }
  std::string error() const { return fmt::format("sort run {}: {}", path_, errno_text()); }

 private:
  std::string path_;
  File file_;
};

}  // namespace

// Reads one run file record by record through a buffer of its own.
class ExternalSorter::RunReader {
 public:
  RunReader(std::string path, size_t buffer_bytes)
      : path_(std::move(path)), buffer_(std::max<size_t>(buffer_bytes, 4096)) {}

  std::optional<std::string> open() {
    file_.reset(std::fopen(path_.c_str(), "rb"));
    if (!file_) return fmt::format("sort run {}: {}", path_, errno_text());
    std::setvbuf(file_.get(), buffer_.data(), _IOFBF, buffer_.size());
    return std::nullopt;
  }

  // false at the end of the run or on an error (error() is then set).
  bool next() {
    char header[kHeaderBytes];
    const size_t got = std::fread(header, 1, kHeaderBytes, file_.get());
    if (got == 0 && std::feof(file_.get())) return false;
    if (got != kHeaderBytes) return fail("truncated record");
    uint32_t size = 0;
    std::memcpy(&key_, header, 8);
    std::memcpy(&seq_, header + 8, 8);
    std::memcpy(&size, header + 16, 4);
    record_.resize(size);
    if (size > 0 && std::fread(record_.data(), size, 1, file_.get()) != 1) {
      return fail("truncated record");
    }
    return true;
  }

  int64_t key() const { return key_; }
  uint64_t seq() const { return seq_; }
  std::string_view record() const { return record_; }
  const std::optional<std::string>& error() const { return error_; }

 private:
  bool fail(const char* what) {
    error_ = fmt::format("sort run {}: {}", path_,
                         std::ferror(file_.get()) ? errno_text() : std::string(what));
    return false;
  }

  std::string path_;
  std::vector<char> buffer_;
  File file_;
  int64_t key_ = 0;
  uint64_t seq_ = 0;
  std::string record_;
  std::optional<std::string> error_;
};

ExternalSorter::ExternalSorter(Options options) : options_(std::move(options)) {
  options_.max_fan_in = std::max<size_t>(options_.max_fan_in, 2);
}

ExternalSorter::~ExternalSorter() {
  std::error_code ec;
  for (const auto& r : runs_) std::filesystem::remove(r, ec);
}

size_t ExternalSorter::memory_bytes() const {
  return arena_.capacity() + entries_.capacity() * sizeof(Entry);
}

std::string ExternalSorter::run_path(size_t n) const {
  return (std::filesystem::path(options_.dir) / fmt::format("sort-run-{:06}.bin", n)).string();
}

std::optional<std::string> ExternalSorter::add(int64_t key, std::string_view record) {
  if (!entries_.empty() && arena_.size() + record.size() + (entries_.size() + 1) * kEntryOverhead >
                               options_.memory_bytes) {
    if (auto err = spill()) return err;
  }
  entries_.push_back({key, next_seq_++, arena_.size(), static_cast<uint32_t>(record.size())});
  arena_.append(record);
  return std::nullopt;
}

void ExternalSorter::sort_buffer() {
  const std::string_view arena(arena_);
  std::sort(entries_.begin(), entries_.end(), [&](const Entry& a, const Entry& b) {
    if (a.key != b.key) return a.key < b.key;
    const int c = arena.substr(a.at, a.size).compare(arena.substr(b.at, b.size));
    return c != 0 ? c < 0 : a.seq < b.seq;
  });
}

std::optional<std::string> ExternalSorter::spill() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return fmt::format("sort folder {}: {}", options_.dir, ec.message());
  sort_buffer();
  const std::string path = run_path(runs_written_++);
  RunWriter w;
  if (auto err = w.open(path)) return err;
  runs_.push_back(path);
  for (const Entry& e : entries_) {
    if (!w.write(e.key, e.seq, std::string_view(arena_).substr(e.at, e.size))) return w.error();
  }
  if (auto err = w.close()) return err;
  entries_.clear();
  arena_.clear();
  return std::nullopt;
}

std::optional<std::string> ExternalSorter::merge_runs(
    const std::vector<std::string>& runs,
    const std::function<bool(int64_t, uint64_t, std::string_view)>& emit) {
  std::vector<std::unique_ptr<RunReader>> readers;
  for (const auto& path : runs) {
    readers.push_back(std::make_unique<RunReader>(path, options_.read_buffer_bytes));
    if (auto err = readers.back()->open()) return err;
  }
  // The buffer still in memory takes part as one more sorted source, at index readers.size().
  sort_buffer();
  size_t mem_next = 0;
  const size_t mem_index = readers.size();
  auto key_of = [&](size_t i) -> std::tuple<int64_t, std::string_view, uint64_t> {
    if (i == mem_index) {
      const Entry& e = entries_[mem_next];
      return {e.key, std::string_view(arena_).substr(e.at, e.size), e.seq};
    }
    return {readers[i]->key(), readers[i]->record(), readers[i]->seq()};
  };
  auto later = [&](size_t a, size_t b) { return key_of(a) > key_of(b); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
  for (size_t i = 0; i < readers.size(); ++i) {
    if (readers[i]->next()) {
      heap.push(i);
    } else if (readers[i]->error()) {
      return readers[i]->error();
    }
  }
  if (!entries_.empty()) heap.push(mem_index);
  while (!heap.empty()) {
    const size_t i = heap.top();
    heap.pop();
    if (i == mem_index) {
      const Entry& e = entries_[mem_next];
      if (!emit(e.key, e.seq, std::string_view(arena_).substr(e.at, e.size))) return std::nullopt;
      if (++mem_next < entries_.size()) heap.push(mem_index);
      continue;
    }
    if (!emit(readers[i]->key(), readers[i]->seq(), readers[i]->record())) return std::nullopt;
    if (readers[i]->next()) {
      heap.push(i);
    } else if (readers[i]->error()) {
      return readers[i]->error();
    }
  }
  return std::nullopt;
}

std::optional<std::string> ExternalSorter::merge(
    const std::function<bool(int64_t, std::string_view)>& emit) {
  // Too many runs to read at once: merge the oldest groups into longer runs until the rest fit
  // (the in-memory buffer stays out of these passes).
  while (runs_.size() > options_.max_fan_in) {
    const std::vector<std::string> group(runs_.begin(),
                                         runs_.begin() + static_cast<long>(options_.max_fan_in));
    const std::string path = run_path(runs_written_++);
    RunWriter w;
    if (auto err = w.open(path)) return err;
    bool write_ok = true;
    std::vector<Entry> held;
    held.swap(entries_);  // keep the buffer out of this pass
    auto err = merge_runs(group, [&](int64_t key, uint64_t seq, std::string_view r) {
      write_ok = w.write(key, seq, r);
      return write_ok;
    });
    held.swap(entries_);
    if (err) return err;
    if (!write_ok) return w.error();
    if (auto e = w.close()) return e;
    std::error_code ec;
    for (const auto& p : group) std::filesystem::remove(p, ec);
    runs_.erase(runs_.begin(), runs_.begin() + static_cast<long>(options_.max_fan_in));
    runs_.push_back(path);
  }
  auto err =
      merge_runs(runs_, [&](int64_t key, uint64_t, std::string_view r) { return emit(key, r); });
  std::error_code ec;
  for (const auto& p : runs_) std::filesystem::remove(p, ec);
  runs_.clear();
  entries_.clear();
  arena_.clear();
  arena_.shrink_to_fit();
  entries_.shrink_to_fit();
  return err;
}

}  // namespace stockpulse
