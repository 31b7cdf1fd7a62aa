#include "serve/sqlite_serving_reader.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <stdexcept>

#include "common/time_format.h"
#include "serve/row_json.h"

namespace stockpulse {
namespace {

// Text bounds that sort before and after every ISO-8601 time the store holds (they start with a
// digit), so an absent from/to needs no second statement.
constexpr const char* kMinTime = "";
constexpr const char* kMaxTime = "~";

std::string time_text(const std::optional<EventTime>& t, const char* otherwise) {
  return t ? format_iso8601(*t) : std::string(otherwise);
}

// Resets a statement when a query ends, however it ends: a statement left mid-step keeps its read
// transaction open, which would pin the WAL and stop the writer's checkpoints.
class ResetGuard {
 public:
  explicit ResetGuard(sqlite3_stmt* s) : s_(s) {}
  ~ResetGuard() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

 private:
  sqlite3_stmt* s_;
};

void bind_text(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

// Parameters of SqliteServingReader::rows: text, absent text (NULL), or an integer.
void bind_param(sqlite3_stmt* s, int index, const std::string& text) {
  bind_text(s, index, text);
}
void bind_param(sqlite3_stmt* s, int index, const std::optional<std::string>& text) {
  if (text) bind_text(s, index, *text);  // unbound is NULL: ResetGuard clears the bindings
}
void bind_param(sqlite3_stmt* s, int index, int value) {
  sqlite3_bind_int(s, index, value);
}

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

// One result row as a JSON object keyed by column name. `histogram` holds JSON array text written
// by the sink and is passed through; `is_final` becomes a boolean, as in the live events.
void append_row(sqlite3_stmt* s, std::string& out) {
  out += '{';
  const int n = sqlite3_column_count(s);
  for (int i = 0; i < n; ++i) {
    if (i) out += ',';
    const std::string_view name = sqlite3_column_name(s, i);
    append_api_json_string(name, out);
    out += ':';
    switch (sqlite3_column_type(s, i)) {
      case SQLITE_NULL:
        out += "null";
        break;
      case SQLITE_INTEGER:
        if (name == "is_final") {
          out += sqlite3_column_int64(s, i) ? "true" : "false";
        } else {
          append_api_json_number(static_cast<int64_t>(sqlite3_column_int64(s, i)), out);
        }
        break;
      case SQLITE_FLOAT:
        append_api_json_number(sqlite3_column_double(s, i), out);
        break;
      default: {
        const std::string text = column_text(s, i);
        if (name == "histogram" && !text.empty() && text.front() == '[' && text.back() == ']') {
          out += text;
        } else {
          append_api_json_string(text, out);
        }
      }
    }
  }
  out += '}';
}

std::optional<std::string> row_json(sqlite3_stmt* s) {
  std::string out;
  append_row(s, out);
  return out;
}

}  // namespace

void SqliteServingReader::StatementDeleter::operator()(sqlite3_stmt* s) const {
  sqlite3_finalize(s);
}

SqliteServingReader::SqliteServingReader(const std::string& path) {
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(fmt::format("serving store '{}': cannot open: {}", path, msg));
  }
  // A writer's commit holds the WAL index lock for microseconds; wait rather than fail the request.
  sqlite3_busy_timeout(db_, 2000);
  try {
    symbols_ = prepare(R"sql(
WITH RECURSIVE
  t(s) AS (SELECT MIN(symbol) FROM stock_trends
           UNION ALL SELECT (SELECT MIN(symbol) FROM stock_trends WHERE symbol > t.s)
           FROM t WHERE t.s IS NOT NULL),
  w(s) AS (SELECT MIN(symbol) FROM topic_sentiment_avg
           UNION ALL SELECT (SELECT MIN(symbol) FROM topic_sentiment_avg WHERE symbol > w.s)
           FROM w WHERE w.s IS NOT NULL),
  b(s) AS (SELECT MIN(symbol) FROM market_data
           UNION ALL SELECT (SELECT MIN(symbol) FROM market_data WHERE symbol > b.s)
           FROM b WHERE b.s IS NOT NULL)
SELECT s FROM t WHERE s IS NOT NULL UNION SELECT s FROM w WHERE s IS NOT NULL
UNION SELECT s FROM b WHERE s IS NOT NULL ORDER BY 1)sql");
    mentions_ = prepare(
        "SELECT symbol, SUM(tweet_count) FROM topic_sentiment_avg WHERE window_start >= ?1 "
        "GROUP BY symbol ORDER BY symbol");
    // The same skip scan as symbols_: one index seek per symbol, not a read of every bar.
    priced_ = prepare(R"sql(
WITH RECURSIVE
  b(s) AS (SELECT MIN(symbol) FROM market_data
           UNION ALL SELECT (SELECT MIN(symbol) FROM market_data WHERE symbol > b.s)
           FROM b WHERE b.s IS NOT NULL)
SELECT s FROM b WHERE s IS NOT NULL)sql");
    newest_trend_span_ = prepare(
        "SELECT window_start, window_end FROM stock_trends WHERE symbol = ?1 "
        "ORDER BY window_start DESC, window_end DESC LIMIT 1");
    newest_sentiment_span_ = prepare(
        "SELECT window_start, window_end FROM topic_sentiment_avg WHERE symbol = ?1 "
        "ORDER BY window_start DESC, window_end DESC LIMIT 1");
    // ?2 bounds window_start from below so the key's range is read, not the symbol's history.
    trailing_trend_ = prepare(
        "SELECT * FROM stock_trends WHERE symbol = ?1 AND window_start > ?2 AND window_end > ?3 "
        "ORDER BY window_end, window_start LIMIT 1");
    trailing_sentiment_ = prepare(
        "SELECT * FROM topic_sentiment_avg WHERE symbol = ?1 AND window_start > ?2 AND "
        "window_end > ?3 ORDER BY window_end, window_start LIMIT 1");
    latest_bar_ = prepare("SELECT * FROM market_data WHERE symbol = ?1 ORDER BY ts DESC LIMIT 1");
    sentiment_by_symbol_ = prepare(
        "SELECT * FROM topic_sentiment_avg WHERE symbol = ?1 AND window_start >= ?2 AND "
        "window_start < ?3 ORDER BY window_start DESC, window_end DESC LIMIT ?4");
    sentiment_all_ = prepare(
        "SELECT * FROM topic_sentiment_avg WHERE ?1 IS NULL AND window_start >= ?2 AND "
        "window_start < ?3 ORDER BY window_end DESC, symbol LIMIT ?4");
    trends_by_symbol_ = prepare(
        "SELECT * FROM stock_trends WHERE symbol = ?1 AND window_start >= ?2 AND "
        "window_start < ?3 ORDER BY window_start DESC, window_end DESC LIMIT ?4");
    trends_all_ = prepare(
        "SELECT * FROM stock_trends WHERE ?1 IS NULL AND window_start >= ?2 AND "
        "window_start < ?3 ORDER BY window_end DESC, symbol LIMIT ?4");
    candles_ = prepare(
        "SELECT * FROM market_data WHERE symbol = ?1 AND ts >= ?2 AND ts < ?3 "
        "ORDER BY ts DESC LIMIT ?4");
    closes_ = prepare(
        "SELECT ts, close FROM market_data WHERE symbol = ?1 AND ts < ?2 "
        "ORDER BY ts DESC LIMIT ?3");
    fg_latest_start_ = prepare(
        "SELECT (SELECT MAX(window_start) FROM stock_trends WHERE symbol = ?1 AND "
        "window_start < ?2), (SELECT MAX(window_start) FROM topic_sentiment_avg WHERE "
        "symbol = ?1 AND window_start < ?2)");
    fg_trends_ = prepare(
        "SELECT window_end, open, close, volatility, avg_volume FROM stock_trends "
        "WHERE symbol = ?1 AND window_start >= ?2 AND window_start <= ?3 "
        "ORDER BY window_start, window_end");
    fg_sentiment_ = prepare(
        "SELECT window_end, tweet_count, sentiment_score_avg, bullish_share "
        "FROM topic_sentiment_avg WHERE symbol = ?1 AND window_start >= ?2 AND "
        "window_start <= ?3 ORDER BY window_start, window_end");
    alerts_by_symbol_ = prepare(
        "SELECT * FROM alerts WHERE symbol = ?1 AND ts >= ?2 AND ts < ?3 "
        "ORDER BY ts DESC, kind DESC LIMIT ?4");
    alerts_all_ = prepare(
        "SELECT * FROM alerts WHERE ?1 IS NULL AND ts >= ?2 AND ts < ?3 "
        "ORDER BY ts DESC, symbol DESC, kind DESC LIMIT ?4");
    alerts_after_ =
        prepare("SELECT * FROM alerts WHERE ts > ?1 ORDER BY ts, symbol, kind LIMIT ?2");
    schema_version_ = prepare("SELECT MAX(version) FROM schema_version");
    data_version_ = prepare("PRAGMA data_version");
    max_trend_end_ = prepare("SELECT MAX(window_end) FROM stock_trends");
    max_sentiment_end_ = prepare("SELECT MAX(window_end) FROM topic_sentiment_avg");
    trends_since_ = prepare("SELECT * FROM stock_trends WHERE window_end >= ?1");
    sentiment_since_ = prepare("SELECT * FROM topic_sentiment_avg WHERE window_end >= ?1");
    // Schema v3 tables: optional, so a store written by an older pipeline still serves.
    stored_indicators_any_ = prepare_optional("SELECT 1 FROM indicators WHERE symbol = ?1 LIMIT 1");
    stored_indicators_ = prepare_optional(
        "SELECT ts, close, rsi_14, ema_20, sma_50 FROM indicators WHERE symbol = ?1 AND "
        "ts >= ?2 AND ts < ?3 ORDER BY ts DESC LIMIT ?4");
    stored_fg_any_ = prepare_optional("SELECT 1 FROM fear_greed LIMIT 1");
    stored_fg_latest_ = prepare_optional(
        "SELECT symbol, ts AS minute, score, band, sentiment, bullish, momentum, volatility, "
        "volume "
        "FROM fear_greed WHERE symbol = ?1 AND ts < ?2 ORDER BY ts DESC LIMIT 1");
    stored_fg_history_ = prepare_optional(
        "SELECT ts AS minute, score, band, sentiment, bullish, momentum, volatility, volume "
        "FROM fear_greed WHERE symbol = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts DESC LIMIT ?4");
  } catch (const std::runtime_error& e) {
    close();
    throw std::runtime_error(
        fmt::format("serving store '{}': {} (is it a stockpulse serving "
                    "store? `stockpulse run --serving sqlite:PATH` makes one)",
                    path, e.what()));
  }
}

SqliteServingReader::~SqliteServingReader() {
  close();
}

void SqliteServingReader::close() {
  for (Statement* s : {&symbols_,
                       &mentions_,
                       &priced_,
                       &newest_trend_span_,
                       &newest_sentiment_span_,
                       &trailing_trend_,
                       &trailing_sentiment_,
                       &latest_bar_,
                       &sentiment_by_symbol_,
                       &sentiment_all_,
                       &trends_by_symbol_,
                       &trends_all_,
                       &candles_,
                       &closes_,
                       &fg_trends_,
                       &fg_sentiment_,
                       &fg_latest_start_,
                       &alerts_by_symbol_,
                       &alerts_all_,
                       &alerts_after_,
                       &schema_version_,
                       &data_version_,
                       &max_trend_end_,
                       &max_sentiment_end_,
                       &trends_since_,
                       &sentiment_since_,
                       &stored_indicators_any_,
                       &stored_indicators_,
                       &stored_fg_any_,
                       &stored_fg_latest_,
                       &stored_fg_history_}) {
    s->reset();
  }
  if (db_) sqlite3_close(db_);
  db_ = nullptr;
}

SqliteServingReader::Statement SqliteServingReader::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  return Statement(s);
}

