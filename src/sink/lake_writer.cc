#include "sink/lake_writer.h"

#include <duckdb.h>
#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <new>
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

// The memory of every staging, counted as it is allocated (what memory_bytes() reports), and a
// few 2 MiB blocks kept between stagings so a busy table's next staging does not fault its text
// chunks in again. Blocks are huge-page sized and aligned and ask for huge pages: one page fault
// per block instead of 512. Kept blocks are counted as held, and given back first when the budget
// is reached.
class LakeWriter::Memory {
 public:
  static constexpr size_t kBlockBytes = 2 << 20;
  static constexpr size_t kMaxKept = 8;  // 16 MiB at most kept for reuse
  static constexpr size_t kMinChunk = 4 << 10;

  explicit Memory(uint64_t budget)
      // A chunk or segment is at most 1/16 of the budget, so a small budget is not taken by one
      // allocation.
      : max_chunk_(std::clamp<size_t>(std::bit_floor(std::max<uint64_t>(budget / 16, 1)), kMinChunk,
                                      kBlockBytes)) {}
  ~Memory() {
    for (std::byte* b : kept_) std::free(b);
  }
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  // The largest text chunk (and about the largest vector segment) a staging allocates.
  size_t max_chunk() const { return max_chunk_; }
  uint64_t held() const { return held_; }
  uint64_t peak() const { return peak_; }

  // Counts memory taken or given back outside allocate()/release() (bookkeeping).
  void add(size_t n) {
    held_ += n;
    peak_ = std::max(peak_, held_);
  }
  void sub(size_t n) { held_ -= n; }

  // n bytes aligned to 16 (at least; kBlockBytes blocks to their size).
  std::byte* allocate(size_t n) {
    if (n == kBlockBytes && !kept_.empty()) {
      std::byte* b = kept_.back();  // counted already
      kept_.pop_back();
      return b;
    }
    const size_t align = n == kBlockBytes ? kBlockBytes : 16;
    auto* p = static_cast<std::byte*>(std::aligned_alloc(align, (n + align - 1) / align * align));
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    if (n == kBlockBytes) madvise(p, n, MADV_HUGEPAGE);  // advice only: without it, small pages
#endif
    add(n);
    return p;
  }
  void release(std::byte* p, size_t n) {
    if (n == kBlockBytes && max_chunk_ == kBlockBytes && kept_.size() < kMaxKept) {
      kept_.push_back(p);
      return;
    }
    std::free(p);
    sub(n);
  }
  // Frees the blocks kept for reuse; false when there were none.
  bool trim() {
    if (kept_.empty()) return false;
    for (std::byte* b : kept_) std::free(b);
    sub(kept_.size() * kBlockBytes);
    kept_.clear();
    return true;
  }

 private:
  size_t max_chunk_;
  uint64_t held_ = 0;
  uint64_t peak_ = 0;
  std::vector<std::byte*> kept_;
};

namespace {

// Bookkeeping of one staging counted on top of its vectors and text: the Staging itself, its map
// and recency-list nodes, the chunk list.
constexpr size_t kStagingOverhead = 512;
// Rows of a staging's first vector segment; each next segment doubles, up to a DuckDB vector.
constexpr idx_t kFirstSegmentRows = 16;
// A duckdb_string_t holds up to 12 bytes inline; longer values point into the staging's text.
constexpr size_t kInlineBytes = sizeof(duckdb_string_t{}.value.inlined.inlined);
constexpr size_t kMaxColumns = 24;

// Text bytes that live as long as a staging, in chunks that grow with what it holds (4 KiB,
// doubling up to Memory::max_chunk()); never moved, so the duckdb_string_t values staged can
// point into them. A value too large for the largest chunk gets an allocation of its own.
class TextArena {
 public:
  explicit TextArena(LakeWriter::Memory& memory) : memory_(memory) {}
  ~TextArena() {
    for (const auto& [p, n] : chunks_) memory_.release(p, n);
  }
  TextArena(const TextArena&) = delete;
  TextArena& operator=(const TextArena&) = delete;

