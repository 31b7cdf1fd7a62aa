#include "sink/clickhouse_serving_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "common/time_format.h"

namespace stockpulse {
namespace {

enum class ColumnType : uint8_t {
  kString,
  kFloat,
  kNullableFloat,  // NaN in the row is NULL, as in the SQLite store
  kInt,
  kNullableInt,  // negative in the row is NULL (trade_count -1: unknown)
  kBool,         // UInt8 0/1, as SQLite's INTEGER is_final
  kTime,         // X DateTime + X_ms UInt16 (18.16 has no DateTime64)
};

struct ColumnSpec {
  const char* name;
  ColumnType type;
};

struct TableSpec {
  const char* name;
  std::vector<ColumnSpec> columns;
  size_t key_count;          // the first key_count columns are the docs/design.md §7 key
  const char* partition_by;  // nullptr: one partition
};

using enum ColumnType;

// best_effort and skipping unknown fields matter to the text formats only; harmless else.
constexpr std::string_view kInsertSettings =
    "&date_time_input_format=best_effort&input_format_skip_unknown_fields=1";

// The same tables, columns and keys as the SQLite store (its migrations v1-v3).
const std::vector<TableSpec>& table_specs() {
  static const std::vector<TableSpec> specs = {
      {"tweets",
       {{"symbol", kString},
        {"created_at", kTime},
        {"id", kString},
        {"text", kString},
        {"user", kString},
        {"source", kString},
        {"compound", kFloat},
        {"pos", kFloat},
        {"neu", kFloat},
        {"neg", kFloat},
        {"label", kString},
        {"ticker_compound", kNullableFloat}},
       3,
       "toYYYYMM(created_at)"},
      {"market_data",
       {{"symbol", kString},
        {"ts", kTime},
        {"open", kFloat},
        {"high", kFloat},
        {"low", kFloat},
        {"close", kFloat},
        {"volume", kFloat},
        {"vwap", kNullableFloat},
        {"trade_count", kNullableInt}},
       2,
       "toYYYYMM(ts)"},
      {"topic_sentiment_avg",
       {{"symbol", kString},
        {"window_start", kTime},
        {"window_end", kTime},
        {"tweet_count", kInt},
        {"sentiment_score_avg", kFloat},
        {"sentiment_score_min", kFloat},
        {"sentiment_score_max", kFloat},
        {"sentiment_score_stddev", kFloat},
        {"bullish_count", kInt},
        {"bearish_count", kInt},
        {"neutral_count", kInt},
        {"bullish_share", kFloat},
        {"histogram", kString},
        {"is_final", kBool}},
       3,
       nullptr},
      {"stock_trends",
       {{"symbol", kString},
        {"window_start", kTime},
        {"window_end", kTime},
        {"bar_count", kInt},
        {"open", kFloat},
        {"high", kFloat},
        {"low", kFloat},
        {"close", kFloat},
        {"total_volume", kFloat},
        {"avg_close", kFloat},
        {"max_close", kFloat},
        {"min_close", kFloat},
        {"volatility", kFloat},
        {"avg_volume", kFloat},
        {"avg_vwap", kNullableFloat},
        {"vwap_deviation_pct", kNullableFloat},
        {"buy_pressure", kFloat},
        {"avg_pct_change", kFloat},
        {"price_range", kFloat},
        {"trend_signal", kString},
        {"is_final", kBool}},
       3,
       nullptr},
      {"alerts",
       {{"symbol", kString},
        {"ts", kTime},
        {"kind", kString},
        {"message", kString},
        {"value", kNullableFloat},
        {"severity", kString}},
       3,
       nullptr},
      {"indicators",
       {{"symbol", kString},
        {"ts", kTime},
        {"close", kFloat},
        {"rsi_14", kNullableFloat},
        {"ema_20", kNullableFloat},
        {"sma_50", kNullableFloat}},
       2,
       nullptr},
      {"fear_greed",
       {{"symbol", kString},
        {"ts", kTime},
        {"score", kNullableFloat},
        {"band", kString},
        {"sentiment", kNullableFloat},
        {"bullish", kNullableFloat},
        {"momentum", kNullableFloat},
        {"volatility", kNullableFloat},
        {"volume", kNullableFloat}},
       2,
       nullptr},
      {"sentiment_correlation",
       {{"symbol", kString},
        {"ts", kTime},
        {"r_lag0", kNullableFloat},
        {"pairs_lag0", kInt},
        {"best_lag", kInt},
        {"best_r", kNullableFloat},
        {"pairs_best", kInt}},
       2,
       nullptr},
  };
  return specs;
}

const TableSpec* find_table(std::string_view name) {
  for (const TableSpec& t : table_specs()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

const char* clickhouse_type(ColumnType t) {
  switch (t) {
    case kString:
      return "String";
    case kFloat:
      return "Float64";
    case kNullableFloat:
      return "Nullable(Float64)";
    case kInt:
      return "Int64";
    case kNullableInt:
      return "Nullable(Int64)";
    case kBool:
      return "UInt8";
    case kTime:
      return "DateTime";
  }
  return "String";
}

// ORDER BY of the key; a time column sorts by its seconds, then its milliseconds.
std::string order_by(const TableSpec& t) {
  std::string out;
  for (size_t i = 0; i < t.key_count; ++i) {
    if (i) out += ", ";
    const ColumnSpec& c = t.columns[i];
    out += fmt::format("`{}`", c.name);
    if (c.type == kTime) out += fmt::format(", `{}_ms`", c.name);
  }
  return out;
}

std::string create_table_sql(const TableSpec& t) {
  std::string sql = fmt::format("CREATE TABLE IF NOT EXISTS `{}` (", t.name);
  for (const ColumnSpec& c : t.columns) {
    sql += fmt::format("`{}` {}, ", c.name, clickhouse_type(c.type));
    if (c.type == kTime) sql += fmt::format("`{}_ms` UInt16, ", c.name);
  }
  // ReplacingMergeTree(version) keeps, per ORDER BY key, the row with the highest version.
  sql += "`version` UInt64) ENGINE = ReplacingMergeTree(version)";
  if (t.partition_by) sql += fmt::format(" PARTITION BY {}", t.partition_by);
  sql += fmt::format(" ORDER BY ({})", order_by(t));
  return sql;
}

// One statement of a migration; with `table` and `column` set, it runs only when the table lacks
// that column (ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS).
struct MigrationStatement {
  std::string sql;
  const char* table = nullptr;
  const char* column = nullptr;
};

// Forward migrations; entry i takes a database from version i to i + 1. Statements are
// idempotent (IF NOT EXISTS, or a column check): ClickHouse has no transactions, so a migration
// interrupted half way is simply run again by the next start.
std::vector<std::vector<MigrationStatement>> migrations() {
  std::vector<MigrationStatement> v1;
  for (const TableSpec& t : table_specs()) v1.push_back({create_table_sql(t)});
  // v2 (issue #17): alerts.severity, added to databases made by v1 before it was in the spec (a
  // fresh database has it from v1 already). Rows from before read as 'info'.
  std::vector<MigrationStatement> v2 = {
      {"ALTER TABLE `alerts` ADD COLUMN `severity` String DEFAULT 'info'", "alerts", "severity"}};
  return {v1, v2};
}

// JSONEachRow writers. Strings: JSON escapes for '"', '\\' and control characters; other bytes
// (UTF-8) pass through, which ClickHouse's JSON parser takes as is.
void json_string(std::string& out, std::string_view s) {
  out += '"';
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c != '"' && c != '\\' && c >= 0x20) continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    }
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

// TabSeparated escaping of a string field: backslash, tab and newline (the characters that
// would end the field or the row) and carriage return (which the server refuses at a row's
// end); other bytes, UTF-8 included, pass through.
void tsv_string(std::string& out, std::string_view s) {
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '\\' && c != '\t' && c != '\n' && c != '\r') continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    out += c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r";
  }
  out.append(s.data() + start, s.size() - start);
}

// Appends v's bytes, least significant first: RowBinary's fixed-width little-endian numbers.
template <class T>
void put_le(std::string& out, T v) {
  static_assert(std::is_integral_v<T>);
  char bytes[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) {
    bytes[i] = static_cast<char>(static_cast<std::make_unsigned_t<T>>(v) >> (8 * i));
  }
  out.append(bytes, sizeof(T));
}

void put_double(std::string& out, double v) {
  put_le(out, std::bit_cast<uint64_t>(v));
}

// RowBinary String: the length as an unsigned LEB128 varint, then the bytes.
void put_string(std::string& out, std::string_view s) {
  uint64_t n = s.size();
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
  out.append(s);
}

// Writes one row in the insert format. JSONEachRow names every field; RowBinary and
// TabSeparated write values only, in call order, and the first row of a batch records the
// column names (into `columns`) so the INSERT names its columns in exactly the order written.
// RowBinary: Float64/Int64/UInt8/UInt16/UInt64 as their little-endian bytes, DateTime as UInt32
// Unix seconds, Nullable(T) as a byte (1: NULL) followed by T unless NULL.
class RowWriter {
 public:
  RowWriter(std::string& out, uint64_t version, ClickHouseInsertFormat format,
            std::vector<const char*>& columns)
      : out_(out),
        version_(version),
        format_(format),
        columns_(columns.empty() && format != kJson ? &columns : nullptr) {
    if (format_ == kJson) out_ += '{';
  }
  ~RowWriter() {
    switch (format_) {
      case kJson:
        fmt::format_to(std::back_inserter(out_), ",\"version\":{}}}\n", version_);
        break;
      case kTsv:
        if (columns_) columns_->push_back("version");
        fmt::format_to(std::back_inserter(out_), "\t{}\n", version_);
        break;
      case kBinary:
        if (columns_) columns_->push_back("version");
        put_le(out_, version_);
        break;
    }
  }
  RowWriter(const RowWriter&) = delete;
  RowWriter& operator=(const RowWriter&) = delete;
  RowWriter& str(const char* name, std::string_view v) {
    key(name);
    switch (format_) {
      case kJson:
        json_string(out_, v);
        break;
      case kTsv:
        tsv_string(out_, v);
        break;
      case kBinary:
        put_string(out_, v);
        break;
    }
    return *this;
  }
  RowWriter& num(const char* name, double v) {
    key(name);
    if (format_ == kBinary) {
      put_double(out_, v);
    } else {
      // Shortest round-trip form; ClickHouse parses nan/inf without quotes in both formats.
      fmt::format_to(std::back_inserter(out_), "{}", v);
    }
    return *this;
  }
  RowWriter& nullable(const char* name, double v) {
    if (std::isnan(v)) return null(name);
    key(name);
    if (format_ == kBinary) {
      out_ += '\0';
      put_double(out_, v);
    } else {
      fmt::format_to(std::back_inserter(out_), "{}", v);
    }
    return *this;
  }
  // Int64 columns, and with nullable a Nullable(Int64) column's value.
  RowWriter& integer(const char* name, int64_t v, bool nullable = false) {
    key(name);
    if (format_ == kBinary) {
      if (nullable) out_ += '\0';
      put_le(out_, v);
    } else {
      fmt::format_to(std::back_inserter(out_), "{}", v);
    }
    return *this;
  }
  // A UInt8 column (is_final).
  RowWriter& flag(const char* name, bool v) {
    key(name);
    if (format_ == kBinary) {
      out_ += static_cast<char>(v ? 1 : 0);
    } else {
      out_ += v ? '1' : '0';
    }
    return *this;
  }
  RowWriter& null(const char* name) {
    key(name);
    switch (format_) {
      case kJson:
        out_ += "null";
        break;
      case kTsv:
        out_ += "\\N";
        break;
      case kBinary:
        out_ += '\1';
        break;
    }
    return *this;
  }
  // The seconds in X and the milliseconds in X_ms. Text formats: "2024-05-01 14:30:05", the
  // plain DateTime text form, read the same way by every ClickHouse version.
  RowWriter& time(const char* name, EventTime t) {
    key(name);
    if (format_ == kBinary) {
      if (columns_) columns_->push_back(nullptr);  // "<previous>_ms", named by insert()
      // Floor division, so the milliseconds are 0..999 as in the text forms.
      int64_t millis = t.value() % 1000;
      if (millis < 0) millis += 1000;
      put_le(out_, static_cast<uint32_t>((t.value() - millis) / 1000));
      put_le(out_, static_cast<uint16_t>(millis));
      return *this;
    }
    const CivilTime c = civil_from_millis(t.value());
    if (format_ == kJson) {
      fmt::format_to(std::back_inserter(out_),
                     "\"{:04}-{:02}-{:02} {:02}:{:02}:{:02}\",\"{}_ms\":{}", c.year, c.month, c.day,
                     c.hour, c.minute, c.second, name, c.millis);
    } else {
      if (columns_) columns_->push_back(nullptr);
      fmt::format_to(std::back_inserter(out_), "{:04}-{:02}-{:02} {:02}:{:02}:{:02}\t{}", c.year,
                     c.month, c.day, c.hour, c.minute, c.second, c.millis);
    }
    return *this;
  }