SqliteServingReader::Statement SqliteServingReader::prepare_optional(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return nullptr;
  }
  return Statement(s);
}

ReadError SqliteServingReader::error(int rc) const {
  const int primary = rc & 0xFF;
  const ReadErrorCode code = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
                                 ? ReadErrorCode::kUnavailable
                                 : ReadErrorCode::kInternal;
  return ReadError{code, fmt::format("serving store: {}", sqlite3_errmsg(db_))};
}

template <class Row, class... Params>
auto SqliteServingReader::rows(sqlite3_stmt* s, Row&& row, const Params&... params)
    -> Result<std::vector<RowValue<Row>>, ReadError> {
  ResetGuard guard(s);
  int index = 0;
  (bind_param(s, ++index, params), ...);
  std::vector<RowValue<Row>> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (auto value = row(s)) out.push_back(std::move(*value));
  }
  if (rc != SQLITE_DONE) return Err(error(rc));
  return out;
}

Result<std::vector<std::string>, ReadError> SqliteServingReader::symbol_names() {
  std::lock_guard lock(mutex_);
  return rows(symbols_.get(), [](sqlite3_stmt* s) { return std::optional(column_text(s, 0)); });
}

Result<std::vector<std::pair<std::string, int64_t>>, ReadError>
SqliteServingReader::symbol_mentions(std::optional<EventTime> since) {
  std::lock_guard lock(mutex_);
  // "" sorts before every time text: all windows.
  return rows(
      mentions_.get(),
      [](sqlite3_stmt* s) {
        return std::optional(std::pair(column_text(s, 0), int64_t{sqlite3_column_int64(s, 1)}));
      },
      since ? format_iso8601(*since) : std::string());
}

