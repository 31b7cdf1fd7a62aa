#include "sink/lake_writer.h"

#include <duckdb.h>
#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "decode/utf8.h"
#include "sink/duckdb_session.h"

namespace stockpulse {
namespace fs = std::filesystem;

namespace {

enum class ColumnType : uint8_t { kVarchar, kTimestamp, kDouble, kBigint, kInteger };

struct ColumnSpec {
  const char* name;
  ColumnType type;
};

constexpr ColumnType kText = ColumnType::kVarchar, kTime = ColumnType::kTimestamp,
                     kReal = ColumnType::kDouble, kInt64 = ColumnType::kBigint,
                     kInt32 = ColumnType::kInteger;

// The lake's columns keep the types Parquet readers expect (TIMESTAMP for times, DOUBLE,
// BIGINT); the histogram is staged as JSON text and cast to a list only when the file is
// written.
constexpr ColumnSpec kTweetColumns[] = {
    {"id", kText},         {"created_at", kTime}, {"text", kText},    {"user", kText},
    {"source", kText},     {"compound", kReal},   {"pos", kReal},     {"neu", kReal},
    {"neg", kReal},        {"label", kText},      {"tickers", kText}, {"ticker_scores", kText},
    {"partition", kInt32}, {"offset", kInt64}};
constexpr ColumnSpec kBarColumns[] = {
    {"symbol", kText},       {"ts", kTime},         {"open", kReal},   {"high", kReal},
    {"low", kReal},          {"close", kReal},      {"volume", kReal}, {"vwap", kReal},
    {"trade_count", kInt64}, {"partition", kInt32}, {"offset", kInt64}};
constexpr ColumnSpec kSentimentWindowColumns[] = {{"symbol", kText},
                                                  {"window_start", kTime},
                                                  {"window_end", kTime},
                                                  {"tweet_count", kInt64},
                                                  {"sentiment_score_avg", kReal},
                                                  {"sentiment_score_min", kReal},
                                                  {"sentiment_score_max", kReal},
                                                  {"sentiment_score_stddev", kReal},
                                                  {"bullish_count", kInt64},
                                                  {"bearish_count", kInt64},
                                                  {"neutral_count", kInt64},
                                                  {"bullish_share", kReal},
                                                  {"histogram", kText}};
constexpr ColumnSpec kMarketWindowColumns[] = {
    {"symbol", kText},       {"window_start", kTime},
    {"window_end", kTime},   {"bar_count", kInt64},
    {"open", kReal},         {"high", kReal},
    {"low", kReal},          {"close", kReal},
    {"total_volume", kReal}, {"avg_close", kReal},
    {"max_close", kReal},    {"min_close", kReal},
    {"volatility", kReal},   {"avg_volume", kReal},
    {"avg_vwap", kReal},     {"vwap_deviation_pct", kReal},
    {"buy_pressure", kReal}, {"avg_pct_change", kReal},
    {"price_range", kReal},  {"trend_signal", kText}};

struct TableSpec {
  const char* name;                     // lake folder, and the serving table of the same rows
  std::span<const ColumnSpec> columns;  // the staged columns, in file order
  const char* select;                   // what COPY writes, from the staged rows
};

constexpr TableSpec kSpecs[] = {
    {"tweets", kTweetColumns, "*"},
    {"market_data", kBarColumns, "*"},
    {"topic_sentiment_avg", kSentimentWindowColumns,
     "* REPLACE (CAST(histogram AS BIGINT[]) AS histogram)"},
    {"stock_trends", kMarketWindowColumns, "*"},
};

const TableSpec& spec(LakeWriter::Table t) {
  return kSpecs[static_cast<size_t>(t)];
}

bool is_window_table(LakeWriter::Table t) {
  return t == LakeWriter::Table::kTopicSentimentAvg || t == LakeWriter::Table::kStockTrends;
}

int64_t hour_of(EventTime t) {
  // Floor division: event times before 1970 never reach here (the decoder rejects them), but
  // keep the bucket right for them anyway.
  const int64_t ms = t.value();
  return ms >= 0 ? ms / kMillisPerHour : -((-ms + kMillisPerHour - 1) / kMillisPerHour);
}

// Rough in-memory size of a row once staged: what roll_bytes is compared with. Numbers count
// 8 bytes, strings their length plus a small header.
constexpr uint64_t kStringOverhead = 16;

std::string compact_time(EventTime t) {
  const CivilTime c = civil_from_millis(t.value());
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second, c.millis);
}

void json_string(std::string_view s, std::string& out) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void json_number(double v, std::string& out) {
  if (std::isfinite(v)) {
    fmt::format_to(std::back_inserter(out), "{}", v);
  } else {
    out += "null";  // JSON has no NaN
  }
}

// Parses "part-p<P>-<first>-<last>.parquet"; nullopt for anything else (temp files, windows).
bool parse_offset_file(std::string_view name, int32_t& partition, int64_t& first, int64_t& last) {
  constexpr std::string_view kPrefix = "part-p", kSuffix = ".parquet";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return false;
  name.remove_prefix(kPrefix.size());
  name.remove_suffix(kSuffix.size());
  auto take = [&name](auto& out) {
    auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), out);
    if (ec != std::errc()) return false;
    name.remove_prefix(static_cast<size_t>(p - name.data()));
    return true;
  };
  if (!take(partition) || !name.starts_with('-')) return false;
  name.remove_prefix(1);
  if (!take(first) || !name.starts_with('-')) return false;
  name.remove_prefix(1);
  return take(last) && name.empty();
}