 private:
  static constexpr auto kJson = ClickHouseInsertFormat::kJsonEachRow;
  static constexpr auto kTsv = ClickHouseInsertFormat::kTabSeparated;
  static constexpr auto kBinary = ClickHouseInsertFormat::kRowBinary;

  void key(const char* name) {
    switch (format_) {
      case kJson:
        if (!first_) out_ += ',';
        out_ += '"';
        out_ += name;
        out_ += "\":";
        break;
      case kTsv:
        if (!first_) out_ += '\t';
        if (columns_) columns_->push_back(name);
        break;
      case kBinary:
        if (columns_) columns_->push_back(name);
        break;
    }
    first_ = false;
  }
  std::string& out_;
  uint64_t version_;
  ClickHouseInsertFormat format_;
  std::vector<const char*>* columns_;  // null: not recording
  bool first_ = true;
};

std::string histogram_json(const std::array<int64_t, kSentimentHistogramBuckets>& h) {
  std::string out = "[";
  for (size_t i = 0; i < h.size(); ++i) {
    if (i) out += ',';
    fmt::format_to(std::back_inserter(out), "{}", h[i]);
  }
  out += ']';
  return out;
}

}  // namespace

ClickHouseServingStore::ClickHouseServingStore(ClickHouseOptions options)
    : client_(std::move(options)), format_(client_.options().insert_format) {
  migrate();
  if (format_ == ClickHouseInsertFormat::kRowBinary) {
    // RowBinary carries Unix seconds; the text forms carry UTC calendar fields that the server
    // reads in its time zone. Only in UTC are both the same instant (see the class comment).
    auto tz = client_.select("SELECT timezone()");
    if (!tz.ok()) fail("cannot read the server's time zone: " + tz.error().message);
    const auto& rows = tz.value().rows;
    const std::string zone = rows.empty() || !rows[0][0] ? "" : *rows[0][0];
    if (zone != "UTC" && zone != "Etc/UTC" && zone != "UCT" && zone != "Etc/UCT" && zone != "GMT" &&
        zone != "Etc/GMT" && zone != "Universal" && zone != "Zulu") {
      format_ = ClickHouseInsertFormat::kTabSeparated;
    }
  }
  for (int i = 0; i < client_.options().inflight_inserts; ++i) {
    senders_.emplace_back([this] { sender_loop(); });
  }
}