Result<std::vector<std::string>, ReadError> SqliteServingReader::priced_symbols() {
  std::lock_guard lock(mutex_);
  return rows(priced_.get(), [](sqlite3_stmt* s) { return std::optional(column_text(s, 0)); });
}

Result<std::optional<std::string>, ReadError> SqliteServingReader::trailing_window(
    sqlite3_stmt* span, sqlite3_stmt* trailing, const std::string& symbol) {
  std::string start, end;
  {
    ResetGuard guard(span);
    bind_text(span, 1, symbol);
    const int rc = sqlite3_step(span);
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return Err(error(rc));
    start = column_text(span, 0);
    end = column_text(span, 1);
  }
  const auto s = parse_iso8601(start), e = parse_iso8601(end);
  if (!s || !e) {
    return Err(ReadError{ReadErrorCode::kInternal,
                         fmt::format("serving store: window '{}'..'{}' of {} is not ISO-8601 time",
                                     start, end, symbol)});
  }
  // Windows ending after the newest start all began less than one window length before it.
  const std::string lowest = format_iso8601(EventTime(s->value() - (e->value() - s->value())));
  ResetGuard guard(trailing);
  bind_text(trailing, 1, symbol);
  bind_text(trailing, 2, lowest);
  bind_text(trailing, 3, start);
  const int rc = sqlite3_step(trailing);
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Err(error(rc));
  std::string row;
  append_row(trailing, row);
  return std::optional<std::string>(std::move(row));
}