// Bytes a value of the type takes in a DuckDB vector (VARCHAR: a duckdb_string_t).
size_t width_of(ColumnType t) {
  switch (t) {
    case ColumnType::kVarchar:
      return sizeof(duckdb_string_t);
    case ColumnType::kInteger:
      return sizeof(int32_t);
    default:
      return sizeof(int64_t);
  }
}

// True when none of the bytes has its high bit set: plain ASCII, valid UTF-8.
bool is_ascii(std::string_view v) {
  size_t i = 0;
  uint64_t high = 0;
  for (; i + 8 <= v.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, v.data() + i, 8);
    high |= word;
  }
  for (; i < v.size(); ++i) high |= static_cast<unsigned char>(v[i]);
  return (high & 0x8080808080808080ull) == 0;
}

// v with each ill-formed UTF-8 sequence replaced by U+FFFD, into out.
void repair_utf8(std::string_view v, std::string& out) {
  out.clear();
  for (size_t i = 0; i < v.size();) {
    const size_t n = utf8_sequence_length(v, i);
    if (n > 0) {
      out.append(v.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      i += utf8_invalid_length(v, i);
    }
  }
}

}  // namespace

// Fixed-size blocks kept between stagings, so staging memory is not returned to the system and
// faulted in again for every file. Blocks are huge-page sized and aligned, and ask for huge
// pages: one page fault per block instead of 512.
class LakeWriter::BlockPool {
 public:
  static constexpr size_t kBlockBytes = 2 << 20;
  static constexpr size_t kMaxFree = 128;  // keep at most this much (256 MiB) for reuse

  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  using Block = std::unique_ptr<std::byte[], Free>;

  Block take() {
    if (!free_.empty()) {
      Block b = std::move(free_.back());
      free_.pop_back();
      return b;
    }
    auto* p = static_cast<std::byte*>(std::aligned_alloc(kBlockBytes, kBlockBytes));
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, kBlockBytes, MADV_HUGEPAGE);  // advice only: without it, small pages
#endif
    return Block(p);
  }
  void give(Block b) {
    if (free_.size() < kMaxFree) free_.push_back(std::move(b));
  }

 private:
  std::vector<Block> free_;
};