ClickHouseServingStore::~ClickHouseServingStore() {
  std::string error;
  try {
    flush();
  } catch (const std::exception& e) {
    error = e.what();
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = true;  // the queue is empty: flush waited for it
  }
  work_cv_.notify_all();
  for (std::thread& t : senders_) t.join();
  if (!failed_.empty()) {
    size_t bytes = 0;
    for (const PendingInsert& f : failed_) bytes += f.body.size();
    fmt::print(stderr,
               "error: serving store '{}': {} insert(s) ({} bytes of rows) could not be written "
               "before closing: {}\n",
               client_.where(), failed_.size(), bytes, error);
  }
}

void ClickHouseServingStore::sender_loop() {
  ClickHouseClient client(client_.options());
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to send
    PendingInsert job = std::move(queue_.front());
    queue_.pop_front();
    ++sending_;
    lock.unlock();
    ++sender_requests_;
    auto r = client.insert(job.sql, job.body, kInsertSettings);
    lock.lock();
    --sending_;
    if (r.ok()) {
      job.body.clear();
      spare_bodies_.push_back(std::move(job.body));
    } else {
      failed_.push_back(std::move(job));
    }
    done_cv_.notify_all();
  }
}

void ClickHouseServingStore::wait_idle() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return queue_.empty() && sending_ == 0; });
}

