#include "pipeline/input_sort.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <system_error>
#include <vector>

#include "decode/bar_decoder.h"
#include "decode/json_encoder.h"
#include "decode/post_decoder.h"
#include "pipeline/enricher.h"
#include "source/external_sort.h"
#include "source/line_reader.h"

namespace stockpulse {

namespace {

// "<input>\n<size>\n<mtime ns>\n": what a sorted copy was made from.
std::string source_marker(const std::string& input) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(input, ec);
  if (ec) return {};
  const auto mtime = std::filesystem::last_write_time(input, ec);
  if (ec) return {};
  return fmt::format("{}\n{}\n{}\n", std::filesystem::absolute(input).string(), size,
                     mtime.time_since_epoch().count());
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Counts records that come earlier than one before them, for the closing message.
class OrderWatch {
 public:
  void see(int64_t key) {
    if (key < newest_) ++out_of_order_;
    newest_ = std::max(newest_, key);
  }
  uint64_t out_of_order() const { return out_of_order_; }

 private:
  int64_t newest_ = std::numeric_limits<int64_t>::min();
  uint64_t out_of_order_ = 0;
};

// Reads contract JSON lines, keyed by the decoded event time.
std::optional<std::string> add_json_lines(const InputSortRequest& req, const Config& config,
                                          ExternalSorter& sorter, DeadLetterWriter& dead,
                                          OrderWatch& order, InputSortStats& stats) {
  LineReaderOptions lo;
  lo.max_line_bytes = static_cast<size_t>(config.sources.max_record_bytes);
  LineReader reader(lo);
  if (auto err = reader.open(req.input)) return err;
  const Stream stream = req.posts ? Stream::kPosts : Stream::kBars;
  const PartitionId partition(req.posts ? 0 : 1);
  PostDecoder post_decoder(post_decoder_options(config));
  BarDecoder bar_decoder(bar_decoder_options(config));
  Post post;
  Bar bar;
  DecodeError error;
  Line line;
  for (uint64_t n = 0;; ++n) {
    if (n % 4096 == 0 && req.stop && req.stop->load(std::memory_order_relaxed)) {
      stats.stopped = true;
      return std::nullopt;
    }
    const ReadStatus st = reader.next(line);
    if (st == ReadStatus::kEof) break;
    if (st == ReadStatus::kError) return fmt::format("reading {}: {}", req.input, reader.error());
    const SourcePosition pos{partition, line.offset};
    if (st == ReadStatus::kTooLong) {
      const DeadLetter d =
          record_dead_letter(stream, pos, DeadLetterReason::kTooLarge,
                             too_large_detail(line.full_size), line.text, line.full_size);
      dead.write(std::span<const DeadLetter>(&d, 1));
      ++stats.dead_letters;
      continue;
    }
    const bool ok = req.posts ? post_decoder.decode_into(line.padded(), pos, post, error)
                              : bar_decoder.decode_into(line.padded(), pos, bar, error);
    if (!ok) {
      const DeadLetter d = record_dead_letter(stream, pos, error.reason, std::move(error.detail),
                                              line.text, line.full_size);
      dead.write(std::span<const DeadLetter>(&d, 1));
      ++stats.dead_letters;
      continue;
    }
    const int64_t key = req.posts ? post.created_at.value() : bar.ts.value();
    order.see(key);
    if (auto err = sorter.add(key, line.text)) return err;
  }
  return std::nullopt;
}

// Reads a tweet dataset through PostReplay, each post re-encoded as the contract.
std::optional<std::string> add_dataset(const InputSortRequest& req, const Config& config,
                                       const Clock& clock, ExternalSorter& sorter,
                                       DeadLetterWriter& dead, OrderWatch& order,
                                       InputSortStats& stats) {
  PostReplayOptions o;
  o.format = req.posts_format;
  o.partition = PartitionId(0);
  o.speed = 0;
  o.max_record_bytes = static_cast<size_t>(config.sources.max_record_bytes);
  // Repeats and retweets are recognised in the input's order, as an unsorted run does.
  o.dedupe = config.sources.dedupe;
  o.dedupe_max_entries = static_cast<size_t>(config.sources.dedupe_max_entries);
  PostReplay replay(o, clock);
  if (auto err = replay.open(req.input, ReplayPosition{})) return err;
  Post post;
  DeadLetter letter;
  std::string json;
  for (uint64_t n = 0;; ++n) {
    if (n % 4096 == 0 && req.stop && req.stop->load(std::memory_order_relaxed)) {
      stats.stopped = true;
      return std::nullopt;
    }
    const ReplayStatus st = replay.next(post, letter);
    if (st == ReplayStatus::kEnd) break;
    if (st == ReplayStatus::kError) return fmt::format("reading {}: {}", req.input, replay.error());
    if (st == ReplayStatus::kDeadLetter) {
      dead.write(std::span<const DeadLetter>(&letter, 1));
      ++stats.dead_letters;
      continue;
    }
    json.clear();
    append_post_json(post, json);
    order.see(post.created_at.value());
    if (auto err = sorter.add(post.created_at.value(), json)) return err;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> sort_input(const InputSortRequest& req, const Config& config,
                                      const Clock& clock, DeadLetterWriter& dead,
                                      InputSortStats& stats) {
  const auto started = std::chrono::steady_clock::now();
  const std::filesystem::path out(req.out_path);
  std::error_code ec;
  std::filesystem::create_directories(out.parent_path(), ec);
  if (ec)
    return fmt::format("sorted input folder {}: {}", out.parent_path().string(), ec.message());
  const std::string marker = req.out_path + ".source";
  std::filesystem::remove(marker, ec);

  ExternalSorter::Options so;
  so.dir = (out.parent_path() / (out.filename().string() + ".runs")).string();
  so.memory_bytes = req.memory_bytes;
  ExternalSorter sorter(so);
  OrderWatch order;
  const bool dataset = req.posts && req.posts_format != PostFileFormat::kJsonLines &&
                       req.posts_format != PostFileFormat::kAuto;
  auto err = dataset ? add_dataset(req, config, clock, sorter, dead, order, stats)
                     : add_json_lines(req, config, sorter, dead, order, stats);
  if (err || stats.stopped) return err;

  const std::string tmp = req.out_path + ".tmp";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  if (!file) return fmt::format("{}: {}", tmp, std::strerror(errno));
  std::vector<char> buffer(size_t{1} << 20);
  std::setvbuf(file.get(), buffer.data(), _IOFBF, buffer.size());
  bool write_ok = true;
  err = sorter.merge([&](int64_t, std::string_view record) {
    if (stats.records % 4096 == 0 && req.stop && req.stop->load(std::memory_order_relaxed)) {
      stats.stopped = true;
      return false;
    }
    write_ok = std::fwrite(record.data(), 1, record.size(), file.get()) == record.size() &&
               std::fputc('\n', file.get()) != EOF;
    ++stats.records;
    return write_ok;
  });
  if (err || stats.stopped) {
    file.reset();
    std::filesystem::remove(tmp, ec);
    return err;
  }
  if (!write_ok || std::fflush(file.get()) != 0) {
    return fmt::format("writing {}: {}", tmp, std::strerror(errno));
  }
  file.reset();
  std::filesystem::rename(tmp, req.out_path, ec);
  if (ec) return fmt::format("{}: {}", req.out_path, ec.message());
  std::filesystem::remove(so.dir, ec);  // empty by now
  if (req.input != "-") {
    std::ofstream m(marker, std::ios::binary | std::ios::trunc);
    m << source_marker(req.input);
    if (!m.flush()) return fmt::format("writing {}", marker);
  }
  stats.out_of_order = order.out_of_order();
  stats.runs = sorter.runs_written();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::nullopt;
}

bool sorted_copy_matches(const std::string& input, const std::string& out_path) {
  if (input == "-" || !std::filesystem::exists(out_path)) return false;
  const std::string want = source_marker(input);
  return !want.empty() && read_small_file(out_path + ".source") == want;
}

}  // namespace stockpulse