  // The bytes allocate(n) will take from the memory: 0 when n fits in the current chunk.
  size_t growth_for(size_t n) const { return n <= left_ ? 0 : chunk_size_for(n); }

  char* allocate(size_t n) {
    if (n <= left_) {
      char* p = next_;
      next_ += n;
      left_ -= n;
      return p;
    }
    const size_t size = chunk_size_for(n);
    auto* chunk = reinterpret_cast<char*>(memory_.allocate(size));
    chunks_.emplace_back(reinterpret_cast<std::byte*>(chunk), size);
    if (size > n) {  // the new current chunk; a value of its own leaves the current one as it is
      next_ = chunk + n;
      left_ = size - n;
      next_size_ = std::min(size * 2, memory_.max_chunk());
    }
    return chunk;
  }

 private:
  size_t chunk_size_for(size_t n) const {
    const size_t size = std::max(next_size_, std::bit_ceil(n));
    return size > memory_.max_chunk() ? n : size;
  }

  LakeWriter::Memory& memory_;
  std::vector<std::pair<std::byte*, size_t>> chunks_;
  char* next_ = nullptr;
  size_t left_ = 0;
  size_t next_size_ = LakeWriter::Memory::kMinChunk;
};

// Up to one DuckDB vector's worth of rows, each column laid out as DuckDB's vector holds it, so
// handing it over is one copy per column and string bytes are never copied. One allocation:
// this header, then each column, then a bitmap of NULL rows per column.
struct Segment {
  Segment* next = nullptr;
  idx_t rows = 0;
  idx_t capacity = 0;
  size_t bytes = 0;           // of the whole allocation
  uint32_t null_columns = 0;  // bit c: column c holds a NULL
  std::array<std::byte*, kMaxColumns> columns{};
  std::array<uint64_t*, kMaxColumns> nulls{};  // bit r: row r is NULL
};

constexpr size_t round16(size_t n) {
  return (n + 15) / 16 * 16;
}

size_t segment_bytes(std::span<const ColumnSpec> spec, idx_t capacity) {
  size_t n = round16(sizeof(Segment));
  for (const ColumnSpec& c : spec) n += round16(width_of(c.type) * capacity);
  return n + spec.size() * round16((capacity + 63) / 64 * sizeof(uint64_t));
}

// The rows of one staging, as a list of segments of growing size.
class StagedRows {
 public:
  StagedRows(std::span<const ColumnSpec> spec, idx_t max_segment_rows, LakeWriter::Memory& memory)
      : spec_(spec), max_segment_rows_(max_segment_rows), memory_(memory) {
    if (spec.size() > kMaxColumns) throw std::logic_error("lake: a table has too many columns");
  }
  ~StagedRows() {
    for (Segment* s = head_; s != nullptr;) {
      Segment* next = s->next;
      memory_.release(reinterpret_cast<std::byte*>(s), s->bytes);
      s = next;
    }
  }
  StagedRows(const StagedRows&) = delete;
  StagedRows& operator=(const StagedRows&) = delete;

  std::span<const ColumnSpec> spec() const { return spec_; }
  const Segment* head() const { return head_; }

  // The bytes the next row takes from the memory: a new segment when the last one is full.
  size_t growth_for_row() const {
    return tail_ == nullptr || tail_->rows == tail_->capacity ? segment_bytes(spec_, next_rows())
                                                              : 0;
  }
  // The segment the next row goes to.
  Segment& segment_for_row() {
    if (tail_ == nullptr || tail_->rows == tail_->capacity) {
      const idx_t capacity = next_rows();
      const size_t bytes = segment_bytes(spec_, capacity);
      std::byte* p = memory_.allocate(bytes);
      auto* seg = new (p) Segment;
      seg->capacity = capacity;
      seg->bytes = bytes;
      std::byte* at = p + round16(sizeof(Segment));
      for (size_t c = 0; c < spec_.size(); ++c) {
        seg->columns[c] = at;
        at += round16(width_of(spec_[c].type) * capacity);
      }
      const size_t bitmap = round16((capacity + 63) / 64 * sizeof(uint64_t));
      std::memset(at, 0, bitmap * spec_.size());
      for (size_t c = 0; c < spec_.size(); ++c) {
        seg->nulls[c] = reinterpret_cast<uint64_t*>(at);
        at += bitmap;
      }
      (tail_ ? tail_->next : head_) = seg;
      tail_ = seg;
    }
    return *tail_;
  }