namespace {

// Memory that lives as long as a staging: carved from pooled blocks, never moved, so the
// duckdb_string_t values staged can point into it.
class Arena {
 public:
  explicit Arena(LakeWriter::BlockPool& pool) : pool_(pool) {}
  ~Arena() {
    for (auto& b : blocks_) pool_.give(std::move(b));
  }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  std::byte* allocate(size_t n, size_t align) {
    size_t pad = (align - reinterpret_cast<uintptr_t>(next_) % align) % align;
    if (next_ == nullptr || pad + n > left_) {
      if (n > LakeWriter::BlockPool::kBlockBytes / 4) {  // a large value gets its own memory
        large_.push_back(std::make_unique_for_overwrite<std::byte[]>(n));
        return large_.back().get();
      }
      blocks_.push_back(pool_.take());
      next_ = blocks_.back().get();
      left_ = LakeWriter::BlockPool::kBlockBytes;
      pad = 0;
    }
    std::byte* p = next_ + pad;
    next_ = p + n;
    left_ -= pad + n;
    return p;
  }

 private:
  LakeWriter::BlockPool& pool_;
  std::vector<LakeWriter::BlockPool::Block> blocks_;
  std::vector<std::unique_ptr<std::byte[]>> large_;
  std::byte* next_ = nullptr;
  size_t left_ = 0;
};

// Up to one DuckDB vector's worth of rows, each column laid out as DuckDB's vector holds it, so
// handing it over is one copy per column and string bytes are never copied.
struct Segment {
  std::vector<std::byte*> columns;
  std::vector<std::vector<uint32_t>> nulls;  // per column, the rows that are NULL
  idx_t rows = 0;
};

struct StagedRows {
  std::span<const ColumnSpec> spec;
  idx_t segment_rows = 0;
  std::vector<Segment> segments;
  uint64_t count = 0;
  uint64_t repaired = 0;  // values whose invalid UTF-8 was replaced
};

// Appends one row, column by column in the table's order.
class RowWriter {
 public:
  RowWriter(StagedRows& rows, Arena& arena, std::string& scratch)
      : rows_(rows), arena_(arena), scratch_(scratch) {
    if (rows.segments.empty() || rows.segments.back().rows == rows.segment_rows) {
      Segment& seg = rows.segments.emplace_back();
      for (const ColumnSpec& c : rows.spec) {
        seg.columns.push_back(arena.allocate(width_of(c.type) * rows.segment_rows, 16));
      }
      seg.nulls.resize(rows.spec.size());
    }
    segment_ = &rows.segments.back();
  }
  void text(std::string_view v) {
    if (!is_ascii(v) && utf8_first_invalid(v) != v.size()) {
      repair_utf8(v, scratch_);
      v = scratch_;
      ++rows_.repaired;
    }
    duckdb_string_t s;
    std::memset(&s, 0, sizeof(s));
    s.value.inlined.length = static_cast<uint32_t>(v.size());
    if (v.size() <= sizeof(s.value.inlined.inlined)) {
      std::memcpy(s.value.inlined.inlined, v.data(), v.size());
    } else {
      auto* bytes = reinterpret_cast<char*>(arena_.allocate(v.size(), 1));
      std::memcpy(bytes, v.data(), v.size());
      std::memcpy(s.value.pointer.prefix, v.data(), sizeof(s.value.pointer.prefix));
      s.value.pointer.ptr = bytes;
    }
    put(s);
  }
  void time(EventTime t) { put(t.value() * 1000); }
  // NaN is stored as NULL: Parquet readers treat NaN inconsistently, NULL means "no value".
  void real(double v) {
    if (std::isnan(v)) set_null();
    put(v);
  }
  void integer(int64_t v) { put(v); }
  void int32(int32_t v) { put(v); }
  void null_integer() {
    set_null();
    put(int64_t{0});
  }
  void end() {
    ++segment_->rows;
    ++rows_.count;
  }

 private:
  template <class T>
  void put(const T& v) {
    std::memcpy(segment_->columns[column_++] + segment_->rows * sizeof(T), &v, sizeof(T));
  }
  void set_null() { segment_->nulls[column_].push_back(static_cast<uint32_t>(segment_->rows)); }

  StagedRows& rows_;
  Arena& arena_;
  std::string& scratch_;
  Segment* segment_;
  size_t column_ = 0;
};

}  // namespace

