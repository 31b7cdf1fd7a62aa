#include "sink/lake_writer.h"

#include <duckdb.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
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

std::string sql_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
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

}  // namespace

namespace {

// One column of staged rows, in the form the scan hands to DuckDB.
struct StagedColumn {
  ColumnType type;
  std::vector<int64_t> ints;    // TIMESTAMP (microseconds), BIGINT, INTEGER
  std::vector<double> reals;    // DOUBLE
  std::string bytes;            // VARCHAR: the values back to back, valid UTF-8
  std::vector<uint64_t> ends;   // VARCHAR: where each value ends in bytes
  std::vector<uint64_t> nulls;  // rows that are NULL, ascending
};

struct StagedRows {
  std::vector<StagedColumn> columns;
  uint64_t count = 0;
  uint64_t repaired = 0;  // values whose invalid UTF-8 was replaced
};

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

// Appends v, each ill-formed UTF-8 sequence replaced by U+FFFD (DuckDB requires valid UTF-8 in
// VARCHAR); true when something was replaced.
bool append_utf8(std::string& out, std::string_view v) {
  if (is_ascii(v) || utf8_first_invalid(v) == v.size()) {
    out.append(v);
    return false;
  }
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
  return true;
}

// Appends one row, column by column in the table's order.
class RowWriter {
 public:
  explicit RowWriter(StagedRows& rows) : rows_(rows), column_(rows.columns.data()) {}
  void text(std::string_view v) {
    StagedColumn& c = *column_++;
    if (append_utf8(c.bytes, v)) ++rows_.repaired;
    c.ends.push_back(c.bytes.size());
  }
  void time(EventTime t) { (column_++)->ints.push_back(t.value() * 1000); }
  // NaN is stored as NULL: Parquet readers treat NaN inconsistently, NULL means "no value".
  void real(double v) {
    StagedColumn& c = *column_++;
    if (std::isnan(v)) c.nulls.push_back(rows_.count);
    c.reals.push_back(v);
  }
  void integer(int64_t v) { (column_++)->ints.push_back(v); }
  void null_integer() {
    StagedColumn& c = *column_++;
    c.nulls.push_back(rows_.count);
    c.ints.push_back(0);
  }
  void end() { ++rows_.count; }

 private:
  StagedRows& rows_;
  StagedColumn* column_;
};

}  // namespace

// Rows waiting for one file.
struct LakeWriter::Staging {
  StagingKey key;
  Table table;
  int64_t hour;
  int32_t partition;
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
  uint64_t next = 0;  // the next row to hand over
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

// Copies rows [begin, begin + n) of one staged column into a chunk's vector.
void fill_vector(const StagedColumn& c, uint64_t begin, idx_t n, duckdb_vector v) {
  switch (c.type) {
    case ColumnType::kVarchar: {
      uint64_t start = begin == 0 ? 0 : c.ends[begin - 1];
      for (idx_t i = 0; i < n; ++i) {
        const uint64_t end = c.ends[begin + i];
        duckdb_vector_assign_string_element_len(v, i, c.bytes.data() + start, end - start);
        start = end;
      }
      break;
    }
    case ColumnType::kTimestamp:
    case ColumnType::kBigint:
      std::memcpy(duckdb_vector_get_data(v), c.ints.data() + begin, n * sizeof(int64_t));
      break;
    case ColumnType::kDouble:
      std::memcpy(duckdb_vector_get_data(v), c.reals.data() + begin, n * sizeof(double));
      break;
    case ColumnType::kInteger: {
      auto* out = static_cast<int32_t*>(duckdb_vector_get_data(v));
      for (idx_t i = 0; i < n; ++i) out[i] = static_cast<int32_t>(c.ints[begin + i]);
      break;
    }
  }
  auto null = std::lower_bound(c.nulls.begin(), c.nulls.end(), begin);
  if (null != c.nulls.end() && *null < begin + n) {
    duckdb_vector_ensure_validity_writable(v);
    uint64_t* validity = duckdb_vector_get_validity(v);
    for (; null != c.nulls.end() && *null < begin + n; ++null) {
      duckdb_validity_set_row_invalid(validity, *null - begin);
    }
  }
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
    const uint64_t begin = feed->next;
    const idx_t n = std::min<uint64_t>(rows.count - begin, duckdb_vector_size());
    for (size_t c = 0; c < rows.columns.size(); ++c) {
      fill_vector(rows.columns[c], begin, n, duckdb_data_chunk_get_vector(out, c));
    }
    duckdb_data_chunk_set_size(out, n);
    feed->next = begin + n;
  });
  const bool ok = duckdb_register_table_function(db_->connection(), f) == DuckDBSuccess;
  duckdb_destroy_table_function(&f);
  if (!ok) throw std::runtime_error("lake: cannot register the staging scan in DuckDB");
}

LakeWriter::LakeWriter(LakeOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &system_clock_),
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
    auto s = std::make_unique<Staging>();
    s->key = key;
    s->table = table;
    s->hour = std::get<1>(key);
    s->partition = partition;
    s->opened_at_ms = clock_->now().value();
    for (const ColumnSpec& c : spec(table).columns) s->rows.columns.push_back({.type = c.type});
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
    RowWriter w(s->rows);
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
    w.integer(partition);
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
    RowWriter w(s.rows);
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
    w.integer(partition);
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
    RowWriter w(s.rows);
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
    RowWriter w(s.rows);
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
      "ROW_GROUP_SIZE {})",
      spec(s.table).select, sql_quote(tmp.string()), options_.row_group_size);
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