void ClickHouseServingStore::resend_failed() {
  std::vector<PendingInsert> failed;
  {
    std::lock_guard lock(mu_);
    failed.swap(failed_);
  }
  for (size_t i = 0; i < failed.size(); ++i) {
    auto r = client_.insert(failed[i].sql, failed[i].body, kInsertSettings);
    if (r.ok()) continue;
    const std::string table = failed[i].table;
    {
      // Keep what is not sent yet, so no accepted row is lost; the next call tries again.
      std::lock_guard lock(mu_);
      failed_.insert(failed_.end(), std::make_move_iterator(failed.begin() + i),
                     std::make_move_iterator(failed.end()));
    }
    fail(fmt::format("insert into {} failed (an accepted batch, kept to be sent again): {}", table,
                     r.error().message));
  }
}

void ClickHouseServingStore::flush() {
  send_pending();
  wait_idle();
  resend_failed();
}

void ClickHouseServingStore::fail(const std::string& what) const {
  throw std::runtime_error(fmt::format("serving store '{}': {}", client_.where(), what));
}

Result<std::string, std::string> ClickHouseServingStore::query(std::string_view sql) {
  // Read your writes: what was accepted is sent first.
  try {
    flush();
  } catch (const std::runtime_error& e) {
    return Err{std::string(e.what())};
  }
  auto r = client_.execute(sql);
  if (!r.ok()) return Err{r.error().message};
  return std::move(r.value());
}