  uint64_t count = 0;
  uint64_t repaired = 0;  // values whose invalid UTF-8 was replaced

 private:
  idx_t next_rows() const {
    return tail_ == nullptr ? std::min(kFirstSegmentRows, max_segment_rows_)
                            : std::min(tail_->capacity * 2, max_segment_rows_);
  }

  std::span<const ColumnSpec> spec_;
  idx_t max_segment_rows_;
  LakeWriter::Memory& memory_;
  Segment* head_ = nullptr;
  Segment* tail_ = nullptr;
};

}  // namespace

// The text values of one row, checked before the row is staged (invalid UTF-8 replaced), so the
// staging knows the bytes it must hold for them and can make room at once.
class LakeWriter::RowTexts {
 public:
  static constexpr size_t kMax = 8;

  void clear() {
    size_ = 0;
    out_of_line_ = 0;
    repaired_ = 0;
  }
  void add(std::string_view v) {
    if (!is_ascii(v) && utf8_first_invalid(v) != v.size()) {
      repair_utf8(v, repair_[size_]);
      v = repair_[size_];
      ++repaired_;
    }
    values_[size_++] = v;
    if (v.size() > kInlineBytes) out_of_line_ += v.size();
  }
  std::string_view operator[](size_t i) const { return values_[i]; }
  // Bytes of the values longer than a duckdb_string_t holds inline.
  size_t out_of_line() const { return out_of_line_; }
  uint32_t repaired() const { return repaired_; }

 private:
  std::array<std::string_view, kMax> values_;
  std::array<std::string, kMax> repair_;
  size_t size_ = 0;
  size_t out_of_line_ = 0;
  uint32_t repaired_ = 0;
};

// Rows waiting for one file.
struct LakeWriter::Staging {
  Staging(const StagingKey& k, std::span<const ColumnSpec> spec, idx_t max_segment_rows,
          Memory& memory)
      : key(k),
        table(std::get<0>(k)),
        hour(std::get<1>(k)),
        partition(std::get<2>(k)),
        memory_(memory),
        arena(memory),
        rows(spec, max_segment_rows, memory) {
    memory_.add(kStagingOverhead);
  }
  ~Staging() { memory_.sub(kStagingOverhead); }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;

  // The bytes staging one more row with `text_bytes` of out-of-line text takes from the memory.
  size_t growth_for_row(size_t text_bytes) const {
    return rows.growth_for_row() + arena.growth_for(text_bytes);
  }

