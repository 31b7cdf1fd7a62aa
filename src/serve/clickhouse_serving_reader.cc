#include "serve/clickhouse_serving_reader.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <stdexcept>

#include "common/time_format.h"
#include "serve/row_json.h"

namespace stockpulse {
namespace {

constexpr const char* kRequiredTables[] = {"topic_sentiment_avg", "stock_trends", "market_data",
                                           "alerts", "schema_version"};

// DateTime is UInt32 seconds: times outside it cannot be stored, so a bound beyond either end
// is "everything" or "nothing" rather than a value ClickHouse would wrap.
constexpr int64_t kMaxDateTimeMillis = (int64_t{1} << 32) * kMillisPerSecond;

// A SQL string literal: ClickHouse takes backslash escapes inside quotes.
std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

// The DateTime text the writer stores for t ("2024-05-01 14:30:05", UTC calendar fields, read
// by the server in its own time zone exactly as the writer's rows were).
std::string date_time(EventTime t) {
  const CivilTime c = civil_from_millis(t.value());
  return fmt::format("toDateTime('{:04}-{:02}-{:02} {:02}:{:02}:{:02}')", c.year, c.month, c.day,
                     c.hour, c.minute, c.second);
}

int millis_of(EventTime t) {
  return civil_from_millis(t.value()).millis;
}

// (col, col_ms) >= t, written without tuple comparison so the primary key can be used.
std::string at_or_after(std::string_view col, EventTime t) {
  if (t.value() <= 0) return "1";
  if (t.value() >= kMaxDateTimeMillis) return "0";
  const std::string dt = date_time(t);
  return fmt::format("(`{0}` > {1} OR (`{0}` = {1} AND `{0}_ms` >= {2}))", col, dt, millis_of(t));
}

// (col, col_ms) < t.
std::string before(std::string_view col, EventTime t) {
  if (t.value() <= 0) return "0";
  if (t.value() >= kMaxDateTimeMillis) return "1";
  const std::string dt = date_time(t);
  return fmt::format("(`{0}` < {1} OR (`{0}` = {1} AND `{0}_ms` < {2}))", col, dt, millis_of(t));
}

std::string_view strip_nullable(std::string_view type) {
  if (type.starts_with("Nullable(") && type.ends_with(")")) {
    type.remove_prefix(9);
    type.remove_suffix(1);
  }
  return type;
}

// "2024-05-01 14:30:05" + 123 -> "2024-05-01T14:30:05.123Z", the SQLite store's form.
std::optional<std::string> iso_time(const std::optional<std::string>& seconds,
                                    const std::optional<std::string>& millis) {
  if (!seconds) return std::nullopt;
  const auto t = parse_iso8601(*seconds);
  if (!t) return std::nullopt;
  int ms = 0;
  if (millis) std::from_chars(millis->data(), millis->data() + millis->size(), ms);
  return format_iso8601(EventTime(t->value() + ms));
}

double to_double(const std::optional<std::string>& f) {
  double v = std::numeric_limits<double>::quiet_NaN();
  if (f) std::from_chars(f->data(), f->data() + f->size(), v);
  return v;
}

int64_t to_int(const std::optional<std::string>& f) {
  int64_t v = 0;
  if (f) std::from_chars(f->data(), f->data() + f->size(), v);
  return v;
}

int column_index(const ClickHouseServingReader::Answer& a, std::string_view name) {
  for (size_t i = 0; i < a.names.size(); ++i) {
    if (a.names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// The ISO text of time column `name` (with its `name_ms` partner) in row r.
std::string time_cell(const ClickHouseServingReader::Answer& a, size_t r, std::string_view name) {
  const int i = column_index(a, name);
  const int ms = column_index(a, std::string(name) + "_ms");
  if (i < 0) return {};
  auto t = iso_time(a.rows[r][i], ms >= 0 ? a.rows[r][ms] : std::optional<std::string>("0"));
  return t ? *t : std::string();
}

// One row as the JSON object SqliteServingReader's append_row makes of the same row: the same
// keys in the same order (X + X_ms folded into X), integers as integers, is_final as a boolean,
// the histogram's JSON text passed through, NULL/NaN as null.
void append_row(const ClickHouseServingReader::Answer& a, size_t r, std::string& out) {
  const auto& row = a.rows[r];
  out += '{';
  bool first = true;
  for (size_t i = 0; i < a.names.size(); ++i) {
    const std::string& name = a.names[i];
    const std::string_view type = strip_nullable(a.types[i]);
    if (!first) out += ',';
    first = false;
    append_api_json_string(name, out);
    out += ':';
    if (type == "DateTime") {
      const size_t seconds = i;
      std::optional<std::string> ms = "0";
      if (i + 1 < a.names.size() && a.names[i + 1] == name + "_ms") ms = row[++i];
      const auto iso = iso_time(row[seconds], ms);
      if (iso) {
        append_api_json_string(*iso, out);
      } else {
        out += "null";
      }
      continue;
    }
    const std::optional<std::string>& f = row[i];
    if (!f) {
      out += "null";
    } else if (type.starts_with("Int") || type.starts_with("UInt")) {
      if (name == "is_final") {
        out += to_int(f) ? "true" : "false";
      } else {
        append_api_json_number(to_int(f), out);
      }
    } else if (type.starts_with("Float")) {
      append_api_json_number(to_double(f), out);
    } else if (name == "histogram" && !f->empty() && f->front() == '[' && f->back() == ']') {
      out += *f;
    } else {
      append_api_json_string(*f, out);
    }
  }
  out += '}';
}

struct RowSetSql {
  const char* table;
  const char* time_column;
  bool window;  // ordered by window_start, window_end
};

RowSetSql row_set_sql(RowSet set) {
  switch (set) {
    case RowSet::kSentimentWindows:
      return {"topic_sentiment_avg", "window_start", true};
    case RowSet::kMarketWindows:
      return {"stock_trends", "window_start", true};
    case RowSet::kBars:
      return {"market_data", "ts", false};
    case RowSet::kAlerts:
      return {"alerts", "ts", false};
    case RowSet::kIndicators:
      return {"indicators", "ts", false};
    case RowSet::kFearGreed:
    case RowSet::kFearGreedHistory:
      return {"fear_greed", "ts", false};
  }
  return {"", "", false};
}

// Newest first within one symbol.
std::string newest_order(const RowSetSql& s) {
  if (s.window) {
    return "`window_start` DESC, `window_start_ms` DESC, `window_end` DESC, `window_end_ms` DESC";
  }
  return "`ts` DESC, `ts_ms` DESC";
}

std::string key_text(const std::vector<std::string>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ',';
    out += quote(keys[i]);
  }
  return out;
}

}  // namespace

ClickHouseServingReader::ClickHouseServingReader(const std::string& url)
    : ClickHouseServingReader([&url] {
        // Without a user in the URL, credentials come from the environment (from_url).
        ClickHouseOptions o = ClickHouseOptions::from_url(url);
        o.request_timeout_ms = 10000;
        return o;
      }()) {}

ClickHouseServingReader::ClickHouseServingReader(ClickHouseOptions options)
    : client_(std::move(options)) {
  const std::string& where = client_.where();
  // No ORDER BY: system.columns lists each table's columns in table order, and a sort need not
  // keep that order.
  auto columns = select("SELECT table, name FROM system.columns WHERE database = " +
                        quote(client_.options().database) + " AND name != 'version'");
  if (!columns) {
    throw std::runtime_error(
        fmt::format("serving store '{}': cannot read it: {}", where, columns.error().message));
  }
  for (const auto& row : columns.value().rows) {
    if (row.size() == 2 && row[0] && row[1]) columns_[*row[0]].push_back(*row[1]);
  }
  for (const char* table : kRequiredTables) {
    if (!has_table(table)) {
      throw std::runtime_error(fmt::format(
          "serving store '{}': no table `{}` (is it a stockpulse serving store? `stockpulse run "
          "--serving {}` makes one)",
          where, table, where));
    }
  }
  for (auto& [table, names] : columns_) {
    if (table == "schema_version") continue;
    if (names.empty() || names.front() != "symbol") {
      throw std::runtime_error(
          fmt::format("serving store '{}': table `{}` does not start with `symbol`", where, table));
    }
  }
}

ClickHouseServingReader::~ClickHouseServingReader() = default;

namespace {

ReadError read_error(const ClickHouseError& e) {
  // Unreachable, timed out or overloaded: the store may come back, so the client should retry
  // (503).
  const bool retry = e.kind == ClickHouseErrorKind::kUnreachable ||
                     (e.kind == ClickHouseErrorKind::kServer && e.http_status == 503);
  return ReadError{retry ? ReadErrorCode::kUnavailable : ReadErrorCode::kInternal,
                   "serving store " + e.message};
}

}  // namespace

Result<std::string, ReadError> ClickHouseServingReader::send(const std::string& sql) {
  std::lock_guard lock(mutex_);
  auto r = client_.execute(sql);
  if (!r.ok()) return Err(read_error(r.error()));
  return std::move(r.value());
}

Result<ClickHouseServingReader::Answer, ReadError> ClickHouseServingReader::select(
    const std::string& sql) {
  std::lock_guard lock(mutex_);
  auto r = client_.select(sql, /*with_names=*/true);
  if (!r.ok()) return Err(read_error(r.error()));
  return std::move(r.value());
}

std::string ClickHouseServingReader::select_list(RowSet set) const {
  switch (set) {
    case RowSet::kIndicators:
      return "`ts`, `ts_ms`, `close`, `rsi_14`, `ema_20`, `sma_50`";
    case RowSet::kFearGreed:
      return "`symbol`, `ts` AS `minute`, `ts_ms` AS `minute_ms`, `score`, `band`, `sentiment`, "
             "`bullish`, `momentum`, `volatility`, `volume`";
    case RowSet::kFearGreedHistory:
      return "`ts` AS `minute`, `ts_ms` AS `minute_ms`, `score`, `band`, `sentiment`, `bullish`, "
             "`momentum`, `volatility`, `volume`";
    case RowSet::kSentimentWindows:
    case RowSet::kMarketWindows:
    case RowSet::kBars:
    case RowSet::kAlerts:
      break;
  }
  // Every column, as `SELECT *` gives them in SQLite (the same columns in the same order).
  std::string out;
  const auto it = columns_.find(row_set_sql(set).table);
  if (it == columns_.end()) return "*";
  for (const std::string& name : it->second) {
    if (!out.empty()) out += ", ";
    out += fmt::format("`{}`", name);
  }
  return out;
}

Result<std::vector<std::string>, ReadError> ClickHouseServingReader::symbol_names() {
  // No FINAL: a key's symbol is the same in every version of the row.
  auto a = select(
      "SELECT DISTINCT symbol FROM (SELECT symbol FROM stock_trends UNION ALL SELECT symbol FROM "
      "topic_sentiment_avg UNION ALL SELECT symbol FROM market_data) ORDER BY symbol");
  if (!a) return Err(a.error());
  std::vector<std::string> names;
  for (auto& row : a.value().rows) names.push_back(row[0].value_or(""));
  return names;
}

Result<std::vector<std::pair<std::string, int64_t>>, ReadError>
ClickHouseServingReader::symbol_mentions(std::optional<EventTime> since) {
  // FINAL: a window rewritten by a later trigger counts once, with its newest count.
  auto a = select(fmt::format(
      "SELECT symbol, toInt64(sum(tweet_count)) FROM topic_sentiment_avg FINAL WHERE {} "
      "GROUP BY symbol ORDER BY symbol",
      since ? at_or_after("window_start", *since) : std::string("1")));
  if (!a) return Err(a.error());
  std::vector<std::pair<std::string, int64_t>> out;
  for (auto& row : a.value().rows) {
    const std::string count = row[1].value_or("0");
    int64_t n = 0;
    std::from_chars(count.data(), count.data() + count.size(), n);
    out.emplace_back(row[0].value_or(""), n);
  }
  return out;
}

Result<std::vector<std::string>, ReadError> ClickHouseServingReader::priced_symbols() {
  auto a = select("SELECT DISTINCT symbol FROM market_data ORDER BY symbol");
  if (!a) return Err(a.error());
  std::vector<std::string> names;
  for (auto& row : a.value().rows) names.push_back(row[0].value_or(""));
  return names;
}

std::string ClickHouseServingReader::trailing_windows_sql(
    RowSet set, const std::vector<std::string>& symbols) const {
  // One query: each symbol's newest window start and that window's length (the subquery), then
  // the window ending first after that start among those starting less than one length before
  // it. Times are compared as the server's own Unix milliseconds on both sides, so a server whose
  // time zone is not UTC (it reads the store's DateTime text in its zone) shifts both alike.
  const std::string keys = key_text(symbols);
  constexpr const char* kStart = "(toInt64(toUInt64(window_start)) * 1000 + window_start_ms)";
  constexpr const char* kEnd = "(toInt64(toUInt64(window_end)) * 1000 + window_end_ms)";
  return fmt::format(
      "SELECT {cols} FROM `{t}` FINAL ANY INNER JOIN (SELECT symbol, max({start}) AS newest_start, "
      "argMax({end} - {start}, {start}) AS newest_length FROM `{t}` FINAL WHERE symbol IN ({keys}) "
      "GROUP BY symbol) USING symbol WHERE symbol IN ({keys}) AND {end} > newest_start AND {start} "
      "> newest_start - newest_length ORDER BY symbol, `window_end`, `window_end_ms`, "
      "`window_start`, `window_start_ms` LIMIT 1 BY symbol",
      fmt::arg("cols", select_list(set)), fmt::arg("t", row_set_sql(set).table),
      fmt::arg("start", kStart), fmt::arg("end", kEnd), fmt::arg("keys", keys));
}

Result<std::vector<std::optional<std::string>>, ReadError> ClickHouseServingReader::latest_rows(
    RowSet set, const std::vector<std::string>& symbols, std::optional<EventTime> before_time) {
  std::vector<std::optional<std::string>> out(symbols.size());
  const RowSetSql s = row_set_sql(set);
  if (symbols.empty() || !has_table(s.table)) return out;
  std::string sql;
  if (s.window) {
    sql = trailing_windows_sql(set, symbols);  // ServingReader::latest_rows
  } else {
    // One request for all symbols: LIMIT 1 BY keeps the newest row of each.
    sql = fmt::format("SELECT {} FROM `{}` FINAL WHERE symbol IN ({})", select_list(set), s.table,
                      key_text(symbols));
    if (before_time) sql += " AND " + before(s.time_column, *before_time);
    sql += fmt::format(" ORDER BY symbol, {} LIMIT 1 BY symbol", newest_order(s));
  }
  auto a = select(sql);
  if (!a) return Err(a.error());
  const int sym = column_index(a.value(), "symbol");
  if (sym < 0) return Err(ReadError{ReadErrorCode::kInternal, "serving store: no symbol column"});
  std::map<std::string, std::string> by_symbol;
  for (size_t r = 0; r < a.value().rows.size(); ++r) {
    append_row(a.value(), r, by_symbol[a.value().rows[r][sym].value_or("")]);
  }
  for (size_t i = 0; i < symbols.size(); ++i) {
    if (auto it = by_symbol.find(symbols[i]); it != by_symbol.end()) out[i] = it->second;
  }
  return out;
}

Result<std::vector<std::string>, ReadError> ClickHouseServingReader::newest_rows(
    RowSet set, const std::optional<std::string>& symbol, std::optional<EventTime> from,
    std::optional<EventTime> to, int limit) {
  const RowSetSql s = row_set_sql(set);
  if (!has_table(s.table)) return std::vector<std::string>{};
  std::string sql = fmt::format("SELECT {} FROM `{}` FINAL WHERE 1", select_list(set), s.table);
  if (symbol) sql += " AND symbol = " + quote(*symbol);
  if (from) sql += " AND " + at_or_after(s.time_column, *from);
  if (to) sql += " AND " + before(s.time_column, *to);
  // The same orders as SqliteServingReader's statements, times compared as (X, X_ms).
  std::string order;
  if (set == RowSet::kAlerts) {
    order = symbol ? "`ts` DESC, `ts_ms` DESC, `kind` DESC"
                   : "`ts` DESC, `ts_ms` DESC, `symbol` DESC, `kind` DESC";
  } else if (s.window && !symbol) {
    order = "`window_end` DESC, `window_end_ms` DESC, `symbol`";
  } else {
    order = newest_order(s);
  }
  sql += fmt::format(" ORDER BY {} LIMIT {}", order, std::max(limit, 0));
  auto a = select(sql);
  if (!a) return Err(a.error());
  std::vector<std::string> rows(a.value().rows.size());
  for (size_t r = 0; r < rows.size(); ++r) append_row(a.value(), r, rows[r]);
  return rows;
}

Result<bool, ReadError> ClickHouseServingReader::has_rows(RowSet set, const std::string* symbol) {
  const RowSetSql s = row_set_sql(set);
  if (!has_table(s.table)) return false;
  std::string sql = fmt::format("SELECT 1 FROM `{}`", s.table);
  if (symbol) sql += " WHERE symbol = " + quote(*symbol);
  auto a = select(sql + " LIMIT 1");
  if (!a) return Err(a.error());
  return !a.value().rows.empty();
}

Result<std::vector<std::pair<std::string, double>>, ReadError> ClickHouseServingReader::closes(
    const std::string& symbol, std::optional<EventTime> to, int limit) {
  std::string sql =
      "SELECT ts, ts_ms, close FROM market_data FINAL WHERE symbol = " + quote(symbol);
  if (to) sql += " AND " + before("ts", *to);
  auto a = select(sql + fmt::format(" ORDER BY ts DESC, ts_ms DESC LIMIT {}", std::max(limit, 0)));
  if (!a) return Err(a.error());
  std::vector<std::pair<std::string, double>> out;
  for (size_t r = 0; r < a.value().rows.size(); ++r) {
    out.emplace_back(time_cell(a.value(), r, "ts"), to_double(a.value().rows[r][2]));
  }
  return out;
}

Result<std::optional<EventTime>, ReadError> ClickHouseServingReader::latest_window_start(
    const std::string& symbol, std::optional<EventTime> before_time) {
  std::optional<EventTime> latest;
  for (const char* table : {"stock_trends", "topic_sentiment_avg"}) {
    // No FINAL: only key columns are read.
    std::string sql = fmt::format(
        "SELECT window_start, window_start_ms FROM `{}` WHERE symbol = {}", table, quote(symbol));
    if (before_time) sql += " AND " + before("window_start", *before_time);
    auto a = select(sql + " ORDER BY window_start DESC, window_start_ms DESC LIMIT 1");
    if (!a) return Err(a.error());
    if (a.value().rows.empty()) continue;
    if (auto t = parse_iso8601(time_cell(a.value(), 0, "window_start"));
        t && (!latest || *latest < *t)) {
      latest = *t;
    }
  }
  return latest;
}

Result<std::vector<MarketWindowInput>, ReadError> ClickHouseServingReader::market_window_inputs(
    const std::string& symbol, EventTime lo, EventTime hi) {
  auto a = select(fmt::format(
      "SELECT window_end, window_end_ms, open, close, volatility, avg_volume FROM stock_trends "
      "FINAL WHERE symbol = {} AND {} AND {} ORDER BY window_start, window_start_ms, window_end, "
      "window_end_ms",
      quote(symbol), at_or_after("window_start", lo),
      before("window_start", EventTime(hi.value() + 1))));
  if (!a) return Err(a.error());
  std::vector<MarketWindowInput> out;
  for (size_t r = 0; r < a.value().rows.size(); ++r) {
    const auto end = parse_iso8601(time_cell(a.value(), r, "window_end"));
    if (!end) continue;
    const auto& row = a.value().rows[r];
    out.push_back(MarketWindowInput{*end, to_double(row[2]), to_double(row[3]), to_double(row[4]),
                                    to_double(row[5])});
  }
  return out;
}

Result<std::vector<SentimentWindowInput>, ReadError>
ClickHouseServingReader::sentiment_window_inputs(const std::string& symbol, EventTime lo,
                                                 EventTime hi) {
  auto a = select(fmt::format(
      "SELECT window_end, window_end_ms, tweet_count, sentiment_score_avg, bullish_share FROM "
      "topic_sentiment_avg FINAL WHERE symbol = {} AND {} AND {} ORDER BY window_start, "
      "window_start_ms, window_end, window_end_ms",
      quote(symbol), at_or_after("window_start", lo),
      before("window_start", EventTime(hi.value() + 1))));
  if (!a) return Err(a.error());
  std::vector<SentimentWindowInput> out;
  for (size_t r = 0; r < a.value().rows.size(); ++r) {
    const auto end = parse_iso8601(time_cell(a.value(), r, "window_end"));
    if (!end) continue;
    const auto& row = a.value().rows[r];
    out.push_back(SentimentWindowInput{*end, to_int(row[2]), to_double(row[3]), to_double(row[4])});
  }
  return out;
}

Result<int64_t, ReadError> ClickHouseServingReader::schema_version() {
  auto a = select("SELECT max(version) FROM schema_version");
  if (!a) return Err(a.error());
  if (a.value().rows.empty()) return int64_t{0};
  return to_int(a.value().rows[0][0]);
}

Result<std::string, ReadError> ClickHouseServingReader::change_token() {
  // Every INSERT adds a part with a block number above all earlier ones of its table; merges
  // change the part and row counts, which only costs one needless re-read.
  return send(
      fmt::format("SELECT table, max(max_block_number), count(), sum(rows) FROM system.parts WHERE "
                  "database = {} AND active GROUP BY table ORDER BY table FORMAT TabSeparated",
                  quote(client_.options().database)));
}

Result<std::vector<LatestRow>, ReadError> ClickHouseServingReader::latest_windows(
    bool trends, int64_t lookback_ms) {
  const char* table = trends ? "stock_trends" : "topic_sentiment_avg";
  auto newest = select(fmt::format(
      "SELECT window_end, window_end_ms FROM `{}` ORDER BY window_end DESC, window_end_ms DESC "
      "LIMIT 1",
      table));
  if (!newest) return Err(newest.error());
  if (newest.value().rows.empty()) return std::vector<LatestRow>{};
  const auto end = parse_iso8601(time_cell(newest.value(), 0, "window_end"));
  if (!end) return std::vector<LatestRow>{};
  const RowSet set = trends ? RowSet::kMarketWindows : RowSet::kSentimentWindows;
  auto a = select(fmt::format("SELECT {} FROM `{}` FINAL WHERE {}", select_list(set), table,
                              at_or_after("window_end", EventTime(end->value() - lookback_ms))));
  if (!a) return Err(a.error());
  std::vector<LatestRow> rows;
  const int sym = column_index(a.value(), "symbol");
  for (size_t r = 0; r < a.value().rows.size(); ++r) {
    LatestRow row;
    row.key =
        fmt::format("{}|{}|{}|{}", trends ? 't' : 's',
                    sym >= 0 ? a.value().rows[r][sym].value_or("") : std::string(),
                    time_cell(a.value(), r, "window_start"), time_cell(a.value(), r, "window_end"));
    append_row(a.value(), r, row.json);
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<LatestRow>, ReadError> ClickHouseServingReader::alerts_after(
    const std::string& after_ts, int limit) {
  std::string sql = fmt::format("SELECT {} FROM alerts FINAL", select_list(RowSet::kAlerts));
  if (!after_ts.empty()) {
    const auto after = parse_iso8601(after_ts);
    if (!after) {
      return Err(ReadError{ReadErrorCode::kBadRequest, "alerts_after: not an ISO-8601 time"});
    }
    sql += " WHERE " + at_or_after("ts", EventTime(after->value() + 1));
  }
  sql += fmt::format(" ORDER BY ts, ts_ms, symbol, kind LIMIT {}", std::max(limit, 0));
  auto a = select(sql);
  if (!a) return Err(a.error());
  std::vector<LatestRow> rows;
  for (size_t r = 0; r < a.value().rows.size(); ++r) {
    LatestRow row;
    row.key = time_cell(a.value(), r, "ts");
    append_row(a.value(), r, row.json);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace stockpulse
