#include "sink/lake_writer.h"

#include <duckdb.h>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "sink/duckdb_session.h"

namespace stockpulse {
namespace fs = std::filesystem;

namespace {

struct TableSpec {
  const char* name;     // lake folder, and the serving table of the same rows
  const char* columns;  // staging table DDL
  const char* select;   // what COPY writes, from the staging table
};

// Staging tables keep the types Parquet readers expect (TIMESTAMP for times, DOUBLE, BIGINT);
// the histogram is staged as JSON text, which the appender takes in one call, and cast to a
// list only once, when the file is written.
constexpr TableSpec kSpecs[] = {
    {"tweets",
     "id VARCHAR, created_at TIMESTAMP, text VARCHAR, \"user\" VARCHAR, source VARCHAR, "
     "compound DOUBLE, pos DOUBLE, neu DOUBLE, neg DOUBLE, label VARCHAR, tickers VARCHAR, "
     "ticker_scores VARCHAR, \"partition\" INTEGER, \"offset\" BIGINT",
     "*"},
    {"market_data",
     "symbol VARCHAR, ts TIMESTAMP, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, "
     "volume DOUBLE, vwap DOUBLE, trade_count BIGINT, \"partition\" INTEGER, \"offset\" BIGINT",
     "*"},
    {"topic_sentiment_avg",
     "symbol VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP, tweet_count BIGINT, "
     "sentiment_score_avg DOUBLE, sentiment_score_min DOUBLE, sentiment_score_max DOUBLE, "
     "sentiment_score_stddev DOUBLE, bullish_count BIGINT, bearish_count BIGINT, "
     "neutral_count BIGINT, bullish_share DOUBLE, histogram VARCHAR",
     "* REPLACE (CAST(histogram AS BIGINT[]) AS histogram)"},
    {"stock_trends",
     "symbol VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP, bar_count BIGINT, "
     "open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, total_volume DOUBLE, avg_close DOUBLE, "
     "max_close DOUBLE, min_close DOUBLE, volatility DOUBLE, avg_volume DOUBLE, avg_vwap DOUBLE, "
     "vwap_deviation_pct DOUBLE, buy_pressure DOUBLE, avg_pct_change DOUBLE, "
     "price_range DOUBLE, trend_signal VARCHAR",
     "*"},
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

// Rows waiting for one file.
struct LakeWriter::Staging {
  StagingKey key;
  Table table;
  int64_t hour;
  int32_t partition;
  std::string name;  // the staging table in DuckDB
  duckdb_appender appender = nullptr;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  int64_t opened_at_ms = 0;
  // Offsets (posts, bars) or window_start/window_end (windows) of the rows held.
  int64_t first = std::numeric_limits<int64_t>::max();
  int64_t last = std::numeric_limits<int64_t>::min();
  bool append_failed = false;

  void cover(int64_t lo, int64_t hi) {
    if (lo < first) first = lo;
    if (hi > last) last = hi;
  }
};

LakeWriter::LakeWriter(LakeOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &system_clock_),
      db_(std::make_unique<DuckDbSession>("lake")) {
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
}

LakeWriter::~LakeWriter() {
  close();
  for (auto& [key, s] : stagings_) {
    if (s->appender) duckdb_appender_destroy(&s->appender);
  }
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
    s->name = "stage_" + std::to_string(next_staging_id_++);
    s->opened_at_ms = clock_->now().value();
    const std::string error =
        db_->execute("CREATE TABLE " + s->name + " (" + spec(table).columns + ")");
    if (!error.empty()) {
      // Creating a table in an in-memory database fails only when DuckDB is out of memory or
      // broken: nothing sensible can continue.
      throw std::runtime_error("lake: cannot create staging table: " + error);
    }
    it = stagings_.emplace(key, std::move(s)).first;
  }
  Staging& s = *it->second;
  if (!s.appender) {
    if (duckdb_appender_create(db_->connection(), nullptr, s.name.c_str(), &s.appender) !=
        DuckDBSuccess) {
      const char* e = duckdb_appender_error(s.appender);
      throw std::runtime_error(std::string("lake: cannot create appender: ") + (e ? e : "?"));
    }
  }
  return s;
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

namespace {

// Appender calls return a state per value; a failure poisons the row, which DuckDB reports at
// end_row, so checking there is enough.
void put(duckdb_appender a, std::string_view v) {
  duckdb_append_varchar_length(a, v.data(), v.size());
}
void put(duckdb_appender a, double v) {
  if (std::isnan(v)) {
    duckdb_append_null(a);
  } else {
    duckdb_append_double(a, v);
  }
}
void put_int(duckdb_appender a, int64_t v) {
  duckdb_append_int64(a, v);
}
void put_time(duckdb_appender a, EventTime t) {
  duckdb_append_timestamp(a, duckdb_timestamp{t.value() * 1000});
}

}  // namespace

void LakeWriter::append_posts(std::span<const ScoredPost> posts) {
  Staging* s = nullptr;
  for (const ScoredPost& sp : posts) {
    const Post& p = sp.post;
    const int32_t partition = p.position.partition.value();
    const int64_t offset = p.position.offset.value();
    // Consecutive posts mostly share a staging; look it up again only when the hour or the
    // partition changes.
    if (!s || s->hour != hour_of(p.created_at) || s->partition != partition ||
        s->appender == nullptr) {
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
    duckdb_appender a = s->appender;
    put(a, p.id);
    put_time(a, p.created_at);
    put(a, p.text);
    put(a, p.user);
    put(a, p.source);
    put(a, sp.overall.compound);
    put(a, sp.overall.pos);
    put(a, sp.overall.neu);
    put(a, sp.overall.neg);
    put(a, std::string_view(label_name(label_of(sp.overall.compound))));
    scratch_.clear();
    for (size_t i = 0; i < sp.tickers.size(); ++i) {
      if (i) scratch_ += ',';
      scratch_ += sp.tickers[i].symbol;
    }
    put(a, scratch_);
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
    put(a, scratch_);
    duckdb_append_int32(a, partition);
    put_int(a, offset);
    if (duckdb_appender_end_row(a) != DuckDBSuccess) s->append_failed = true;
    ++s->rows;
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
    duckdb_appender a = s.appender;
    put(a, b.symbol);
    put_time(a, b.ts);
    put(a, b.open);
    put(a, b.high);
    put(a, b.low);
    put(a, b.close);
    put(a, b.volume);
    put(a, b.vwap);
    if (b.trade_count < 0) {
      duckdb_append_null(a);
    } else {
      put_int(a, b.trade_count);
    }
    duckdb_append_int32(a, partition);
    put_int(a, offset);
    if (duckdb_appender_end_row(a) != DuckDBSuccess) s.append_failed = true;
    ++s.rows;
    s.bytes += 10 * 8 + kStringOverhead + b.symbol.size();
    s.cover(offset, offset);
    after_append(s);
  }
}

void LakeWriter::append_sentiment_windows(std::span<const SentimentWindowRow> rows) {
  for (const SentimentWindowRow& r : rows) {
    Staging& s = staging_for(Table::kTopicSentimentAvg, r.window_start, -1);
    duckdb_appender a = s.appender;
    put(a, r.symbol);
    put_time(a, r.window_start);
    put_time(a, r.window_end);
    put_int(a, r.tweet_count);
    put(a, r.sentiment_score_avg);
    put(a, r.sentiment_score_min);
    put(a, r.sentiment_score_max);
    put(a, r.sentiment_score_stddev);
    put_int(a, r.bullish_count);
    put_int(a, r.bearish_count);
    put_int(a, r.neutral_count);
    put(a, r.bullish_share);
    scratch_.clear();
    scratch_ += '[';
    for (size_t i = 0; i < r.histogram.size(); ++i) {
      if (i) scratch_ += ',';
      fmt::format_to(std::back_inserter(scratch_), "{}", r.histogram[i]);
    }
    scratch_ += ']';
    put(a, scratch_);
    if (duckdb_appender_end_row(a) != DuckDBSuccess) s.append_failed = true;
    ++s.rows;
    s.bytes += 12 * 8 + kStringOverhead + r.symbol.size() + kSentimentHistogramBuckets * 8;
    s.cover(r.window_start.value(), r.window_end.value());
    after_append(s);
  }
}

void LakeWriter::append_market_windows(std::span<const MarketWindowRow> rows) {
  for (const MarketWindowRow& r : rows) {
    Staging& s = staging_for(Table::kStockTrends, r.window_start, -1);
    duckdb_appender a = s.appender;
    put(a, r.symbol);
    put_time(a, r.window_start);
    put_time(a, r.window_end);
    put_int(a, r.bar_count);
    put(a, r.open);
    put(a, r.high);
    put(a, r.low);
    put(a, r.close);
    put(a, r.total_volume);
    put(a, r.avg_close);
    put(a, r.max_close);
    put(a, r.min_close);
    put(a, r.volatility);
    put(a, r.avg_volume);
    put(a, r.avg_vwap);
    put(a, r.vwap_deviation_pct);
    put(a, r.buy_pressure);
    put(a, r.avg_pct_change);
    put(a, r.price_range);
    put(a, std::string_view(trend_signal_name(r.trend_signal)));
    if (duckdb_appender_end_row(a) != DuckDBSuccess) s.append_failed = true;
    ++s.rows;
    s.bytes += 19 * 8 + 2 * kStringOverhead + r.symbol.size() + 8;
    s.cover(r.window_start.value(), r.window_end.value());
    after_append(s);
  }
}

bool LakeWriter::roll(Staging& s) {
  // The appender buffers rows; closing it moves them into the staging table.
  if (s.appender) {
    if (duckdb_appender_close(s.appender) != DuckDBSuccess) s.append_failed = true;
    duckdb_appender_destroy(&s.appender);
  }
  if (s.rows == 0) {
    (void)db_->execute("DROP TABLE " + s.name);
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
      "COPY (SELECT {} FROM {}) TO {} (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE {})",
      spec(s.table).select, s.name, sql_quote(tmp.string()), options_.row_group_size);
  if (std::string error = db_->execute(copy); !error.empty()) {
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
  if (s.append_failed) {
    record_error("lake: DuckDB rejected some rows appended to '" + target.string() + "'");
  }

  ++files_written_;
  rows_written_ += s.rows;
  if (options_.on_file_written) {
    options_.on_file_written(fs::relative(target, options_.root).generic_string());
  }
  if (is_window_table(s.table)) {
    ++window_file_seq_[{s.table, s.hour}];
  } else {
    archived_[s.key].emplace_back(s.first, s.last);
  }
  (void)db_->execute("DROP TABLE " + s.name);
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