// Rows waiting for one file.
struct LakeWriter::Staging {
  explicit Staging(BlockPool& pool) : arena(pool) {}

  StagingKey key;
  Table table;
  int64_t hour;
  int32_t partition;
  Arena arena;
  StagedRows rows;
  uint64_t bytes = 0;
  int64_t opened_at_ms = 0;
  // Offsets (posts, bars) or window_start/window_end (windows) of the rows held.
  int64_t first = std::numeric_limits<int64_t>::max();
  int64_t last = std::numeric_limits<int64_t>::min();

  void cover(int64_t lo, int64_t hi) {
    if (lo < first) first = lo;
    if (hi > last) last = hi;
  }
};

// What the scan function `lake_staging()` reads: the staging being written, set only for the
// duration of its COPY.
struct LakeWriter::Feed {
  const Staging* staging = nullptr;
  size_t next = 0;  // the next segment to hand over
};

namespace {

duckdb_type duckdb_type_of(ColumnType t) {
  switch (t) {
    case ColumnType::kVarchar:
      return DUCKDB_TYPE_VARCHAR;
    case ColumnType::kTimestamp:
      return DUCKDB_TYPE_TIMESTAMP;
    case ColumnType::kDouble:
      return DUCKDB_TYPE_DOUBLE;
    case ColumnType::kBigint:
      return DUCKDB_TYPE_BIGINT;
    case ColumnType::kInteger:
      return DUCKDB_TYPE_INTEGER;
  }
  return DUCKDB_TYPE_INVALID;
}

// Hands one segment to DuckDB as a chunk.
void fill_chunk(const StagedRows& rows, const Segment& seg, duckdb_data_chunk out) {
  for (size_t c = 0; c < rows.spec.size(); ++c) {
    duckdb_vector v = duckdb_data_chunk_get_vector(out, c);
    std::memcpy(duckdb_vector_get_data(v), seg.columns[c], width_of(rows.spec[c].type) * seg.rows);
    if (!seg.nulls[c].empty()) {
      duckdb_vector_ensure_validity_writable(v);
      uint64_t* validity = duckdb_vector_get_validity(v);
      for (uint32_t row : seg.nulls[c]) duckdb_validity_set_row_invalid(validity, row);
    }
  }
  duckdb_data_chunk_set_size(out, seg.rows);
}

}  // namespace

void LakeWriter::register_scan() {
  duckdb_table_function f = duckdb_create_table_function();
  duckdb_table_function_set_name(f, "lake_staging");
  duckdb_table_function_set_extra_info(f, feed_.get(), nullptr);
  duckdb_table_function_set_bind(f, [](duckdb_bind_info info) {
    const auto* feed = static_cast<const Feed*>(duckdb_bind_get_extra_info(info));
    if (!feed->staging) {
      duckdb_bind_set_error(info, "lake_staging: no staging is being written");
      return;
    }
    for (const ColumnSpec& c : spec(feed->staging->table).columns) {
      duckdb_logical_type type = duckdb_create_logical_type(duckdb_type_of(c.type));
      duckdb_bind_add_result_column(info, c.name, type);
      duckdb_destroy_logical_type(&type);
    }
  });
  duckdb_table_function_set_init(f, [](duckdb_init_info info) {
    static_cast<Feed*>(duckdb_init_get_extra_info(info))->next = 0;
    duckdb_init_set_max_threads(info, 1);  // one reader keeps the rows in append order
  });
  duckdb_table_function_set_function(f, [](duckdb_function_info info, duckdb_data_chunk out) {
    auto* feed = static_cast<Feed*>(duckdb_function_get_extra_info(info));
    const StagedRows& rows = feed->staging->rows;
    if (feed->next == rows.segments.size()) {
      duckdb_data_chunk_set_size(out, 0);  // the end
      return;
    }
    fill_chunk(rows, rows.segments[feed->next++], out);
  });
  const bool ok = duckdb_register_table_function(db_->connection(), f) == DuckDBSuccess;
  duckdb_destroy_table_function(&f);
  if (!ok) throw std::runtime_error("lake: cannot register the staging scan in DuckDB");
}