  StagingKey key;
  Table table;
  int64_t hour;
  int32_t partition;
  Memory& memory_;
  TextArena arena;
  StagedRows rows;
  std::list<Staging*>::iterator recency;  // its place in LakeWriter::recency_
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

namespace {

// Appends one row to a staging the writer made room in, column by column in the table's order;
// text values come from the RowTexts, in order.
class RowWriter {
 public:
  RowWriter(StagedRows& rows, TextArena& arena, const LakeWriter::RowTexts& texts)
      : rows_(rows), texts_(texts), segment_(&rows.segment_for_row()) {
    if (texts.out_of_line() > 0) text_out_ = arena.allocate(texts.out_of_line());
    rows_.repaired += texts.repaired();
  }
  void text() {
    const std::string_view v = texts_[text_++];
    duckdb_string_t s;
    std::memset(&s, 0, sizeof(s));
    s.value.inlined.length = static_cast<uint32_t>(v.size());
    if (v.size() <= kInlineBytes) {
      std::memcpy(s.value.inlined.inlined, v.data(), v.size());
    } else {
      std::memcpy(text_out_, v.data(), v.size());
      std::memcpy(s.value.pointer.prefix, v.data(), sizeof(s.value.pointer.prefix));
      s.value.pointer.ptr = text_out_;
      text_out_ += v.size();
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
  void set_null() {
    segment_->nulls[column_][segment_->rows / 64] |= uint64_t{1} << (segment_->rows % 64);
    segment_->null_columns |= 1u << column_;
  }

  StagedRows& rows_;
  const LakeWriter::RowTexts& texts_;
  Segment* segment_;
  char* text_out_ = nullptr;
  size_t column_ = 0;
  size_t text_ = 0;
};

}  // namespace

// What the scan function `lake_staging()` reads: the staging being written, set only for the
// duration of its COPY, and how far it has been handed over.
struct LakeWriter::Feed {
  const Staging* staging = nullptr;
  const Segment* segment = nullptr;  // the next rows to hand over: this segment's ...
  idx_t row = 0;                     // ... from this row on
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

// Fills one chunk (a whole DuckDB vector, whatever the segment sizes, so a file's chunks do not
// depend on how its rows were staged) from the segments from `seg`/`row` on; advances them.
void fill_chunk(std::span<const ColumnSpec> spec, const Segment*& seg, idx_t& row,
                duckdb_data_chunk out) {
  const idx_t capacity = duckdb_vector_size();
  idx_t filled = 0;
  while (seg != nullptr && filled < capacity) {
    const idx_t n = std::min(seg->rows - row, capacity - filled);
    for (size_t c = 0; c < spec.size(); ++c) {
      duckdb_vector v = duckdb_data_chunk_get_vector(out, c);
      const size_t width = width_of(spec[c].type);
      std::memcpy(static_cast<std::byte*>(duckdb_vector_get_data(v)) + filled * width,
                  seg->columns[c] + row * width, width * n);
      if (seg->null_columns & (1u << c)) {
        duckdb_vector_ensure_validity_writable(v);
        uint64_t* validity = duckdb_vector_get_validity(v);
        for (idx_t r = row; r < row + n; ++r) {
          if (seg->nulls[c][r / 64] & (uint64_t{1} << (r % 64))) {
            duckdb_validity_set_row_invalid(validity, filled + r - row);
          }
        }
      }
    }
    filled += n;
    row += n;
    if (row == seg->rows) {
      seg = seg->next;
      row = 0;
    }
  }
  duckdb_data_chunk_set_size(out, filled);
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
    auto* feed = static_cast<Feed*>(duckdb_init_get_extra_info(info));
    feed->segment = feed->staging->rows.head();
    feed->row = 0;
    duckdb_init_set_max_threads(info, 1);  // one reader keeps the rows in append order
  });
  duckdb_table_function_set_function(f, [](duckdb_function_info info, duckdb_data_chunk out) {
    auto* feed = static_cast<Feed*>(duckdb_function_get_extra_info(info));
    fill_chunk(feed->staging->rows.spec(), feed->segment, feed->row, out);  // 0 rows: the end
  });
  const bool ok = duckdb_register_table_function(db_->connection(), f) == DuckDBSuccess;
  duckdb_destroy_table_function(&f);
  if (!ok) throw std::runtime_error("lake: cannot register the staging scan in DuckDB");
}

LakeWriter::LakeWriter(LakeOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &system_clock_),
      memory_(std::make_unique<Memory>(options_.memory_bytes)),
      db_(std::make_unique<DuckDbSession>("lake")),
      feed_(std::make_unique<Feed>()),
      texts_(std::make_unique<RowTexts>()) {
  if (options_.root.empty()) throw std::runtime_error("lake: empty root folder");
  std::error_code ec;
  fs::create_directories(options_.root, ec);
  if (ec || !fs::is_directory(options_.root)) {
    throw std::runtime_error("lake: cannot create folder '" + options_.root + "': " + ec.message());
  }
  if (options_.row_group_size == 0) options_.row_group_size = 122880;
  if (options_.max_open_stagings == 0) options_.max_open_stagings = 1;
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

uint64_t LakeWriter::memory_bytes() const {
  return memory_->held();
}

uint64_t LakeWriter::peak_memory_bytes() const {
  return memory_->peak();
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

LakeWriter::Staging& LakeWriter::open_staging(const StagingKey& key) {
  auto it = stagings_.find(key);
  if (it != stagings_.end()) return *it->second;
  // Room for one more: under the cap, and the memory for its bookkeeping. On a failed write the
  // cap or the budget is exceeded rather than a row lost.
  for (;;) {
    const bool over_budget = memory_->held() + kStagingOverhead > options_.memory_bytes;
    if (stagings_.size() < options_.max_open_stagings && !over_budget) break;
    if (over_budget && memory_->trim()) continue;
    if (recency_.empty() || !write_early(*recency_.front())) break;
  }
  const Table table = std::get<0>(key);
  // The largest segment stays within one chunk's size, as the text does.
  const size_t row_bytes = segment_bytes(spec(table).columns, 64) / 64;
  const idx_t max_rows = std::max<idx_t>(
      kFirstSegmentRows,
      std::min<idx_t>(duckdb_vector_size(), std::bit_floor(memory_->max_chunk() / row_bytes)));
  auto s = std::make_unique<Staging>(key, spec(table).columns, max_rows, *memory_);
  s->opened_at_ms = clock_->now().value();
  s->recency = recency_.insert(recency_.end(), s.get());
  return *stagings_.emplace(key, std::move(s)).first->second;
}

bool LakeWriter::write_early(Staging& s) {
  if (early_write_failed_) return false;
  if (!roll(s)) {
    early_write_failed_ = true;  // a broken disk: retried at the next maybe_roll(), not per row
    return false;
  }
  ++early_writes_;
  return true;
}

LakeWriter::Staging& LakeWriter::staging_for_row(const StagingKey& key, size_t text_bytes,
                                                 Staging* last) {
  Staging* s = last != nullptr && last->key == key ? last : &open_staging(key);
  if (std::next(s->recency) != recency_.end()) {
    recency_.splice(recency_.end(), recency_, s->recency);  // the most recently appended now
  }
  for (;;) {
    if (memory_->held() + s->growth_for_row(text_bytes) <= options_.memory_bytes) break;
    if (memory_->trim()) continue;
    // Others first, least recently appended first; this one only when it is the last.
    Staging* victim = recency_.front() != s ? recency_.front() : nullptr;
    if (victim != nullptr) {
      if (!write_early(*victim)) break;
    } else if (s->rows.count > 0) {
      if (!write_early(*s)) break;
      s = &open_staging(key);
    } else {
      break;  // this row alone is larger than the budget: staged all the same
    }
  }
  return *s;
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
  RowTexts& texts = *texts_;
  Staging* s = nullptr;  // the previous post's staging, while it is open
  for (const ScoredPost& sp : posts) {
    const Post& p = sp.post;
    const int32_t partition = p.position.partition.value();
    const int64_t offset = p.position.offset.value();
    const StagingKey key{Table::kTweets, hour_of(p.created_at), partition};
    if (archived(key, offset)) {
      ++rows_skipped_;
      continue;
    }
    scratch_.clear();
    for (size_t i = 0; i < sp.tickers.size(); ++i) {
      if (i) scratch_ += ',';
      scratch_ += sp.tickers[i].symbol;
    }
    scratch2_.clear();
    scratch2_ += '{';
    for (size_t i = 0; i < sp.tickers.size(); ++i) {
      if (i) scratch2_ += ',';
      json_string(sp.tickers[i].symbol, scratch2_);
      scratch2_ += ':';
      json_number(sp.tickers[i].scores.compound, scratch2_);
    }
    scratch2_ += '}';
    texts.clear();
    texts.add(p.id);
    texts.add(p.text);
    texts.add(p.user);
    texts.add(p.source);
    texts.add(label_name(label_of(sp.overall.compound)));
    texts.add(scratch_);
    texts.add(scratch2_);
    s = &staging_for_row(key, texts.out_of_line(), s);
    RowWriter w(s->rows, s->arena, texts);
    w.text();  // id
    w.time(p.created_at);
    w.text();  // text
    w.text();  // user
    w.text();  // source
    w.real(sp.overall.compound);
    w.real(sp.overall.pos);
    w.real(sp.overall.neu);
    w.real(sp.overall.neg);
    w.text();  // label
    w.text();  // tickers
    w.text();  // ticker_scores
    w.int32(partition);
    w.integer(offset);
    w.end();
    s->bytes += 8 * 8 + 7 * kStringOverhead + p.id.size() + p.text.size() + p.user.size() +
                p.source.size() + scratch_.size() + scratch2_.size() + 8;
    s->cover(offset, offset);
    if (s->bytes >= options_.roll_bytes) {
      roll(*s);
      s = nullptr;  // the staging is gone once written
    }
  }
}

void LakeWriter::append_bars(std::span<const Bar> bars) {
  RowTexts& texts = *texts_;
  for (const Bar& b : bars) {
    const int32_t partition = b.position.partition.value();
    const int64_t offset = b.position.offset.value();
    const StagingKey key{Table::kMarketData, hour_of(b.ts), partition};
    if (archived(key, offset)) {
      ++rows_skipped_;
      continue;
    }
    texts.clear();
    texts.add(b.symbol);
    Staging& s = staging_for_row(key, texts.out_of_line(), nullptr);
    RowWriter w(s.rows, s.arena, texts);
    w.text();  // symbol
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
  RowTexts& texts = *texts_;
  for (const SentimentWindowRow& r : rows) {
    scratch_.clear();
    scratch_ += '[';
    for (size_t i = 0; i < r.histogram.size(); ++i) {
      if (i) scratch_ += ',';
      fmt::format_to(std::back_inserter(scratch_), "{}", r.histogram[i]);
    }
    scratch_ += ']';
    texts.clear();
    texts.add(r.symbol);
    texts.add(scratch_);
    Staging& s = staging_for_row({Table::kTopicSentimentAvg, hour_of(r.window_start), -1},
                                 texts.out_of_line(), nullptr);
    RowWriter w(s.rows, s.arena, texts);
    w.text();  // symbol
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
    w.text();  // histogram
    w.end();
    s.bytes += 12 * 8 + kStringOverhead + r.symbol.size() + kSentimentHistogramBuckets * 8;
    s.cover(r.window_start.value(), r.window_end.value());
    after_append(s);
  }
}

void LakeWriter::append_market_windows(std::span<const MarketWindowRow> rows) {
  RowTexts& texts = *texts_;
  for (const MarketWindowRow& r : rows) {
    texts.clear();
    texts.add(r.symbol);
    texts.add(trend_signal_name(r.trend_signal));
    Staging& s = staging_for_row({Table::kStockTrends, hour_of(r.window_start), -1},
                                 texts.out_of_line(), nullptr);
    RowWriter w(s.rows, s.arena, texts);
    w.text();  // symbol
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
    w.text();  // trend_signal
    w.end();
    s.bytes += 19 * 8 + 2 * kStringOverhead + r.symbol.size() + 8;
    s.cover(r.window_start.value(), r.window_end.value());
    after_append(s);
  }
}

void LakeWriter::drop(Staging& s) {
  recency_.erase(s.recency);
  stagings_.erase(s.key);  // s is gone from here on
}

bool LakeWriter::roll(Staging& s) {
  if (s.rows.count == 0) {
    drop(s);
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
  drop(s);
  return true;
}

void LakeWriter::maybe_roll() {
  early_write_failed_ = false;
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
  early_write_failed_ = false;
  std::vector<Staging*> all;
  for (auto& [key, s] : stagings_) all.push_back(s.get());
  for (Staging* s : all) roll(*s);
}

}  // namespace stockpulse