Result<std::vector<std::vector<std::string>>, std::string> ClickHouseServingStore::select_rows(
    std::string_view sql) {
  try {
    flush();  // read your writes
  } catch (const std::runtime_error& e) {
    return Err{std::string(e.what())};
  }
  auto r = client_.select(sql);
  if (!r.ok()) return Err{r.error().message};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(r.value().rows.size());
  for (auto& fields : r.value().rows) {
    std::vector<std::string>& row = rows.emplace_back();
    row.reserve(fields.size());
    for (auto& f : fields) row.push_back(f ? std::move(*f) : std::string("\\N"));
  }
  return rows;
}

std::vector<std::string> ClickHouseServingStore::table_columns(std::string_view table) {
  std::vector<std::string> out;
  if (const TableSpec* t = find_table(table)) {
    for (const ColumnSpec& c : t->columns) out.emplace_back(c.name);
  }
  return out;
}

Result<std::vector<std::vector<std::string>>, std::string> ClickHouseServingStore::select_table(
    std::string_view table, std::string_view where) {
  const TableSpec* t = find_table(table);
  if (!t) return Err{std::string("unknown table '") + std::string(table) + "'"};
  std::string sql = "SELECT ";
  for (size_t i = 0; i < t->columns.size(); ++i) {
    const ColumnSpec& c = t->columns[i];
    if (i) sql += ", ";
    if (c.type == kTime) {
      // ISO text with milliseconds, as the SQLite store holds it; written with 18.16's
      // functions (no formatDateTime %f, no leftPad).
      sql += fmt::format(
          "concat(replaceOne(toString(`{0}`), ' ', 'T'), '.', "
          "substring(toString(1000 + `{0}_ms`), 2, 3), 'Z') AS `{0}`",
          c.name);
    } else {
      sql += fmt::format("`{}`", c.name);
    }
  }
  // FINAL merges rows of the same key at read time, so the answer has one row per key even
  // before ClickHouse's background merges caught up (argMax would work too, per column).
  sql += fmt::format(" FROM `{}` FINAL", t->name);
  if (!where.empty()) sql += fmt::format(" WHERE {}", where);
  sql += fmt::format(" ORDER BY {}", order_by(*t));
  return select_rows(sql);
}

int ClickHouseServingStore::schema_version() {
  auto rows = select_rows("SELECT max(version) FROM schema_version");
  if (!rows.ok()) fail("cannot read schema_version: " + rows.error());
  if (rows.value().empty() || rows.value()[0].empty()) return 0;
  return std::stoi(rows.value()[0][0]);
}

void ClickHouseServingStore::migrate() {
  auto created =
      client_.execute(fmt::format("CREATE DATABASE IF NOT EXISTS `{}`", client_.options().database),
                      /*in_database=*/false);
  if (!created.ok()) fail("cannot create the database: " + created.error().message);
  auto sv = query(
      "CREATE TABLE IF NOT EXISTS schema_version (version UInt32, applied_at DateTime) "
      "ENGINE = MergeTree ORDER BY version");
  if (!sv.ok()) fail("cannot create schema_version: " + sv.error());
  const auto steps = migrations();
  if (static_cast<int>(steps.size()) != kSchemaVersion) fail("migration list out of date");
  int version = schema_version();
  if (version > kSchemaVersion) {
    fail(
        fmt::format("database has schema version {}, newer than this binary's {}; upgrade "
                    "stockpulse",
                    version, kSchemaVersion));
  }
  for (; version < kSchemaVersion; ++version) {
    for (const MigrationStatement& stmt : steps[static_cast<size_t>(version)]) {
      if (stmt.table) {
        auto has = select_rows(
            fmt::format("SELECT count() FROM system.columns WHERE database = currentDatabase() AND "
                        "table = '{}' AND name = '{}'",
                        stmt.table, stmt.column));
        if (!has.ok())
          fail("migration to version " + std::to_string(version + 1) + ": " + has.error());
        if (!has.value().empty() && !has.value()[0].empty() && has.value()[0][0] != "0") continue;
      }
      auto r = query(stmt.sql);
      if (!r.ok()) fail("migration to version " + std::to_string(version + 1) + ": " + r.error());
    }
    auto r = query(fmt::format("INSERT INTO schema_version VALUES ({}, now())", version + 1));
    if (!r.ok()) fail("cannot record schema version: " + r.error());
  }
}