Result<std::vector<std::optional<std::string>>, ReadError> SqliteServingReader::latest_rows(
    RowSet set, const std::vector<std::string>& symbols, std::optional<EventTime> before) {
  if (set == RowSet::kMarketWindows || set == RowSet::kSentimentWindows) {
    const bool trends = set == RowSet::kMarketWindows;
    sqlite3_stmt* span = trends ? newest_trend_span_.get() : newest_sentiment_span_.get();
    sqlite3_stmt* trailing = trends ? trailing_trend_.get() : trailing_sentiment_.get();
    std::lock_guard lock(mutex_);
    std::vector<std::optional<std::string>> out;
    out.reserve(symbols.size());
    for (const std::string& symbol : symbols) {
      auto row = trailing_window(span, trailing, symbol);
      if (!row) return Err(row.error());
      out.push_back(std::move(row.value()));
    }
    return out;
  }
  sqlite3_stmt* s = nullptr;
  switch (set) {
    case RowSet::kMarketWindows:
    case RowSet::kSentimentWindows:
      break;
    case RowSet::kBars:
      s = latest_bar_.get();
      break;
    case RowSet::kFearGreed:
      s = stored_fg_latest_.get();
      break;
    case RowSet::kAlerts:
    case RowSet::kIndicators:
    case RowSet::kFearGreedHistory:
      break;
  }
  if (!s)
    return Err(ReadError{ReadErrorCode::kInternal, "serving store: no such latest-row query"});
  const bool bounded = set == RowSet::kFearGreed;
  std::lock_guard lock(mutex_);
  std::vector<std::optional<std::string>> out;
  out.reserve(symbols.size());
  // One indexed lookup per symbol: the key starts with symbol, so each is a b-tree descent.
  for (const std::string& symbol : symbols) {
    ResetGuard guard(s);
    bind_text(s, 1, symbol);
    if (bounded) bind_text(s, 2, time_text(before, kMaxTime));
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      out.emplace_back(std::string());
      append_row(s, *out.back());
    } else if (rc == SQLITE_DONE) {
      out.emplace_back(std::nullopt);
    } else {
      return Err(error(rc));
    }
  }
  return out;
}