LakeWriter::LakeWriter(LakeOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &system_clock_),
      pool_(std::make_unique<BlockPool>()),
      db_(std::make_unique<DuckDbSession>("lake")),
      feed_(std::make_unique<Feed>()) {
  if (options_.root.empty()) throw std::runtime_error("lake: empty root folder");
  std::error_code ec;
  fs::create_directories(options_.root, ec);
  if (ec || !fs::is_directory(options_.root)) {
    throw std::runtime_error("lake: cannot create folder '" + options_.root + "': " + ec.message());
  }
  if (options_.row_group_size == 0) options_.row_group_size = 122880;
  // One thread by default: the writer runs on its own pipeline thread on a small machine, and
  // DuckDB's idle workers spinning for tasks cost more than a parallel Parquet encode gains.
  const int threads = options_.duckdb_threads > 0 ? options_.duckdb_threads : 1;
  if (std::string error = db_->execute("SET threads = " + std::to_string(threads));
      !error.empty()) {
    throw std::runtime_error("lake: cannot configure DuckDB: " + error);
  }
  register_scan();
}

LakeWriter::~LakeWriter() {
  close();
}

uint64_t LakeWriter::staged_bytes() const {
  uint64_t total = 0;
  for (const auto& [key, s] : stagings_) total += s->bytes;
  return total;
}

std::string LakeWriter::folder(Table table, int64_t hour) const {
  return (fs::path(options_.root) / spec(table).name /
          date_hour_partition(EventTime(hour * kMillisPerHour)))
      .string();
}

void LakeWriter::record_error(std::string message) {
  ++write_errors_;
  last_error_ = std::move(message);
}

LakeWriter::Staging& LakeWriter::staging_for(Table table, EventTime t, int32_t partition) {
  const StagingKey key{table, hour_of(t), partition};
  auto it = stagings_.find(key);
  if (it == stagings_.end()) {
    auto s = std::make_unique<Staging>(*pool_);
    s->key = key;
    s->table = table;
    s->hour = std::get<1>(key);
    s->partition = partition;
    s->opened_at_ms = clock_->now().value();
    s->rows.spec = spec(table).columns;
    s->rows.segment_rows = duckdb_vector_size();
    it = stagings_.emplace(key, std::move(s)).first;
  }
  return *it->second;
}

bool LakeWriter::archived(const StagingKey& key, int64_t offset) {
  auto it = archived_.find(key);
  if (it == archived_.end()) {
    // First time this (table, hour, partition) is seen: learn what earlier runs left there.
    std::vector<std::pair<int64_t, int64_t>> ranges;
    std::error_code ec;
    for (const auto& entry :
         fs::directory_iterator(folder(std::get<0>(key), std::get<1>(key)), ec)) {
      int32_t partition = 0;
      int64_t first = 0, last = 0;
      if (parse_offset_file(entry.path().filename().string(), partition, first, last) &&
          partition == std::get<2>(key)) {
        ranges.emplace_back(first, last);
      }
    }
    it = archived_.emplace(key, std::move(ranges)).first;
  }
  for (const auto& [first, last] : it->second) {
    if (offset >= first && offset <= last) return true;
  }
  return false;
}

void LakeWriter::after_append(Staging& s) {
  if (s.bytes >= options_.roll_bytes) roll(s);
}