uint64_t ClickHouseServingStore::next_version() {
  using namespace std::chrono;
  const auto now = static_cast<uint64_t>(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
  // Strictly increasing within this store even if the wall clock steps back: a later write of
  // the same key must win.
  last_version_ = std::max(last_version_ + 1, now);
  return last_version_;
}

void ClickHouseServingStore::begin_batch(const char* table) {
  // An earlier insert that failed goes first; if it fails again this batch is not taken.
  resend_failed();
  rows_ = &pending_[table];
  if (rows_->body.empty()) rows_->since = std::chrono::steady_clock::now();
}

std::string ClickHouseServingStore::insert_sql(const char* table,
                                               const std::vector<const char*>& columns) const {
  if (format_ == ClickHouseInsertFormat::kJsonEachRow) {
    return fmt::format("INSERT INTO `{}` FORMAT JSONEachRow", table);
  }
  // Values carry no names: the INSERT lists the columns in the order the rows were written.
  std::string sql = fmt::format("INSERT INTO `{}` (", table);
  const char* previous = "";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) sql += ", ";
    if (columns[i]) {
      fmt::format_to(std::back_inserter(sql), "`{}`", columns[i]);
      previous = columns[i];
    } else {
      fmt::format_to(std::back_inserter(sql), "`{}_ms`", previous);
    }
  }
  sql += format_ == ClickHouseInsertFormat::kRowBinary ? ") FORMAT RowBinary"
                                                       : ") FORMAT TabSeparated";
  return sql;
}

void ClickHouseServingStore::send(const char* table, TableRows& rows) {
  if (rows.body.empty()) return;
  PendingInsert job{table, insert_sql(table, rows.columns), std::move(rows.body)};
  rows.body.clear();
  rows.columns.clear();
  if (senders_.empty()) {
    auto r = client_.insert(job.sql, job.body, kInsertSettings);
    if (r.ok()) {
      rows.body.swap(job.body);  // reuse the buffer
      rows.body.clear();
      return;
    }
    // Kept like a failed insert in flight: it may hold rows of earlier, accepted calls.
    {
      std::lock_guard lock(mu_);
      failed_.push_back(std::move(job));
    }
    fail(fmt::format("insert into {} failed: {}", table, r.error().message));
  }
  std::unique_lock lock(mu_);
  // At most inflight_inserts outstanding: wait for a sender to be free.
  done_cv_.wait(lock, [&] { return queue_.size() + sending_ < senders_.size(); });
  queue_.push_back(std::move(job));
  work_cv_.notify_one();
  if (!spare_bodies_.empty()) {
    rows.body = std::move(spare_bodies_.back());
    spare_bodies_.pop_back();
  }
}

void ClickHouseServingStore::send_if_full(const char* table) {
  if (rows_->body.size() >= client_.options().max_request_bytes) send(table, *rows_);
}

void ClickHouseServingStore::end_batch(const char* table) {
  const ClickHouseOptions& o = client_.options();
  if (rows_->body.size() >= o.min_insert_bytes) send(table, *rows_);
  // Rows of any table held longer than max_insert_delay_ms go now.
  const auto now = std::chrono::steady_clock::now();
  for (auto& [name, rows] : pending_) {
    if (!rows.body.empty() &&
        now - rows.since >= std::chrono::milliseconds(o.max_insert_delay_ms)) {
      send(name.c_str(), rows);
    }
  }
}

void ClickHouseServingStore::send_pending() {
  for (auto& [name, rows] : pending_) send(name.c_str(), rows);
}