Result<std::vector<std::string>, ReadError> SqliteServingReader::newest_rows(
    RowSet set, const std::optional<std::string>& symbol, std::optional<EventTime> from,
    std::optional<EventTime> to, int limit) {
  sqlite3_stmt* s = nullptr;
  switch (set) {
    case RowSet::kSentimentWindows:
      s = symbol ? sentiment_by_symbol_.get() : sentiment_all_.get();
      break;
    case RowSet::kMarketWindows:
      s = symbol ? trends_by_symbol_.get() : trends_all_.get();
      break;
    case RowSet::kAlerts:
      s = symbol ? alerts_by_symbol_.get() : alerts_all_.get();
      break;
    case RowSet::kBars:
      s = symbol ? candles_.get() : nullptr;
      break;
    case RowSet::kIndicators:
      s = symbol ? stored_indicators_.get() : nullptr;
      break;
    case RowSet::kFearGreedHistory:
      s = symbol ? stored_fg_history_.get() : nullptr;
      break;
    case RowSet::kFearGreed:
      break;
  }
  if (!s) return Err(ReadError{ReadErrorCode::kInternal, "serving store: no such range query"});
  std::lock_guard lock(mutex_);
  return rows(s, row_json, symbol, time_text(from, kMinTime), time_text(to, kMaxTime), limit);
}

Result<bool, ReadError> SqliteServingReader::has_rows(RowSet set, const std::string* symbol) {
  sqlite3_stmt* any = set == RowSet::kIndicators  ? stored_indicators_any_.get()
                      : set == RowSet::kFearGreed ? stored_fg_any_.get()
                                                  : nullptr;
  if (!any) return false;
  std::lock_guard lock(mutex_);
  ResetGuard guard(any);
  if (symbol) bind_text(any, 1, *symbol);
  const int rc = sqlite3_step(any);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Err(error(rc));
}

Result<std::vector<std::pair<std::string, double>>, ReadError> SqliteServingReader::closes(
    const std::string& symbol, std::optional<EventTime> to, int limit) {
  std::lock_guard lock(mutex_);
  const auto close_row = [](sqlite3_stmt* s) {
    return std::optional(std::pair(column_text(s, 0), sqlite3_column_double(s, 1)));
  };
  return rows(closes_.get(), close_row, symbol, time_text(to, kMaxTime), limit);
}

Result<std::optional<EventTime>, ReadError> SqliteServingReader::latest_window_start(
    const std::string& symbol, std::optional<EventTime> before) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* s = fg_latest_start_.get();
  ResetGuard guard(s);
  bind_text(s, 1, symbol);
  bind_text(s, 2, time_text(before, kMaxTime));
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return Err(error(rc));
  std::optional<EventTime> latest;
  for (int c = 0; c < 2; ++c) {
    if (sqlite3_column_type(s, c) == SQLITE_NULL) continue;
    if (auto t = parse_iso8601(column_text(s, c)); t && (!latest || *latest < *t)) latest = *t;
  }
  return latest;
}