void LakeWriter::append_posts(std::span<const ScoredPost> posts) {
  Staging* s = nullptr;
  for (const ScoredPost& sp : posts) {
    const Post& p = sp.post;
    const int32_t partition = p.position.partition.value();
    const int64_t offset = p.position.offset.value();
    // Consecutive posts mostly share a staging; look it up again only when the hour or the
    // partition changes.
    if (!s || s->hour != hour_of(p.created_at) || s->partition != partition) {
      const StagingKey key{Table::kTweets, hour_of(p.created_at), partition};
      if (archived(key, offset)) {
        ++rows_skipped_;
        continue;
      }
      s = &staging_for(Table::kTweets, p.created_at, partition);
    } else if (archived(s->key, offset)) {
      ++rows_skipped_;
      continue;
    }
    RowWriter w(s->rows, s->arena, repair_scratch_);
    w.text(p.id);
    w.time(p.created_at);
    w.text(p.text);
    w.text(p.user);
    w.text(p.source);
    w.real(sp.overall.compound);
    w.real(sp.overall.pos);
    w.real(sp.overall.neu);
    w.real(sp.overall.neg);
    w.text(label_name(label_of(sp.overall.compound)));
    scratch_.clear();
    for (size_t i = 0; i < sp.tickers.size(); ++i) {
      if (i) scratch_ += ',';
      scratch_ += sp.tickers[i].symbol;
    }
    w.text(scratch_);
    const size_t tickers_size = scratch_.size();
    scratch_.clear();
    scratch_ += '{';
    for (size_t i = 0; i < sp.tickers.size(); ++i) {
      if (i) scratch_ += ',';
      json_string(sp.tickers[i].symbol, scratch_);
      scratch_ += ':';
      json_number(sp.tickers[i].scores.compound, scratch_);
    }
    scratch_ += '}';
    w.text(scratch_);
    w.int32(partition);
    w.integer(offset);
    w.end();
    s->bytes += 8 * 8 + 7 * kStringOverhead + p.id.size() + p.text.size() + p.user.size() +
                p.source.size() + tickers_size + scratch_.size() + 8;
    s->cover(offset, offset);
    if (s->bytes >= options_.roll_bytes) {
      roll(*s);
      s = nullptr;  // the staging is gone once written
    }
  }
}

void LakeWriter::append_bars(std::span<const Bar> bars) {
  for (const Bar& b : bars) {
    const int32_t partition = b.position.partition.value();
    const int64_t offset = b.position.offset.value();
    if (archived(StagingKey{Table::kMarketData, hour_of(b.ts), partition}, offset)) {
      ++rows_skipped_;
      continue;
    }
    Staging& s = staging_for(Table::kMarketData, b.ts, partition);
    RowWriter w(s.rows, s.arena, repair_scratch_);
    w.text(b.symbol);
    w.time(b.ts);
    w.real(b.open);
    w.real(b.high);
    w.real(b.low);
    w.real(b.close);
    w.real(b.volume);
    w.real(b.vwap);
    if (b.trade_count < 0) {
      w.null_integer();
    } else {
      w.integer(b.trade_count);
    }
    w.int32(partition);
    w.integer(offset);
    w.end();
    s.bytes += 10 * 8 + kStringOverhead + b.symbol.size();
    s.cover(offset, offset);
    after_append(s);
  }
}

void LakeWriter::append_sentiment_windows(std::span<const SentimentWindowRow> rows) {
  for (const SentimentWindowRow& r : rows) {
    Staging& s = staging_for(Table::kTopicSentimentAvg, r.window_start, -1);
    RowWriter w(s.rows, s.arena, repair_scratch_);
    w.text(r.symbol);
    w.time(r.window_start);
    w.time(r.window_end);
    w.integer(r.tweet_count);
    w.real(r.sentiment_score_avg);
    w.real(r.sentiment_score_min);
    w.real(r.sentiment_score_max);
    w.real(r.sentiment_score_stddev);
    w.integer(r.bullish_count);
    w.integer(r.bearish_count);
    w.integer(r.neutral_count);
    w.real(r.bullish_share);
    scratch_.clear();
    scratch_ += '[';
    for (size_t i = 0; i < r.histogram.size(); ++i) {
      if (i) scratch_ += ',';
      fmt::format_to(std::back_inserter(scratch_), "{}", r.histogram[i]);
    }
    scratch_ += ']';
    w.text(scratch_);
    w.end();
    s.bytes += 12 * 8 + kStringOverhead + r.symbol.size() + kSentimentHistogramBuckets * 8;
    s.cover(r.window_start.value(), r.window_end.value());
    after_append(s);
  }
}