// Each write_* encodes its rows into its table's pending rows, sending whenever they pass
// max_request_bytes, and at the end once they pass min_insert_bytes (see end_batch). All rows of
// one call share a version: they are one upsert.
void ClickHouseServingStore::write_posts(std::span<const ScoredPost> posts) {
  if (posts.empty()) return;
  begin_batch("tweets");
  const uint64_t v = next_version();
  // One row per post and ticker, in the table's ORDER BY (symbol, created_at, id): the server
  // then finds the block already sorted and does not sort it (the largest user-space cost of an
  // insert in the profile). Strings compare as bytes, as ClickHouse compares them.
  struct Row {
    std::string_view symbol;
    const ScoredPost* post;
    const SentimentScores* ticker;  // nullptr: a post without tickers
  };
  std::vector<Row> order;
  order.reserve(posts.size() * 2);
  for (const ScoredPost& sp : posts) {
    if (sp.tickers.empty()) order.push_back({"", &sp, nullptr});
    for (const TickerSentiment& t : sp.tickers) order.push_back({t.symbol, &sp, &t.scores});
  }
  // Stable: of two rows with one key (a post given twice), the later still wins.
  std::stable_sort(order.begin(), order.end(), [](const Row& a, const Row& b) {
    if (const int c = a.symbol.compare(b.symbol); c != 0) return c < 0;
    const int64_t ta = a.post->post.created_at.value();
    const int64_t tb = b.post->post.created_at.value();
    if (ta != tb) return ta < tb;
    return a.post->post.id < b.post->post.id;
  });
  for (const Row& r : order) {
    const ScoredPost& sp = *r.post;
    const Post& p = sp.post;
    {
      RowWriter w(rows_->body, v, format_, rows_->columns);
      w.str("symbol", r.symbol)
          .time("created_at", p.created_at)
          .str("id", p.id)
          .str("text", p.text)
          .str("user", p.user)
          .str("source", p.source)
          .num("compound", sp.overall.compound)
          .num("pos", sp.overall.pos)
          .num("neu", sp.overall.neu)
          .num("neg", sp.overall.neg)
          .str("label", label_name(label_of(sp.overall.compound)));
      if (r.ticker) {
        w.nullable("ticker_compound", r.ticker->compound);
      } else {
        w.null("ticker_compound");
      }
    }
    send_if_full("tweets");
  }
  end_batch("tweets");
}

void ClickHouseServingStore::write_bars(std::span<const Bar> bars) {
  if (bars.empty()) return;
  begin_batch("market_data");
  const uint64_t v = next_version();
  for (const Bar& b : bars) {
    {
      RowWriter w(rows_->body, v, format_, rows_->columns);
      w.str("symbol", b.symbol)
          .time("ts", b.ts)
          .num("open", b.open)
          .num("high", b.high)
          .num("low", b.low)
          .num("close", b.close)
          .num("volume", b.volume)
          .nullable("vwap", b.vwap);
      if (b.trade_count < 0) {
        w.null("trade_count");
      } else {
        w.integer("trade_count", b.trade_count, /*nullable=*/true);
      }
    }
    send_if_full("market_data");
  }
  end_batch("market_data");
}

void ClickHouseServingStore::write_sentiment_windows(std::span<const SentimentWindowRow> rows) {
  if (rows.empty()) return;
  begin_batch("topic_sentiment_avg");
  const uint64_t v = next_version();
  for (const SentimentWindowRow& r : rows) {
    {
      RowWriter w(rows_->body, v, format_, rows_->columns);
      w.str("symbol", r.symbol)
          .time("window_start", r.window_start)
          .time("window_end", r.window_end)
          .integer("tweet_count", r.tweet_count)
          .num("sentiment_score_avg", r.sentiment_score_avg)
          .num("sentiment_score_min", r.sentiment_score_min)
          .num("sentiment_score_max", r.sentiment_score_max)
          .num("sentiment_score_stddev", r.sentiment_score_stddev)
          .integer("bullish_count", r.bullish_count)
          .integer("bearish_count", r.bearish_count)
          .integer("neutral_count", r.neutral_count)
          .num("bullish_share", r.bullish_share)
          .str("histogram", histogram_json(r.histogram))
          .flag("is_final", r.is_final);
    }
    send_if_full("topic_sentiment_avg");
  }
  end_batch("topic_sentiment_avg");
}