Result<std::vector<MarketWindowInput>, ReadError> SqliteServingReader::market_window_inputs(
    const std::string& symbol, EventTime lo, EventTime hi) {
  std::lock_guard lock(mutex_);
  const auto input = [](sqlite3_stmt* s) -> std::optional<MarketWindowInput> {
    const auto end = parse_iso8601(column_text(s, 0));
    if (!end) return std::nullopt;
    return MarketWindowInput{*end, sqlite3_column_double(s, 1), sqlite3_column_double(s, 2),
                             sqlite3_column_double(s, 3), sqlite3_column_double(s, 4)};
  };
  return rows(fg_trends_.get(), input, symbol, format_iso8601(lo), format_iso8601(hi));
}

Result<std::vector<SentimentWindowInput>, ReadError> SqliteServingReader::sentiment_window_inputs(
    const std::string& symbol, EventTime lo, EventTime hi) {
  std::lock_guard lock(mutex_);
  const auto input = [](sqlite3_stmt* s) -> std::optional<SentimentWindowInput> {
    const auto end = parse_iso8601(column_text(s, 0));
    if (!end) return std::nullopt;
    return SentimentWindowInput{*end, static_cast<int64_t>(sqlite3_column_int64(s, 1)),
                                sqlite3_column_double(s, 2), sqlite3_column_double(s, 3)};
  };
  return rows(fg_sentiment_.get(), input, symbol, format_iso8601(lo), format_iso8601(hi));
}

Result<int64_t, ReadError> SqliteServingReader::schema_version() {
  std::lock_guard lock(mutex_);
  ResetGuard guard(schema_version_.get());
  const int rc = sqlite3_step(schema_version_.get());
  if (rc != SQLITE_ROW) return Err(error(rc));
  return static_cast<int64_t>(sqlite3_column_int64(schema_version_.get(), 0));
}

Result<std::string, ReadError> SqliteServingReader::change_token() {
  std::lock_guard lock(mutex_);
  ResetGuard guard(data_version_.get());
  const int rc = sqlite3_step(data_version_.get());
  if (rc != SQLITE_ROW) return Err(error(rc));
  return std::to_string(sqlite3_column_int64(data_version_.get(), 0));
}

Result<std::vector<LatestRow>, ReadError> SqliteServingReader::latest_windows(bool trends,
                                                                              int64_t lookback_ms) {
  std::lock_guard lock(mutex_);
  std::string max_end;
  {
    sqlite3_stmt* s = trends ? max_trend_end_.get() : max_sentiment_end_.get();
    ResetGuard guard(s);
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) return Err(error(rc));
    if (sqlite3_column_type(s, 0) == SQLITE_NULL) return std::vector<LatestRow>{};
    max_end = column_text(s, 0);
  }
  const auto end = parse_iso8601(max_end);
  if (!end) return std::vector<LatestRow>{};
  const auto latest = [trends](sqlite3_stmt* s) {
    LatestRow row;
    row.key = fmt::format("{}|{}|{}|{}", trends ? 't' : 's', column_text(s, 0), column_text(s, 1),
                          column_text(s, 2));
    append_row(s, row.json);
    return std::optional(std::move(row));
  };
  return rows(trends ? trends_since_.get() : sentiment_since_.get(), latest,
              format_iso8601(EventTime(end->value() - lookback_ms)));
}

Result<std::vector<LatestRow>, ReadError> SqliteServingReader::alerts_after(
    const std::string& after_ts, int limit) {
  std::lock_guard lock(mutex_);
  const auto alert = [](sqlite3_stmt* s) {
    LatestRow row;
    row.key = column_text(s, 1);  // ts: the poller resumes after the newest one it saw
    append_row(s, row.json);
    return std::optional(std::move(row));
  };
  return rows(alerts_after_.get(), alert, after_ts, limit);
}

}  // namespace stockpulse