void LakeWriter::append_market_windows(std::span<const MarketWindowRow> rows) {
  for (const MarketWindowRow& r : rows) {
    Staging& s = staging_for(Table::kStockTrends, r.window_start, -1);
    RowWriter w(s.rows, s.arena, repair_scratch_);
    w.text(r.symbol);
    w.time(r.window_start);
    w.time(r.window_end);
    w.integer(r.bar_count);
    w.real(r.open);
    w.real(r.high);
    w.real(r.low);
    w.real(r.close);
    w.real(r.total_volume);
    w.real(r.avg_close);
    w.real(r.max_close);
    w.real(r.min_close);
    w.real(r.volatility);
    w.real(r.avg_volume);
    w.real(r.avg_vwap);
    w.real(r.vwap_deviation_pct);
    w.real(r.buy_pressure);
    w.real(r.avg_pct_change);
    w.real(r.price_range);
    w.text(trend_signal_name(r.trend_signal));
    w.end();
    s.bytes += 19 * 8 + 2 * kStringOverhead + r.symbol.size() + 8;
    s.cover(r.window_start.value(), r.window_end.value());
    after_append(s);
  }
}

bool LakeWriter::roll(Staging& s) {
  if (s.rows.count == 0) {
    stagings_.erase(s.key);
    return true;
  }

  const fs::path dir = folder(s.table, s.hour);
  std::string file;
  if (is_window_table(s.table)) {
    const int seq = window_file_seq_[{s.table, s.hour}];
    file = fmt::format("part-w{}-{}-{:04}.parquet", compact_time(EventTime(s.first)),
                       compact_time(EventTime(s.last)), seq);
  } else {
    file = fmt::format("part-p{}-{}-{}.parquet", s.partition, s.first, s.last);
  }
  // Starts with '.' and does not end in .parquet: Spark, Hive and DuckDB globs all skip it.
  const fs::path tmp = dir / ("." + file + ".tmp");
  const fs::path target = dir / file;

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    record_error("lake: cannot create folder '" + dir.string() + "': " + ec.message());
    return false;
  }
  const std::string copy = fmt::format(
      "COPY (SELECT {} FROM lake_staging()) TO {} (FORMAT PARQUET, COMPRESSION ZSTD, "
      "ROW_GROUP_SIZE {}{})",
      spec(s.table).select, sql_quote(tmp.string()), options_.row_group_size,
      // A limit of one entry: every column PLAIN-encoded, no dictionary built and abandoned.
      options_.parquet_dictionary ? "" : ", DICTIONARY_SIZE_LIMIT 1");
  feed_->staging = &s;
  std::string error = db_->execute(copy);
  feed_->staging = nullptr;
  if (!error.empty()) {
    fs::remove(tmp, ec);
    record_error("lake: writing '" + target.string() + "' failed: " + error);
    return false;  // rows stay staged; the next maybe_roll() retries
  }
  // rename() replaces an existing file of the same name atomically: a reader sees the old file
  // or the new one, never a partial write.
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    record_error("lake: cannot rename into '" + target.string() + "': " + ec.message());
    return false;
  }
  values_repaired_ += s.rows.repaired;

  ++files_written_;
  rows_written_ += s.rows.count;
  if (options_.on_file_written) {
    options_.on_file_written(fs::relative(target, options_.root).generic_string());
  }
  if (is_window_table(s.table)) {
    ++window_file_seq_[{s.table, s.hour}];
  } else {
    archived_[s.key].emplace_back(s.first, s.last);
  }
  stagings_.erase(s.key);  // s is gone from here on
  return true;
}

void LakeWriter::maybe_roll() {
  const int64_t now = clock_->now().value();
  std::vector<Staging*> due;
  for (auto& [key, s] : stagings_) {
    if (s->bytes >= options_.roll_bytes || now - s->opened_at_ms >= options_.roll_age_ms) {
      due.push_back(s.get());
    }
  }
  for (Staging* s : due) roll(*s);
}

void LakeWriter::close() {
  std::vector<Staging*> all;
  for (auto& [key, s] : stagings_) all.push_back(s.get());
  for (Staging* s : all) roll(*s);
}

}  // namespace stockpulse