void ClickHouseServingStore::write_market_windows(std::span<const MarketWindowRow> rows) {
  if (rows.empty()) return;
  begin_batch("stock_trends");
  const uint64_t v = next_version();
  for (const MarketWindowRow& r : rows) {
    {
      RowWriter w(rows_->body, v, format_, rows_->columns);
      w.str("symbol", r.symbol)
          .time("window_start", r.window_start)
          .time("window_end", r.window_end)
          .integer("bar_count", r.bar_count)
          .num("open", r.open)
          .num("high", r.high)
          .num("low", r.low)
          .num("close", r.close)
          .num("total_volume", r.total_volume)
          .num("avg_close", r.avg_close)
          .num("max_close", r.max_close)
          .num("min_close", r.min_close)
          .num("volatility", r.volatility)
          .num("avg_volume", r.avg_volume)
          .nullable("avg_vwap", r.avg_vwap)
          .nullable("vwap_deviation_pct", r.vwap_deviation_pct)
          .num("buy_pressure", r.buy_pressure)
          .num("avg_pct_change", r.avg_pct_change)
          .num("price_range", r.price_range)
          .str("trend_signal", trend_signal_name(r.trend_signal))
          .flag("is_final", r.is_final);
    }
    send_if_full("stock_trends");
  }
  end_batch("stock_trends");
}

void ClickHouseServingStore::write_alerts(std::span<const AlertRow> rows) {
  if (rows.empty()) return;
  begin_batch("alerts");
  const uint64_t v = next_version();
  for (const AlertRow& r : rows) {
    {
      RowWriter w(rows_->body, v, format_, rows_->columns);
      w.str("symbol", r.symbol)
          .time("ts", r.ts)
          .str("kind", r.kind)
          .str("message", r.message)
          .nullable("value", r.value)
          .str("severity", alert_severity_name(r.severity));
    }
    send_if_full("alerts");
  }
  end_batch("alerts");
}

void ClickHouseServingStore::delete_alerts(EventTime since, EventTime until) {
  // Every accepted alert insert must be in a part before the mutation, or it would survive it.
  flush();
  // A mutation: it applies to the parts that exist when it is created, so the inserts that
  // follow it are kept (18.16 runs it in the background; readers see it once it is done).
  const std::string ms = "(toInt64(ts) * 1000 + ts_ms)";
  auto r = query(fmt::format("ALTER TABLE alerts DELETE WHERE {0} >= {1} AND {0} < {2}", ms,
                             since.value(), until.value()));
  if (!r.ok()) fail("cannot delete alerts: " + r.error());
}

void ClickHouseServingStore::write_indicators(std::span<const IndicatorRow> rows) {
  if (rows.empty()) return;
  begin_batch("indicators");
  const uint64_t v = next_version();
  for (const IndicatorRow& r : rows) {
    {
      RowWriter w(rows_->body, v, format_, rows_->columns);
      w.str("symbol", r.symbol)
          .time("ts", r.ts)
          .num("close", r.close)
          .nullable("rsi_14", r.rsi_14)
          .nullable("ema_20", r.ema_20)
          .nullable("sma_50", r.sma_50);
    }
    send_if_full("indicators");
  }
  end_batch("indicators");
}

void ClickHouseServingStore::write_fear_greed(std::span<const FearGreedRow> rows) {
  if (rows.empty()) return;
  begin_batch("fear_greed");
  const uint64_t v = next_version();
  for (const FearGreedRow& r : rows) {
    {
      RowWriter w(rows_->body, v, format_, rows_->columns);
      w.str("symbol", r.symbol)
          .time("ts", r.ts)
          .nullable("score", r.score)
          .str("band", r.band)
          .nullable("sentiment", r.sentiment)
          .nullable("bullish", r.bullish)
          .nullable("momentum", r.momentum)
          .nullable("volatility", r.volatility)
          .nullable("volume", r.volume);
    }
    send_if_full("fear_greed");
  }
  end_batch("fear_greed");
}

void ClickHouseServingStore::write_correlations(std::span<const CorrelationRow> rows) {
  if (rows.empty()) return;
  begin_batch("sentiment_correlation");
  const uint64_t v = next_version();
  for (const CorrelationRow& r : rows) {
    {
      RowWriter w(rows_->body, v, format_, rows_->columns);
      w.str("symbol", r.symbol)
          .time("ts", r.ts)
          .nullable("r_lag0", r.r_lag0)
          .integer("pairs_lag0", r.pairs_lag0)
          .integer("best_lag", r.best_lag)
          .nullable("best_r", r.best_r)
          .integer("pairs_best", r.pairs_best);
    }
    send_if_full("sentiment_correlation");
  }
  end_batch("sentiment_correlation");
}

}  // namespace stockpulse
